// The Table API's record endpoints against dynalite: shapes, statuses and ServiceNow's error envelopes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../functions/http/request-body";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf } from "./api-event";
import { createTableApiFixture, putAcl, type TableApiFixture } from "./fixture";

let dynamo: TestDynamo;
let api: TableApiFixture;

const itil = caller("beth.anglin", ["itil"]);
const admin = caller("admin", ["admin"]);
const SYS_ID = /^[0-9a-f]{32}$/;
const GLIDE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

const envelope = (message: string, detail: string | null) => ({ error: { message, detail }, status: "failure" });

beforeAll(async () => {
  dynamo = await startDynamo();
  await putAcl(dynamo, { table: "incident", read: ["itil"], create: ["itil"], write: ["itil"], delete: ["admin"] });
});

afterAll(async () => {
  await dynamo?.stop();
});

// A fresh API (a cold start) with its own clock for each test: tests set the clock to literal times, and a
// clock set back behind a cached config read would keep serving that config.
beforeEach(() => {
  api = createTableApiFixture(dynamo);
});

const createIncident = async (fields: Record<string, unknown>, prefix = "/api/now/table") => {
  const reply = await api.call({ method: "POST", path: `${prefix}/incident`, body: fields, caller: itil });
  expect(reply.status, reply.raw).toBe(201);
  return { reply, record: resultOf(reply) };
};

describe("POST /api/now/table/{table}", () => {
  it("creates a record: 201, Location, every column of the table (unset: empty, defaults applied), values by type", async () => {
    api.clock.t = Date.UTC(2024, 4, 1, 9, 30, 5);
    const callerSysId = "0123456789abcdef0123456789abcdef";
    const { reply, record } = await createIncident({
      short_description: "Printer on fire",
      priority: 1,
      active: true,
      closed_at: null,
      opened_at: "2024-05-01T09:00:00",
      caller_id: { value: callerSysId, link: `https://example.service-now.com/api/now/table/sys_user/${callerSysId}` },
    });

    expect(record).toMatchObject({
      short_description: "Printer on fire",
      priority: "1",
      active: "true",
      closed_at: "",
      opened_at: "2024-05-01 09:00:00",
      // References come as ServiceNow's {link, value} unless sysparm_exclude_reference_link=true.
      caller_id: { link: `https://snow.example.com/api/now/table/sys_user/${callerSysId}`, value: callerSysId },
      assigned_to: "",
      state: "1",
      impact: "3",
      urgency: "3",
      category: "inquiry",
      number: expect.stringMatching(/^INC\d{7}$/),
      sys_class_name: "incident",
      // Journal columns are rendered from their entries: none yet.
      comments: "",
      work_notes: "",
      sys_id: expect.stringMatching(SYS_ID),
      sys_created_on: "2024-05-01 09:30:05",
      sys_created_by: "beth.anglin",
      sys_updated_on: "2024-05-01 09:30:05",
      sys_updated_by: "beth.anglin",
      sys_mod_count: "0",
    });
    // Every column of incident and of task, which it extends: the ones servicenow.itsm checks before a state change.
    for (const column of [
      "close_code",
      "close_notes",
      "assigned_to",
      "hold_reason",
      "comments",
      "work_notes",
      "parent",
    ]) {
      expect(record).toHaveProperty(column);
    }
    expect(Object.values(record).every((value) => typeof value === "string" || typeof value === "object")).toBe(true);
    expect(reply.headers["Location"]).toBe(`https://snow.example.com/api/now/table/incident/${record["sys_id"]}`);
    expect(reply.headers["Content-Type"]).toBe("application/json;charset=UTF-8");
  });

  it.each([
    ["an integer", { impact: "high" }, /Invalid value for field impact: expected an integer/],
    ["a boolean", { active: "maybe" }, /Invalid value for field active: expected true or false/],
    ["a date-time", { opened_at: "yesterday" }, /Invalid value for field opened_at: expected a date and time/],
    ["an unknown column", { u_nope: "x" }, /Invalid field "u_nope": table incident has no such column/],
  ])("refuses a value that is not %s with 400", async (_label, body, detail) => {
    const reply = await api.call({ method: "POST", path: "/api/now/table/incident", body, caller: itil });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      error: { message: "Exception while reading request", detail: expect.stringMatching(detail) },
    });
  });

  it("ignores system fields in the body (read-only), so a record read from the API can be sent back", async () => {
    const { record } = await createIncident({
      short_description: "x",
      sys_id: "0123456789abcdef0123456789abcdef",
      sys_created_by: "mallory",
      sys_mod_count: "99",
    });
    expect(record["sys_id"]).not.toBe("0123456789abcdef0123456789abcdef");
    expect(record["sys_created_by"]).toBe("beth.anglin");
    expect(record["sys_mod_count"]).toBe("0");
  });

  it("answers with only sysparm_fields when given", async () => {
    const reply = await api.call({
      method: "POST",
      path: "/api/now/table/incident?sysparm_fields=sys_id,number",
      body: { number: "INC0000050", short_description: "x" },
      caller: itil,
    });
    expect(Object.keys(resultOf(reply))).toEqual(["sys_id", "number"]);
  });

  it.each([
    ["not JSON", "{short_description:", "The payload is not valid JSON."],
    ["a JSON array", "[]", "The payload must be a JSON object."],
    ["empty", "", "The request has no body."],
  ])("answers 400 for a body that is %s", async (_label, body, detail) => {
    const reply = await api.call({ method: "POST", path: "/api/now/table/incident", body, caller: itil });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual(envelope("Exception while reading request", detail));
  });

  it.each([
    ["an invalid field name", { "Short Description": "x" }, /Invalid field name "Short Description"/],
    ["a column the table does not have", { table: "x" }, /Invalid field "table": table incident has no such column/],
    ["an object value", { short_description: { text: "x" } }, /Invalid value for field short_description/],
    ["an array value", { watch_list: ["a", "b"] }, /Invalid value for field watch_list/],
  ])("answers 400 for %s", async (_label, body, detail) => {
    const reply = await api.call({ method: "POST", path: "/api/now/table/incident", body, caller: itil });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      error: { message: "Exception while reading request", detail: expect.stringMatching(detail) },
    });
  });

  it("answers 413 for a body over 1 MiB, before reading it", async () => {
    const body = JSON.stringify({ description: "x".repeat(MAX_BODY_BYTES) });
    const reply = await api.call({ method: "POST", path: "/api/now/table/incident", body, caller: itil });
    expect(reply.status).toBe(413);
    expect(reply.body).toEqual(
      envelope("Request Entity Too Large", `The request body exceeds ${MAX_BODY_BYTES} bytes.`),
    );
  });

  it("answers 413 for a record over DynamoDB's 400 KB item limit", async () => {
    const reply = await api.call({
      method: "POST",
      path: "/api/now/table/incident",
      body: { description: "x".repeat(500 * 1024) },
      caller: itil,
    });
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ error: { message: "Request Entity Too Large" }, status: "failure" });
  });
});

