// The Attachment API (/api/now/attachment...), wired from its parts; the Lambda handler, the local stack
// and the tests share it. Access follows the record an attachment belongs to: reading needs read on its
// table, adding or deleting needs write.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { AclOperation } from "../config/schema";
import { aclDenied, createConfigReader, TableAccess } from "../config/table-access";
import { BadRequestError, MethodNotAllowedError, NotFoundError, PayloadTooLargeError } from "../http/api-errors";
import { callerOf, type Caller } from "../http/caller";
import { bodyBytes } from "../http/request-body";
import { noContent, ok } from "../http/response";
import { serveRequest } from "../http/serve";
import { storeErrorToApiError } from "../http/store-errors";
import { RecordsStore, type FieldValues } from "../records/store";
import { systemClock, type Clock } from "../shared/clock";
import type { AppLogger } from "../shared/logger";
import { SYS_ID_PATTERN } from "../shared/sys-id";
import { listRecords } from "../table-api/listing";
import { listParams } from "../table-api/params";
import { paginationLinks, requestUrl } from "../table-api/request-url";
import {
  assertContentTypeAllowed,
  assertSizeAllowed,
  attachmentLimits,
  normalizeContentType,
  type AttachmentLimits,
} from "./limits";
import { parseFormData } from "./multipart";
import { AttachmentStore, sha256Hex } from "./store";

interface AttachmentApiOptions {
  readonly client: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly tables: { readonly config: string; readonly records: string };
  readonly logger: AppLogger;
  readonly clock?: Clock;
  readonly configTtlMs?: number;
}

type AttachmentApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** The API's resources below its prefix (`/api/now/attachment`, `/api/now/v1/attachment`). */
const ATTACHMENT_RESOURCES = ["", "/file", "/upload", "/{sys_id}", "/{sys_id}/file"] as const;
type AttachmentResource = (typeof ATTACHMENT_RESOURCES)[number];

