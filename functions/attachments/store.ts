// Attachments: the bytes in the attachment bucket, one object per attachment keyed by its sys_id, and the
// metadata as sys_attachment records in the records table. This module alone touches either.
import { createHash } from "node:crypto";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Clock } from "../shared/clock";
import { StoreError } from "../shared/errors";
import { BUCKETS } from "../shared/s3";
import type { AppLogger } from "../shared/logger";
import { newSysId } from "../shared/sys-id";
import type { FieldValues, RecordsStore } from "../records/store";

/** The metadata table, as ServiceNow names it. */
export const SYS_ATTACHMENT = "sys_attachment";

interface NewAttachment {
  readonly tableName: string;
  readonly tableSysId: string;
  readonly fileName: string;
  /** Already normalized (lower case, no parameters) and allowed by the limits. */
  readonly contentType: string;
  readonly bytes: Buffer;
}

/** SHA-256 of the bytes, lowercase hex: the `hash` ServiceNow reports and servicenow.itsm compares. */
export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** An attachment's bytes no longer match its recorded hash (or are gone): never served. */
class AttachmentContentError extends StoreError {}

const objectKey = (sysId: string): string => `${BUCKETS.attachments.keyPrefix}${sysId}`;

export class AttachmentStore {
  constructor(
    private readonly records: Pick<RecordsStore, "create" | "get" | "getMany" | "delete" | "pages">,
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly clock: Clock,
    private readonly logger: AppLogger,
  ) {}

  /**
   * Stores the bytes, then the metadata row. A crash in between leaves an object no row names, which
   * nothing can reach; a failed row write removes the object again.
   */
  async add(file: NewAttachment, by: string): Promise<FieldValues> {
    const sysId = newSysId(this.clock);
    const hash = sha256Hex(file.bytes);
    await this.send("attachment write failed", () =>
      this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: objectKey(sysId),
          Body: file.bytes,
          ContentType: file.contentType,
          ContentLength: file.bytes.length,
        }),
      ),
    );
    const size = String(file.bytes.length);
    try {
      return await this.records.create(
        SYS_ATTACHMENT,
        {
          file_name: file.fileName,
          content_type: file.contentType,
          size_bytes: size,
          size_compressed: size,
          compressed: "false",
          hash,
          table_name: file.tableName,
          table_sys_id: file.tableSysId,
          state: "available",
          average_image_color: "",
          image_width: "",
          image_height: "",
          chunk_size_bytes: "",
          sys_tags: "",
        },
        by,
        { sysId },
      );
    } catch (error) {
      await this.deleteObject(sysId);
      throw error;
    }
  }

  get(sysId: string): Promise<FieldValues | undefined> {
    return this.records.get(SYS_ATTACHMENT, sysId);
  }

  getMany(sysIds: readonly string[]): Promise<Map<string, FieldValues>> {
    return this.records.getMany(SYS_ATTACHMENT, sysIds);
  }

  /** Every attachment's metadata, in sys_id (creation) order, one DynamoDB page at a time. */
  pages(): AsyncIterable<FieldValues[]> {
    return this.records.pages(SYS_ATTACHMENT);
  }

  /** The bytes of an attachment, checked against its recorded SHA-256. */
  async content(attachment: FieldValues): Promise<Buffer> {
    const sysId = attachment["sys_id"] ?? "";
    const object = await this.send("attachment read failed", () =>
      this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey(sysId) })),
    );
    const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    if (sha256Hex(bytes) !== attachment["hash"]) {
      throw new AttachmentContentError(`attachment ${sysId}: the stored bytes do not match the recorded hash`);
    }
    return bytes;
  }

  /** Removes the metadata row, then the bytes: a failure in between leaves bytes nothing names. */
  async remove(sysId: string): Promise<void> {
    await this.records.delete(SYS_ATTACHMENT, sysId);
    await this.deleteObject(sysId);
  }

  /** Removes every attachment of one record (its record is being deleted); returns how many. */
  async removeAllOf(tableName: string, tableSysId: string): Promise<number> {
    let removed = 0;
    for await (const page of this.records.pages(SYS_ATTACHMENT, {
      where: { field: "table_sys_id", value: tableSysId },
    })) {
      for (const attachment of page) {
        if (attachment["table_name"] !== tableName || attachment["sys_id"] === undefined) continue;
        await this.remove(attachment["sys_id"]);
        removed += 1;
      }
    }
    return removed;
  }

  private async deleteObject(sysId: string): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey(sysId) }));
    } catch (error) {
      // The row is gone, so nothing reaches these bytes; the bucket's lifecycle rules expire old versions.
      this.logger.error("attachment bytes left behind", { attachmentSysId: sysId, error });
    }
  }

  private async send<T>(message: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new StoreError(message, { cause: error });
    }
  }
}