describe("GET /api/now/table/{table}/{sys_id}", () => {
  it("returns the record in {result}", async () => {
    const { record } = await createIncident({ number: "INC0000060", short_description: "Email down" });
    const reply = await api.call({ method: "GET", path: `/api/now/table/incident/${record["sys_id"]}`, caller: itil });
    expect(reply.status).toBe(200);
    expect(resultOf(reply)).toEqual(record);
  });

  it("applies sysparm_fields (absent fields empty) and sysparm_display_value=all", async () => {
    const { record } = await createIncident({ number: "INC0000061" });
    const reply = await api.call({
      method: "GET",
      path: `/api/now/table/incident/${record["sys_id"]}?sysparm_fields=number,%20state&sysparm_display_value=ALL`,
      caller: itil,
    });
    expect(resultOf(reply)).toEqual({
      number: { display_value: "INC0000061", value: "INC0000061" },
      // An insert without a state gets the column's default, 1, shown by its label.
      state: { display_value: "New", value: "1" },
    });
  });

  it.each([["0123456789abcdef0123456789abcdef"], ["not-a-sys-id"]])(
    "answers 404 No Record found for %s",
    async (sysId) => {
      const reply = await api.call({ method: "GET", path: `/api/now/table/incident/${sysId}`, caller: itil });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual(
        envelope("No Record found", "Record doesn't exist or ACL restricts the record retrieval"),
      );
    },
  );

  it("does not show a record of another table under the same sys_id", async () => {
    await putAcl(dynamo, { table: "problem", read: ["itil"] });
    const { record } = await createIncident({ number: "INC0000062" });
    const reply = await api.call({ method: "GET", path: `/api/now/table/problem/${record["sys_id"]}`, caller: itil });
    expect(reply.status).toBe(404);
  });
});