const NOT_FOUND = "Record doesn't exist or ACL restricts the record retrieval";
/** Multipart framing around the file: generous, so a file at the limit always fits. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

export function createAttachmentApi(options: AttachmentApiOptions): AttachmentApiHandler {
  const { client, logger } = options;
  const clock = options.clock ?? systemClock;
  const config = createConfigReader({
    client,
    configTable: options.tables.config,
    logger,
    clock,
    ttlMs: options.configTtlMs,
  });
  const access = new TableAccess(config);
  const records = new RecordsStore(client, options.tables.records, clock);
  const store = new AttachmentStore(records, options.s3, options.bucket, clock, logger);

  const limits = async (): Promise<AttachmentLimits> => attachmentLimits(await config.get());

  /** The caller may do `operation` on the record the attachment belongs to. */
  const requireParentAccess = async (attachment: FieldValues, caller: Caller, operation: AclOperation) => {
    if (!(await access.allows(attachment["table_name"] ?? "", caller, operation))) throw aclDenied(operation);
  };

  /** The attachment's metadata, after the caller's access to its record; 404 when there is none. */
  const find = async (event: APIGatewayProxyEvent, caller: Caller, operation: AclOperation) => {
    const sysId = event.pathParameters?.["sys_id"] ?? "";
    const attachment = SYS_ID_PATTERN.test(sysId) ? await store.get(sysId) : undefined;
    if (!attachment) throw new NotFoundError("No Record found", NOT_FOUND);
    await requireParentAccess(attachment, caller, operation);
    return attachment;
  };

  /** Adds a file to a record the caller may write, after the limits. */
  const add = async (
    caller: Caller,
    target: { tableName?: string; tableSysId?: string; fileName?: string; hash?: string },
    file: { contentType: string | undefined; bytes: Buffer },
  ) => {
    const { tableName, tableSysId, fileName } = target;
    if (!tableName || !tableSysId || !fileName) {
      throw new BadRequestError("Missing parameter", "table_name, table_sys_id and file_name are required");
    }
    if (fileName.length > 255 || /[\p{Cc}/\\]/u.test(fileName)) {
      throw new BadRequestError(
        "Invalid file name",
        "A file name is 1-255 characters, without / \\ or control characters",
      );
    }
    await access.check(tableName, caller, "write");
    if (!(await records.get(tableName, tableSysId))) {
      throw new NotFoundError("No Record found", `No ${tableName} record with sys_id ${tableSysId.slice(0, 32)}`);
    }
    const current = await limits();
    assertSizeAllowed(current, file.bytes.length);
    const contentType = normalizeContentType(file.contentType);
    assertContentTypeAllowed(current, contentType);
    // servicenow.itsm sends the file's SHA-256 as `hash`: a different one means the bytes were changed.
    if (target.hash !== undefined && target.hash !== "" && target.hash.toLowerCase() !== sha256Hex(file.bytes)) {
      throw new BadRequestError("Hash mismatch", "The hash parameter is not the SHA-256 of the body");
    }
    return store.add({ tableName, tableSysId, fileName, contentType, bytes: file.bytes }, caller.user_name);
  };

  const tooLarge = (maxBytes: number) => () =>
    new PayloadTooLargeError("Request Entity Too Large", `An attachment may be at most ${maxBytes} bytes`);

  const actions: Record<string, (event: APIGatewayProxyEvent, caller: Caller) => Promise<APIGatewayProxyResult>> = {
    "GET ": async (event, caller) => {
      const params = listParams(event.queryStringParameters ?? {});
      const readable = new Map<string, boolean>();
      const mayRead = async (attachment: FieldValues): Promise<boolean> => {
        const table = attachment["table_name"] ?? "";
        const known = readable.get(table);
        if (known !== undefined) return known;
        const allowed = await access.allows(table, caller, "read");
        readable.set(table, allowed);
        return allowed;
      };
      const presentAll = async (attachments: Iterable<FieldValues>) => {
        const shown: FieldValues[] = [];
        for (const attachment of attachments) if (await mayRead(attachment)) shown.push(present(event, attachment));
        return shown;
      };
      const { records: page, total } = await listRecords(
        {
          pages: async function* () {
            for await (const attachments of store.pages()) yield await presentAll(attachments);
          },
          getMany: async (keys) => {
            const found = await store.getMany(keys.map((key) => key.sysId));
            return new Map((await presentAll(found.values())).map((a) => [a["sys_id"] ?? "", a]));
          },
          present: async (attachments) => attachments,
        },
        params,
      );
      const headers: Record<string, string> = { "X-Total-Count": String(total) };
      if (!params.suppressPaginationHeader) {
        headers["Link"] = paginationLinks(requestUrl(event), total, params.offset, params.limit);
      }
      return ok(page, 200, headers);
    },
    "GET /{sys_id}": async (event, caller) => ok(present(event, await find(event, caller, "read"))),
    "GET /{sys_id}/file": async (event, caller) => {
      const attachment = await find(event, caller, "read");
      const bytes = await store.content(attachment);
      return {
        statusCode: 200,
        headers: {
          "Content-Type": attachment["content_type"] ?? "application/octet-stream",
          "Content-Disposition": contentDisposition(attachment["file_name"] ?? "attachment"),
          // Never rendered as a page of the API's origin, whatever the type claims.
          "X-Content-Type-Options": "nosniff",
          "Content-Security-Policy": "sandbox",
          "Cache-Control": "no-store",
        },
        body: bytes.toString("base64"),
        isBase64Encoded: true,
      };
    },
    "DELETE /{sys_id}": async (event, caller) => {
      const attachment = await find(event, caller, "write");
      await store.remove(attachment["sys_id"] ?? "");
      return noContent();
    },
    "POST /file": async (event, caller) => {
      const { maxBytes } = await limits();
      const query = event.queryStringParameters ?? {};
      const bytes = bodyBytes(event, maxBytes, tooLarge(maxBytes));
      const attachment = await add(
        caller,
        {
          tableName: query["table_name"],
          tableSysId: query["table_sys_id"],
          fileName: query["file_name"],
          hash: query["hash"],
        },
        { contentType: query["content_type"] ?? header(event, "content-type"), bytes },
      );
      return ok(present(event, attachment), 201, { Location: downloadLink(event, attachment) });
    },
    "POST /upload": async (event, caller) => {
      const { maxBytes } = await limits();
      const body = bodyBytes(event, maxBytes + FORM_OVERHEAD_BYTES, tooLarge(maxBytes));
      const form = parseFormData(body, header(event, "content-type"));
      const attachment = await add(
        caller,
        {
          tableName: form.fields.get("table_name"),
          tableSysId: form.fields.get("table_sys_id"),
          fileName: form.file.fileName,
        },
        { contentType: form.file.contentType, bytes: form.file.bytes },
      );
      return ok(present(event, attachment), 201, { Location: downloadLink(event, attachment) });
    },
  };

  return (event) =>
    serveRequest(
      event,
      {
        message: "attachment api request",
        logger,
        clock,
        translate: (thrown) => storeErrorToApiError(thrown, { notFound: NOT_FOUND }),
      },
      async (line) => {
        const caller = callerOf(event);
        const resource = resourceOf(event.resource);
        const action = resource === undefined ? undefined : actions[`${event.httpMethod.toUpperCase()} ${resource}`];
        if (action === undefined) {
          throw new MethodNotAllowedError(
            "Method not Supported",
            `${event.httpMethod} is not supported on this resource`,
          );
        }
        line["attachmentSysId"] = event.pathParameters?.["sys_id"]?.slice(0, 32);
        return action(event, caller);
      },
    );
}

/** The resource below the API's prefix, from API Gateway's resource path. */
function resourceOf(resource: string): AttachmentResource | undefined {
  const below = resource.replace(/^\/api\/now(?:\/v1)?\/attachment/, "");
  return ATTACHMENT_RESOURCES.find((candidate) => candidate === below);
}

const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && typeof value === "string") return value;
  }
  return undefined;
};

/** `https://host/stage/api/now/attachment/<sys_id>/file`: the API's root from the URL the caller used. */
function downloadLink(event: APIGatewayProxyEvent, attachment: FieldValues): string {
  const { base } = requestUrl(event);
  const at = base.indexOf("/api/now/");
  const root = at < 0 ? "" : base.slice(0, at);
  return `${root}/api/now/attachment/${attachment["sys_id"] ?? ""}/file`;
}

/** The metadata as ServiceNow answers it: the sys_attachment record and its download_link. */
const present = (event: APIGatewayProxyEvent, attachment: FieldValues): FieldValues => ({
  ...attachment,
  download_link: downloadLink(event, attachment),
});

/** RFC 6266: an ASCII fallback name, and the exact name in RFC 8187 encoding. */
function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
