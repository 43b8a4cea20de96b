// Table API Lambda: ServiceNow's /api/now/table/{table}[/{sys_id}] over DynamoDB, behind the authorizer.
import { createDocumentClient } from "../shared/dynamo";
import { requireEnv, tableNames } from "../shared/env";
import { withLambdaContext } from "../shared/lambda-context";
import { logger } from "../shared/logger";
import { BUCKETS, createS3Client } from "../shared/s3";
import { createTableApi } from "./create-table-api";

// Module scope: one client of each and one ACL cache per container.
export const handler = withLambdaContext(
  createTableApi({
    client: createDocumentClient(),
    tables: tableNames(["config", "records", "users"]),
    attachments: { s3: createS3Client(), bucket: requireEnv(BUCKETS.attachments.envVar) },
    logger,
  }),
);
