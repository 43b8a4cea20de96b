// The Attachment API against dynalite and the local S3 server: upload (raw and multipart), list, metadata,
// download, delete; access through the parent record's ACL; the limits; a record's delete removes them.
import { createHash } from "node:crypto";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_TYPES_PROPERTY, MAX_SIZE_PROPERTY } from "../../functions/attachments/limits";
import { putProperty } from "../kit/authorizer-fixture";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startS3, type TestS3 } from "../kit/s3";
import { caller, resultOf } from "../table-api/api-event";
import { putAcl, withAcl } from "../table-api/fixture";
import { createAttachmentFixture, testBytes, type AttachmentFixture } from "./fixture";

let dynamo: TestDynamo;
let s3: TestS3;
let api: AttachmentFixture;

const itil = caller("beth.anglin", ["itil"]);
const viewer = caller("val.viewer", ["viewer"]);
const outsider = caller("otto", ["nobody"]);
const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  [dynamo, s3] = await Promise.all([startDynamo(), startS3()]);
  await putAcl(dynamo, {
    table: "incident",
    read: ["itil", "viewer"],
    create: ["itil"],
    write: ["itil"],
    delete: ["itil"],
  });
  api = createAttachmentFixture(dynamo, s3);
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), s3?.stop()]);
});

const newIncident = async (): Promise<string> => {
  const reply = await api.call({
    method: "POST",
    path: "/api/now/table/incident",
    body: { short_description: "x" },
    caller: itil,
  });
  expect(reply.status, reply.raw).toBe(201);
  return resultOf(reply)["sys_id"] as string;
};

/** servicenow.itsm's upload: the raw bytes, and table_name, table_sys_id, file_name, content_type, hash in the query. */
const uploadRaw = (
  incident: string,
  bytes: Buffer,
  options: { fileName?: string; type?: string; who?: typeof itil; hash?: string } = {},
) =>
  api.call({
    method: "POST",
    path: "/api/now/attachment/file",
    query: {
      table_name: "incident",
      table_sys_id: incident,
      file_name: options.fileName ?? "report.bin",
      content_type: options.type ?? "application/octet-stream",
      hash: options.hash ?? sha256(bytes),
    },
    headers: { "Content-Type": options.type ?? "application/octet-stream" },
    bytes,
    caller: options.who ?? itil,
  });

const objectExists = async (sysId: string): Promise<boolean> => {
  try {
    await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `attachments/${sysId}` }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === "NotFound") return false;
    throw error;
  }
};

