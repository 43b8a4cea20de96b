// The S3 client, one per process. The endpoint comes from the environment (AWS_ENDPOINT_URL_S3, read by
// the SDK itself), so the same code talks to AWS or to the local S3-compatible server (s3rver).
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { BucketName } from "../http/route-types";

/** Every S3 call has a deadline: a connection in 1 s, an answer in 5 s, at most 3 attempts in all. */
export const S3_DEADLINES = { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 3 } as const;

/** `options` is for tests and the local stack; a Lambda passes none and gets everything from its environment. */
export function createS3Client(options: Pick<S3ClientConfig, "endpoint" | "region" | "credentials"> = {}): S3Client {
  return new S3Client({
    ...options,
    maxAttempts: S3_DEADLINES.maxAttempts,
    requestHandler: {
      connectionTimeout: S3_DEADLINES.connectionTimeoutMs,
      requestTimeout: S3_DEADLINES.requestTimeoutMs,
      // Without it the SDK only logs a warning when requestTimeout passes, and the call goes on waiting.
      throwOnRequestTimeout: true,
    },
    // The bytes are hashed (SHA-256) by the attachment store itself; S3's optional CRC32 trailers add
    // nothing here, and the local server does not know them.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/**
 * The stack's buckets: the variable through which a Lambda learns the physical name, and the key prefix
 * its objects live under (grants cover that prefix only).
 */
export const BUCKETS = {
  attachments: { envVar: "ATTACHMENTS_BUCKET", keyPrefix: "attachments/" },
} as const satisfies Record<BucketName, { envVar: string; keyPrefix: string }>;
