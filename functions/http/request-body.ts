// The request body as JSON, with a size cap: shared by the Table API and scripted services.
import type { APIGatewayProxyEvent } from "aws-lambda";
import { BadRequestError, PayloadTooLargeError, UNREADABLE_REQUEST } from "./api-errors";

/**
 * 1 MiB. API Gateway accepts 10 MB and Lambda 6 MB, but no record can exceed DynamoDB's 400 KB item limit,
 * so a larger body is never useful and only costs parsing time and memory.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The raw body as UTF-8 text, or undefined when there is none; 413 above MAX_BODY_BYTES. */
function bodyText(event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">): string | undefined {
  const raw = event.body;
  if (raw === null || raw === undefined || raw === "") return undefined;
  // Base64 is 4/3 of the bytes: check the encoded length first so a huge body is never decoded.
  const approxBytes = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw, "utf8");
  if (approxBytes > MAX_BODY_BYTES + 3) throw tooLarge();
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) throw tooLarge();
  return text;
}

/**
 * The raw body as bytes (an empty buffer when there is none), for a body that is not JSON (attachments);
 * `onTooLarge` is thrown when it exceeds `maxBytes`, checked on the encoded length before decoding.
 */
export function bodyBytes(
  event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">,
  maxBytes: number,
  onTooLarge: () => Error,
): Buffer {
  const raw = event.body;
  if (raw === null || raw === undefined || raw === "") return Buffer.alloc(0);
  const approxBytes = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw, "utf8");
  if (approxBytes > maxBytes + 3) throw onTooLarge();
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > maxBytes) throw onTooLarge();
  return bytes;
}

/** The body parsed as JSON; undefined when there is no body. 400 for invalid JSON. */
export function jsonBody(event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">): unknown {
  const text = bodyText(event);
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError(UNREADABLE_REQUEST, "The payload is not valid JSON.");
  }
}

/** A JSON object body (the Table API's records); 400 when missing or another JSON type. */
export function jsonObjectBody(event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">): Record<string, unknown> {
  const body = jsonBody(event);
  if (body === undefined) throw new BadRequestError(UNREADABLE_REQUEST, "The request has no body.");
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError(UNREADABLE_REQUEST, "The payload must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

const tooLarge = (): PayloadTooLargeError =>
  new PayloadTooLargeError("Request Entity Too Large", `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