describe("upload, list, metadata, download, delete", () => {
  it("round-trips a raw upload: metadata as ServiceNow's, the same bytes and hash back, then gone", async () => {
    const incident = await newIncident();
    const bytes = testBytes(70_000);
    const created = await uploadRaw(incident, bytes, { fileName: "report.bin" });
    expect(created.status, created.raw).toBe(201);
    const meta = resultOf(created);
    expect(meta).toMatchObject({
      file_name: "report.bin",
      content_type: "application/octet-stream",
      size_bytes: String(bytes.length),
      hash: sha256(bytes),
      table_name: "incident",
      table_sys_id: incident,
      sys_created_by: "beth.anglin",
      sys_updated_by: "beth.anglin",
      sys_mod_count: "0",
      download_link: `https://snow.example.com/api/now/attachment/${meta["sys_id"]}/file`,
    });
    expect(meta["sys_id"]).toMatch(/^[0-9a-f]{32}$/);
    expect(meta["sys_created_on"]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    // The collection lists a record's attachments on every read: table_name, table_sys_id, limit and offset.
    const listed = await api.call({
      method: "GET",
      path: "/api/now/attachment",
      query: { table_name: "incident", table_sys_id: incident, sysparm_limit: "10000", sysparm_offset: "0" },
      caller: viewer,
    });
    expect(listed.status, listed.raw).toBe(200);
    expect(listed.headers["X-Total-Count"]).toBe("1");
    expect(resultOf<Record<string, string>[]>(listed)).toEqual([meta]);

    const read = await api.call({ method: "GET", path: `/api/now/attachment/${meta["sys_id"]}`, caller: viewer });
    expect(resultOf(read)).toEqual(meta);

    const file = await api.call({ method: "GET", path: `/api/now/attachment/${meta["sys_id"]}/file`, caller: viewer });
    expect(file.status).toBe(200);
    expect(file.bytes.equals(bytes)).toBe(true);
    expect(sha256(file.bytes)).toBe(meta["hash"]);
    expect(file.headers["Content-Type"]).toBe("application/octet-stream");
    expect(file.headers["Content-Disposition"]).toBe(`attachment; filename="report.bin"; filename*=UTF-8''report.bin`);
    expect(file.headers["X-Content-Type-Options"]).toBe("nosniff");

    expect(await objectExists(meta["sys_id"] as string)).toBe(true);
    const deleted = await api.call({ method: "DELETE", path: `/api/now/attachment/${meta["sys_id"]}`, caller: itil });
    expect(deleted.status).toBe(204);
    expect(await objectExists(meta["sys_id"] as string)).toBe(false);
    const after = await api.call({ method: "GET", path: `/api/now/attachment/${meta["sys_id"]}`, caller: itil });
    expect(after.status).toBe(404);
    expect(after.body).toEqual({
      error: { message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval" },
      status: "failure",
    });
  });

  it("takes a multipart/form-data upload as ServiceNow documents it: fields first, then the file part", async () => {
    const incident = await newIncident();
    const bytes = Buffer.concat([Buffer.from("%PDF-1.4\r\n--not-the-boundary\r\n"), testBytes(5000, 13)]);
    const boundary = "----ansibleBoundary0123";
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="table_name"\r\n\r\nincident\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="table_sys_id"\r\n\r\n${incident}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="uploadFile"; filename="scan.pdf"\r\n` +
          "Content-Type: application/pdf\r\n\r\n",
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const created = await api.call({
      method: "POST",
      path: "/api/now/attachment/upload",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
      bytes: body,
      caller: itil,
    });
    expect(created.status, created.raw).toBe(201);
    const meta = resultOf(created);
    expect(meta).toMatchObject({ file_name: "scan.pdf", content_type: "application/pdf", table_sys_id: incident });
    expect(meta["hash"]).toBe(sha256(bytes));
    const file = await api.call({ method: "GET", path: `/api/now/attachment/${meta["sys_id"]}/file`, caller: itil });
    expect(file.bytes.equals(bytes)).toBe(true);
  });

  it("answers 400 when the form has no file part, or the hash sent is not the body's", async () => {
    const incident = await newIncident();
    const noFile = await api.call({
      method: "POST",
      path: "/api/now/attachment/upload",
      headers: { "Content-Type": "multipart/form-data; boundary=b" },
      bytes: Buffer.from(`--b\r\nContent-Disposition: form-data; name="table_name"\r\n\r\nincident\r\n--b--\r\n`),
      caller: itil,
    });
    expect(noFile.status).toBe(400);
    const badHash = await uploadRaw(incident, testBytes(100), { hash: "0".repeat(64) });
    expect(badHash.status).toBe(400);
    expect(badHash.body).toMatchObject({ error: { message: "Hash mismatch" } });
  });
});

describe("access follows the parent record", () => {
  it("403 to upload without write on the parent's table, and to read without read", async () => {
    const incident = await newIncident();
    const refused = await uploadRaw(incident, testBytes(10), { who: viewer });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: { message: "Operation Failed", detail: "ACL Exception Update Failed due to security constraints" },
      status: "failure",
    });

    const meta = resultOf(await uploadRaw(incident, testBytes(10)));
    const id = meta["sys_id"] as string;
    for (const path of [`/api/now/attachment/${id}`, `/api/now/attachment/${id}/file`]) {
      const reply = await api.call({ method: "GET", path, caller: outsider });
      expect(reply.status, path).toBe(403);
    }
    const del = await api.call({ method: "DELETE", path: `/api/now/attachment/${id}`, caller: viewer });
    expect(del.status).toBe(403);
    expect(await objectExists(id)).toBe(true);

    // A listing shows only attachments of tables the caller may read.
    const listed = await api.call({
      method: "GET",
      path: "/api/now/attachment",
      query: { table_sys_id: incident },
      caller: outsider,
    });
    expect(listed.status).toBe(200);
    expect(listed.headers["X-Total-Count"]).toBe("0");
    expect(resultOf(listed)).toEqual([]);
  });

  it("an ACL change applies: the viewer loses read and with it the attachment", async () => {
    const incident = await newIncident();
    const id = resultOf(await uploadRaw(incident, testBytes(10)))["sys_id"] as string;
    await withAcl(
      dynamo,
      { table: "incident", read: ["itil"], create: ["itil"], write: ["itil"], delete: ["itil"] },
      async () => {
        const reply = await api.call({ method: "GET", path: `/api/now/attachment/${id}/file`, caller: viewer });
        expect(reply.status).toBe(403);
      },
    );
  });

  it("404 to attach to a record that does not exist; 400 for a table without an ACL", async () => {
    const missing = await uploadRaw("0".repeat(32), testBytes(10));
    expect(missing.status).toBe(404);
    const table = await api.call({
      method: "POST",
      path: "/api/now/attachment/file",
      query: { table_name: "secret_table", table_sys_id: "0".repeat(32), file_name: "a" },
      bytes: testBytes(10),
      caller: itil,
    });
    expect(table.status).toBe(400);
    expect(table.body).toMatchObject({ error: { message: "Invalid table secret_table" } });
  });
});

describe("limits from the config table", () => {
  it("413 over the size limit per file, and nothing stored", async () => {
    const incident = await newIncident();
    await putProperty(dynamo, MAX_SIZE_PROPERTY, "0.01"); // 10,485 bytes
    try {
      const over = await uploadRaw(incident, testBytes(10_486));
      expect(over.status).toBe(413);
      expect(over.body).toMatchObject({ error: { message: "Request Entity Too Large" }, status: "failure" });
      const at = await uploadRaw(incident, testBytes(10_485));
      expect(at.status, at.raw).toBe(201);
      const listed = await api.call({
        method: "GET",
        path: "/api/now/attachment",
        query: { table_sys_id: incident },
        caller: itil,
      });
      expect(listed.headers["X-Total-Count"]).toBe("1");
    } finally {
      await putProperty(dynamo, MAX_SIZE_PROPERTY, "4");
    }
  });

  it("415 for a denied content type (HTML by default) or one outside the allow list", async () => {
    const incident = await newIncident();
    const html = await uploadRaw(incident, Buffer.from("<script>alert(1)</script>"), { type: "text/html" });
    expect(html.status).toBe(415);
    await putProperty(dynamo, ALLOWED_TYPES_PROPERTY, "image/*, application/pdf");
    try {
      expect((await uploadRaw(incident, testBytes(10), { type: "image/png" })).status).toBe(201);
      expect((await uploadRaw(incident, testBytes(10), { type: "application/zip" })).status).toBe(415);
    } finally {
      await putProperty(dynamo, ALLOWED_TYPES_PROPERTY, "*/*");
    }
  });
});

describe("deleting a record through the Table API", () => {
  it("deletes its attachments, bytes and metadata, and leaves other records' alone", async () => {
    const doomed = await newIncident();
    const kept = await newIncident();
    const ids = [
      resultOf(await uploadRaw(doomed, testBytes(100))),
      resultOf(await uploadRaw(doomed, testBytes(200))),
    ].map((meta) => meta["sys_id"] as string);
    const keptId = resultOf(await uploadRaw(kept, testBytes(300)))["sys_id"] as string;

    const deleted = await api.call({ method: "DELETE", path: `/api/now/table/incident/${doomed}`, caller: itil });
    expect(deleted.status, deleted.raw).toBe(204);
    for (const id of ids) {
      expect(await objectExists(id)).toBe(false);
      expect((await api.call({ method: "GET", path: `/api/now/attachment/${id}`, caller: itil })).status).toBe(404);
    }
    expect(await objectExists(keptId)).toBe(true);
  });

  it("sys_attachment is listed through the Table API but never written there", async () => {
    await putAcl(dynamo, {
      table: "sys_attachment",
      read: ["itil"],
      create: ["itil"],
      write: ["itil"],
      delete: ["itil"],
    });
    const write = await api.call({
      method: "POST",
      path: "/api/now/table/sys_attachment",
      body: { file_name: "x" },
      caller: itil,
    });
    expect(write.status).toBe(403);
    const list = await api.call({ method: "GET", path: "/api/now/table/sys_attachment", caller: itil });
    expect(list.status).toBe(200);
  });
});
