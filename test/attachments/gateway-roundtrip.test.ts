// A 5 MB binary file through the local gateway (raw bytes in, raw bytes out) to the real Attachment API,
// dynalite and the local S3 server: byte for byte, hash included.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayAuthorizerResult } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAttachmentApi } from "../../functions/attachments/create-attachment-api";
import { MAX_SIZE_PROPERTY } from "../../functions/attachments/limits";
import { ROUTES } from "../../functions/http/routes";
import { createGateway } from "../../infra/local/gateway";
import { capturingLogger, newSysId, putProperty } from "../kit/authorizer-fixture";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startS3, type TestS3 } from "../kit/s3";
import { putAcl, seedRecords } from "../table-api/fixture";
import { testBytes } from "./fixture";

let dynamo: TestDynamo;
let s3: TestS3;
let server: Server;
let base: string;

const allow = (): APIGatewayAuthorizerResult => ({
  principalId: "u1",
  policyDocument: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: "arn:aws:execute-api:local:000000000000:localapi/local/*/*",
      },
    ],
  },
  context: { sys_id: newSysId(), user_name: "beth.anglin", roles: "itil", provider: "local" },
});

beforeAll(async () => {
  [dynamo, s3] = await Promise.all([startDynamo(), startS3()]);
  await putAcl(dynamo, { table: "incident", read: ["itil"], create: ["itil"], write: ["itil"], delete: ["itil"] });
  // Locally the gateway takes up to 10 MB; the default limit (4 MiB) is what fits Lambda's payload in AWS.
  await putProperty(dynamo, MAX_SIZE_PROPERTY, "8");
  const logger = capturingLogger();
  const attachmentApi = createAttachmentApi({
    client: dynamo.doc,
    tables: dynamo.tables,
    logger,
    s3: s3.client,
    bucket: s3.bucket,
  });
  server = createServer(
    createGateway({
      routes: ROUTES,
      authorizer: async () => allow(),
      backends: { attachmentApi } as never,
      authorizerCacheTtlSeconds: 0,
      logger,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await Promise.all([dynamo?.stop(), s3?.stop()]);
});

describe("a 5 MB binary through the local gateway", () => {
  it("uploads raw and downloads the same bytes, with the same SHA-256", async () => {
    const [incident] = await seedRecords(dynamo, "incident", [{ short_description: "big file" }]);
    const bytes = testBytes(5 * 1024 * 1024, 31);
    const hash = createHash("sha256").update(bytes).digest("hex");
    const query = new URLSearchParams({
      table_name: "incident",
      table_sys_id: incident?.["sys_id"] ?? "",
      file_name: "dump.bin",
      content_type: "application/octet-stream",
      hash,
    });
    const uploaded = await fetch(`${base}/api/now/attachment/file?${query}`, {
      method: "POST",
      headers: { Authorization: "Bearer t", "Content-Type": "application/octet-stream", Accept: "application/json" },
      body: bytes,
    });
    const text = await uploaded.text();
    expect(uploaded.status, text).toBe(201);
    const meta = (JSON.parse(text) as { result: Record<string, string> }).result;
    expect(meta["size_bytes"]).toBe(String(bytes.length));
    expect(meta["hash"]).toBe(hash);

    const downloaded = await fetch(`${base}/api/now/attachment/${meta["sys_id"]}/file`, {
      headers: { Authorization: "Bearer t" },
    });
    expect(downloaded.status).toBe(200);
    const back = Buffer.from(await downloaded.arrayBuffer());
    expect(back.length).toBe(bytes.length);
    expect(back.equals(bytes)).toBe(true);
    expect(createHash("sha256").update(back).digest("hex")).toBe(hash);
  }, 60_000);
});
