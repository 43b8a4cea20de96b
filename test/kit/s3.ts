// A real S3-compatible server (s3rver) on loopback, port 0, in a temporary folder, with the attachment bucket.
import type { S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../../functions/shared/s3";
import { S3RVER_CREDENTIALS, startLocalS3 } from "../../infra/local/s3-server";

export interface TestS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  readonly bucket: string;
  stop(): Promise<void>;
}

let counter = 0;

export async function startS3(): Promise<TestS3> {
  counter += 1;
  const bucket = `attachments-${counter}`;
  const server = await startLocalS3({ port: 0, bucket });
  const client = createS3Client({ endpoint: server.endpoint, region: "local", credentials: S3RVER_CREDENTIALS });
  return {
    endpoint: server.endpoint,
    client,
    bucket,
    stop: async () => {
      client.destroy();
      await server.close();
    },
  };
}

/**
 * For tests of the Table API that make no attachment: a bucket on a loopback port where nothing listens,
 * so a deleted record with attachments would fail loudly rather than pass by skipping S3.
 */
export const noAttachmentBucket = (): { s3: S3Client; bucket: string } => ({
  s3: createS3Client({ endpoint: "http://127.0.0.1:9", region: "local", credentials: S3RVER_CREDENTIALS }),
  bucket: "none",
});