describe("PUT and PATCH /api/now/table/{table}/{sys_id}", () => {
  it.each(["PUT", "PATCH"] as const)("%s changes only the given fields and bumps the system fields", async (method) => {
    api.clock.t = Date.UTC(2024, 4, 1, 10, 0, 0);
    const { record } = await createIncident({ number: "INC0000070", state: "1", short_description: "Slow VPN" });
    api.clock.t = Date.UTC(2024, 4, 1, 11, 0, 0);
    const editor = caller("luke.wilson", ["itil"]);

    const reply = await api.call({
      method,
      path: `/api/now/table/incident/${record["sys_id"]}`,
      body: { state: 2, work_notes: "Looking into it", sys_created_by: "ignored" },
      caller: editor,
    });

    expect(reply.status).toBe(200);
    expect(resultOf(reply)).toEqual({
      ...record,
      state: "2",
      // A journal write appends an entry, rendered as ServiceNow shows it.
      work_notes: "2024-05-01 11:00:00 - luke.wilson (Work notes)\nLooking into it\n\n",
      sys_updated_on: "2024-05-01 11:00:00",
      sys_updated_by: "luke.wilson",
      sys_mod_count: "1",
    });
  });

  it("writes nothing when nothing changes", async () => {
    const { record } = await createIncident({ number: "INC0000071", state: "1" });
    const path = `/api/now/table/incident/${record["sys_id"]}`;
    const before = resultOf(await api.call({ method: "GET", path, caller: admin }));
    api.clock.t += 60_000; // a write now would move sys_updated_on

    const reply = await api.call({
      method: "PATCH",
      path,
      body: { state: "1" },
      caller: caller("luke.wilson", ["itil"]),
    });

    expect(resultOf(reply)).toEqual(before);
    expect(resultOf(await api.call({ method: "GET", path, caller: admin }))).toEqual(before);
  });

  it("answers 404 for a record that does not exist", async () => {
    const reply = await api.call({
      method: "PUT",
      path: "/api/now/table/incident/0123456789abcdef0123456789abcdef",
      body: { state: "2" },
      caller: itil,
    });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual(envelope("No Record found", "Record doesn't exist or ACL restricts the record update"));
  });

  it("keeps every one of concurrent updates to different fields", async () => {
    const { record } = await createIncident({ number: "INC0000072" });
    const path = `/api/now/table/incident/${record["sys_id"]}`;
    const fields = ["short_description", "description", "close_notes", "correlation_id", "subcategory"];
    const replies = await Promise.all(
      fields.map((field) => api.call({ method: "PATCH", path, body: { [field]: "set" }, caller: itil })),
    );
    // Each write either landed or reported a conflict to retry; none was silently lost, and some landed.
    expect(replies.map((reply) => reply.status)).toEqual(fields.map(() => expect.toBeOneOf([200, 409])));
    const accepted = fields.filter((_, i) => replies[i]?.status === 200);
    expect(accepted.length).toBeGreaterThan(0);
    const final = resultOf(await api.call({ method: "GET", path, caller: itil }));
    expect(fields.filter((field) => final[field] === "set")).toEqual(accepted);
    expect(final["sys_mod_count"]).toBe(String(accepted.length));
  });
});

describe("DELETE /api/now/table/{table}/{sys_id}", () => {
  it("answers 204 with no body, then the record is gone", async () => {
    const { record } = await createIncident({ number: "INC0000080" });
    const path = `/api/now/table/incident/${record["sys_id"]}`;

    const reply = await api.call({ method: "DELETE", path, caller: admin });

    expect(reply.status).toBe(204);
    expect(reply.raw).toBe("");
    expect((await api.call({ method: "GET", path, caller: admin })).status).toBe(404);
  });

  it("answers 404 when there is nothing to delete", async () => {
    const reply = await api.call({
      method: "DELETE",
      path: "/api/now/table/incident/0123456789abcdef0123456789abcdef",
      caller: admin,
    });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual(
      envelope("No Record found", "Record doesn't exist or ACL restricts the record deletion"),
    );
  });
});

describe("tables", () => {
  it("answers 400 Invalid table for a table without an ACL, for admins too", async () => {
    for (const who of [itil, admin]) {
      const reply = await api.call({ method: "GET", path: "/api/now/table/incidentx", caller: who });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual(envelope("Invalid table incidentx", null));
    }
  });

  it("answers 403 when the request has no authorizer context (fail closed, never 401)", async () => {
    const reply = await api.call({ method: "GET", path: "/api/now/table/incident", caller: null });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ error: { message: "Operation Failed" }, status: "failure" });
  });
});

describe("versioned paths", () => {
  it.each(["/api/now/v1/table", "/api/now/v2/table"])("serves every operation under %s", async (prefix) => {
    const { reply: created, record } = await createIncident({ number: "INC0000090" }, prefix);
    expect(created.headers["Location"]).toBe(`https://snow.example.com${prefix}/incident/${record["sys_id"]}`);
    const path = `${prefix}/incident/${record["sys_id"]}`;
    expect((await api.call({ method: "GET", path, caller: itil })).status).toBe(200);
    expect((await api.call({ method: "PUT", path, body: { state: "2" }, caller: itil })).status).toBe(200);
    expect((await api.call({ method: "PATCH", path, body: { state: "3" }, caller: itil })).status).toBe(200);
    const listed = await api.call({ method: "GET", path: `${prefix}/incident?number=INC0000090`, caller: itil });
    expect(resultOf<unknown[]>(listed)).toHaveLength(1);
    expect((await api.call({ method: "DELETE", path, caller: admin })).status).toBe(204);
  });
});

describe("system fields", () => {
  it("stamps sys_created_on/by and sys_updated_on/by in UTC as YYYY-MM-DD HH:MM:SS with the user_name", async () => {
    const { record } = await createIncident({ number: "INC0000095" });
    expect(record["sys_created_on"]).toMatch(GLIDE_TIME);
    expect(record["sys_updated_by"]).toBe("beth.anglin");
  });
});
