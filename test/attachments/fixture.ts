// The Attachment API and the Table API wired to dynalite and the local S3 server, with a caller per role.
import type { APIGatewayProxyEvent } from "aws-lambda";
import { createAttachmentApi } from "../../functions/attachments/create-attachment-api";
import { createTableApi } from "../../functions/table-api/create-table-api";
import { capturingLogger } from "../kit/authorizer-fixture";
import type { TestDynamo } from "../kit/dynamo";
import type { TestS3 } from "../kit/s3";
import { testClock } from "../table-api/fixture";
import { apiEvent, parseReply, type EventInput, type Reply } from "../table-api/api-event";

export interface AttachmentFixture {
  /** Any route: the Attachment API's or the Table API's, as ROUTES send it. */
  call(input: EventInput & { readonly bytes?: Buffer }): Promise<Reply & { readonly bytes: Buffer }>;
  readonly logger: ReturnType<typeof capturingLogger>;
}

export function createAttachmentFixture(dynamo: TestDynamo, s3: TestS3): AttachmentFixture {
  const logger = capturingLogger();
  const clock = testClock();
  const options = { client: dynamo.doc, tables: dynamo.tables, logger, clock, configTtlMs: 0 };
  const attachmentApi = createAttachmentApi({ ...options, s3: s3.client, bucket: s3.bucket });
  const tableApi = createTableApi({ ...options, attachments: { s3: s3.client, bucket: s3.bucket } });
  return {
    logger,
    call: async (input) => {
      const { event, backend } = apiEvent(input);
      const sent: APIGatewayProxyEvent =
        input.bytes === undefined ? event : { ...event, body: input.bytes.toString("base64"), isBase64Encoded: true };
      if (backend !== "attachmentApi" && backend !== "tableApi") throw new Error(`${input.path} routes to ${backend}`);
      const result = await (backend === "attachmentApi" ? attachmentApi : tableApi)(sent);
      const bytes = result.isBase64Encoded ? Buffer.from(result.body, "base64") : Buffer.from(result.body, "utf8");
      const reply = result.isBase64Encoded
        ? { status: result.statusCode, headers: headersOf(result.headers), body: undefined, raw: "" }
        : parseReply(result);
      return { ...reply, bytes };
    },
  };
}

const headersOf = (headers: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));

/** Bytes of every value, in a pattern that shifts, so a dropped or changed byte shows. */
export const testBytes = (length: number, seed = 7): Buffer => {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) bytes[i] = (i * seed + (i >> 8)) & 0xff;
  return bytes;
};
