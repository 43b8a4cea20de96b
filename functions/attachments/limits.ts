// What may be attached: the size limit per file and the content types allowed and denied, from properties
// in the config table (the same items, schema and cache as every other setting).
import type { ConfigSnapshot } from "../config/store";
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../http/api-errors";

/** ServiceNow's property: the largest attachment, in megabytes (MiB). */
export const MAX_SIZE_PROPERTY = "com.glide.attachment.max_size";
/** Comma-separated content types (`image/png`, `image/*`, `*\/*`); only these may be attached. */
export const ALLOWED_TYPES_PROPERTY = "x_oidc.attachment.allowed_content_types";
/** Comma-separated content types that may never be attached; a deny wins over an allow. */
const DENIED_TYPES_PROPERTY = "x_oidc.attachment.denied_content_types";

const MIB = 1024 * 1024;

/**
 * 4 MiB: in AWS a request reaches the Lambda base64-encoded inside its 6 MB invocation payload, so about
 * 4.4 MB of file is the most that can arrive (and be sent back); 4 MiB fits with room for the event.
 */
const DEFAULT_MAX_SIZE_MB = 4;
/** API Gateway's payload limit, 10 MB: a larger setting could never be reached. */
const MAX_SIZE_CEILING_MB = 9.5;

/**
 * Types a browser would run as a page of the API's own origin if someone opened the download link
 * (HTML, SVG, XML, script). Downloads are sent with `Content-Disposition: attachment` and `nosniff` as
 * well; denying them on upload is the second line.
 */
const DEFAULT_DENIED_TYPES = [
  "text/html",
  "application/xhtml+xml",
  "image/svg+xml",
  "text/xml",
  "application/xml",
  "text/javascript",
  "application/javascript",
];

export interface AttachmentLimits {
  readonly maxBytes: number;
  readonly allowed: readonly string[];
  readonly denied: readonly string[];
}

/** A media type `type/subtype` (RFC 9110 8.3.1 token characters), lower-cased, its parameters dropped. */
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;
const MEDIA_RANGE = /^([a-z0-9!#$&^_.+-]+|\*)\/([a-z0-9!#$&^_.+-]+|\*)$/;

const typeList = (raw: string, property: string): string[] => {
  const types = raw
    .split(",")
    .map((type) => type.trim().toLowerCase())
    .filter((type) => type !== "");
  const bad = types.find((type) => !MEDIA_RANGE.test(type));
  if (bad !== undefined) throw new TypeError(`${property}: ${JSON.stringify(bad.slice(0, 100))} is not a media range`);
  return types;
};

/**
 * The limits in force. A property that is set but invalid throws (the upload fails with a 500 and the log
 * names the property): a typo must not lift a limit.
 */
export function attachmentLimits(config: Pick<ConfigSnapshot, "properties">): AttachmentLimits {
  const rawSize = config.properties.get(MAX_SIZE_PROPERTY);
  let maxSizeMb = DEFAULT_MAX_SIZE_MB;
  if (rawSize !== undefined) {
    maxSizeMb = Number(rawSize.trim());
    if (!/^\d+(\.\d+)?$/.test(rawSize.trim()) || maxSizeMb <= 0 || maxSizeMb > MAX_SIZE_CEILING_MB) {
      throw new TypeError(`${MAX_SIZE_PROPERTY}: must be a number of MB above 0 and at most ${MAX_SIZE_CEILING_MB}`);
    }
  }
  const allowed = config.properties.get(ALLOWED_TYPES_PROPERTY);
  const denied = config.properties.get(DENIED_TYPES_PROPERTY);
  return {
    maxBytes: Math.floor(maxSizeMb * MIB),
    allowed: allowed === undefined ? ["*/*"] : typeList(allowed, ALLOWED_TYPES_PROPERTY),
    denied: denied === undefined ? DEFAULT_DENIED_TYPES : typeList(denied, DENIED_TYPES_PROPERTY),
  };
}

/** The content type as stored: lower case, without parameters (`text/plain; charset=utf-8` -> `text/plain`). */
export function normalizeContentType(raw: string | undefined): string {
  const type = (raw ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "") return "application/octet-stream";
  if (!MEDIA_TYPE.test(type)) {
    throw new BadRequestError("Invalid content type", `${JSON.stringify(type.slice(0, 100))} is not a media type`);
  }
  return type;
}

const inRange = (type: string, range: string): boolean => {
  if (range === "*/*") return true;
  return range.endsWith("/*") ? type.startsWith(range.slice(0, -1)) : type === range;
};

/** 415 for a type the limits do not let in. */
export function assertContentTypeAllowed(limits: AttachmentLimits, type: string): void {
  if (limits.denied.some((range) => inRange(type, range)) || !limits.allowed.some((range) => inRange(type, range))) {
    throw new UnsupportedMediaTypeError("Unsupported Media Type", `Attachments of type ${type} are not allowed`);
  }
}

/** 413 for a file over the size limit. */
export function assertSizeAllowed(limits: AttachmentLimits, bytes: number): void {
  if (bytes > limits.maxBytes) {
    throw new PayloadTooLargeError(
      "Request Entity Too Large",
      `An attachment may be at most ${limits.maxBytes} bytes (${MAX_SIZE_PROPERTY})`,
    );
  }
}
