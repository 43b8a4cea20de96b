// The local stand-in for S3: s3rver, a real S3-compatible server, on loopback, with the attachment
// bucket made. Its objects live in a folder: the one given (kept), or a temporary one removed on close.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

/** s3rver checks request signatures against its one built-in key pair. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

interface LocalS3 {
  /** AWS_ENDPOINT_URL_S3 for the handlers. */
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startLocalS3(options: { port: number; bucket: string; directory?: string }): Promise<LocalS3> {
  const kept = options.directory !== undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), "s3rver-"));
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: "127.0.0.1",
    port: options.port,
    silent: true,
    directory,
    configureBuckets: [{ name: options.bucket }],
  });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error) {
    if (!kept) rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      await server.close();
      if (!kept) rmSync(directory, { recursive: true, force: true });
    },
  };
}
