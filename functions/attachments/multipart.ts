// multipart/form-data (RFC 7578) as ServiceNow's POST /attachment/upload takes it: text fields
// (table_name, table_sys_id, ...) and one file part, whose Content-Type is the attachment's.
import { BadRequestError } from "../http/api-errors";

interface FormData {
  readonly fields: ReadonlyMap<string, string>;
  readonly file: { readonly fileName: string; readonly contentType: string | undefined; readonly bytes: Buffer };
}

const UPLOAD_FAILED = "Failed to create the attachment. File part might be missing in the request.";

/** The boundary parameter of a multipart/form-data Content-Type (RFC 2046 5.1.1: 1-70 characters). */
function boundaryOf(contentType: string | undefined): string {
  const match = /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(
    contentType ?? "",
  );
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) {
    throw new BadRequestError(UPLOAD_FAILED, "The Content-Type must be multipart/form-data with a boundary");
  }
  return boundary;
}

/** A part's `Content-Disposition: form-data; name="..."; filename="..."` parameters. */
function dispositionOf(headers: string): { name?: string; fileName?: string } {
  const line = /^content-disposition:\s*form-data(.*)$/im.exec(headers)?.[1] ?? "";
  const parameter = (key: string): string | undefined => {
    const found =
      new RegExp(`;\\s*${key}="([^"]*)"`, "i").exec(line) ?? new RegExp(`;\\s*${key}=([^;\\s]+)`, "i").exec(line);
    return found?.[1];
  };
  const name = parameter("name");
  const fileName = parameter("filename");
  return { ...(name !== undefined && { name }), ...(fileName !== undefined && { fileName }) };
}

const CRLF_CRLF = Buffer.from("\r\n\r\n");

/** The form's text fields and its one file; 400 when there is no file part, or more than one. */
export function parseFormData(body: Buffer, contentType: string | undefined): FormData {
  const delimiter = Buffer.from(`--${boundaryOf(contentType)}`);
  const fields = new Map<string, string>();
  let file: FormData["file"] | undefined;
  let start = body.indexOf(delimiter);
  if (start < 0) throw new BadRequestError(UPLOAD_FAILED, "The body has no part");
  while (true) {
    const afterDelimiter = start + delimiter.length;
    // `--` after the delimiter closes the body (RFC 2046 5.1.1).
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString("latin1") === "--") break;
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), afterDelimiter);
    if (next < 0) throw new BadRequestError(UPLOAD_FAILED, "The body ends inside a part");
    const part = body.subarray(afterDelimiter + 2, next); // after the delimiter's own CRLF
    const headerEnd = part.indexOf(CRLF_CRLF);
    if (headerEnd < 0) throw new BadRequestError(UPLOAD_FAILED, "A part has no header");
    const headers = part.subarray(0, headerEnd).toString("utf8");
    const content = part.subarray(headerEnd + CRLF_CRLF.length);
    const { name, fileName } = dispositionOf(headers);
    if (fileName !== undefined) {
      if (file !== undefined) throw new BadRequestError(UPLOAD_FAILED, "Only one file may be uploaded per request");
      const type = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim();
      file = { fileName, contentType: type, bytes: Buffer.from(content) };
    } else if (name !== undefined) {
      fields.set(name, content.toString("utf8"));
    }
    start = next + 2;
  }
  if (file === undefined) throw new BadRequestError(UPLOAD_FAILED, "The form has no file part");
  return { fields, file };
}
