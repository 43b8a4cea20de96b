// Attachment API Lambda: ServiceNow's /api/now/attachment... with the bytes in S3, behind the authorizer.
import { createDocumentClient } from "../shared/dynamo";
import { requireEnv, tableNames } from "../shared/env";
import { logger } from "../shared/logger";
import { BUCKETS, createS3Client } from "../shared/s3";
import { createAttachmentApi } from "./create-attachment-api";

// Module scope: one client of each and one config cache per container.
export const handler = createAttachmentApi({
  client: createDocumentClient(),
  s3: createS3Client(),
  bucket: requireEnv(BUCKETS.attachments.envVar),
  tables: tableNames(["config", "records"]),
  logger,
});
