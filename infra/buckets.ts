// Every S3 bucket of the stack (the attachment bucket): private, encrypted, TLS only, versioned.
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { BucketName } from "../functions/http/routes";

/**
 * How long a deleted or overwritten attachment stays recoverable as a noncurrent version. Versioning
 * turns a mistaken or malicious delete (through the API or the Table API's cascade) into something an
 * operator can undo for a month; after that the bytes are really gone, as a deleted record's data should be.
 */
export const NONCURRENT_VERSION_DAYS = 30;

export class Buckets extends Construct {
  readonly byName: Readonly<Record<BucketName, s3.Bucket>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const attachments = new s3.Bucket(this, "AttachmentsBucket", {
      // SSE-S3: encrypted at rest with no key policy to keep in step with the grants (the tables use
      // AWS-owned keys the same way).
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [
        {
          id: "ExpireDeletedAttachments",
          noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // User data: the bucket outlives the stack, as the users and records tables do.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.byName = { attachments };
  }
}
