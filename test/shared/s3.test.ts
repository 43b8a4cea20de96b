// The S3 client against the real local S3-compatible server: bytes round-trip, and a server that never
// answers fails the call within the client's deadline instead of hanging.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Client, S3_DEADLINES } from "../../functions/shared/s3";
import { S3RVER_CREDENTIALS } from "../../infra/local/s3-server";
import { startS3, type TestS3 } from "../kit/s3";

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3.stop();
});

describe("the S3 client against s3rver", () => {
  it("stores and returns bytes exactly, every byte value included", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 * 4 }, (_, i) => i % 256));
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "k/1", Body: bytes }));
    const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: "k/1" }));
    const back = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(back.equals(bytes)).toBe(true);
  });

  it("gives up on a server that accepts the connection and never answers, within the deadline", async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const client = createS3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: "local",
      credentials: S3RVER_CREDENTIALS,
    });
    const started = Date.now();
    try {
      await expect(client.send(new GetObjectCommand({ Bucket: "b", Key: "k" }))).rejects.toThrow();
      const bound = S3_DEADLINES.maxAttempts * (S3_DEADLINES.requestTimeoutMs + 1_000) + 2_000;
      expect(Date.now() - started).toBeLessThan(bound);
    } finally {
      client.destroy();
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 30_000);
});
