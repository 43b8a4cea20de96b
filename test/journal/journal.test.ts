// Journal fields through the Table API against dynalite: each write appends a sys_journal_field row, reads
// render them newest first, concurrent writers all land, and entry text cannot forge a header.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { escapeEntryText } from "../../functions/journal/journal";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf } from "../table-api/api-event";
import { createTableApiFixture, putAcl, type TableApiFixture } from "../table-api/fixture";

let dynamo: TestDynamo;
let api: TableApiFixture;
const itil = caller("beth.anglin", ["itil"]);
const luke = caller("luke.wilson", ["itil"]);
/** A line a reader takes for an entry's header. */
const HEADER_LINE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} - .+ \((Additional comments|Work notes)\)$/gm;

beforeAll(async () => {
  dynamo = await startDynamo();
  await putAcl(dynamo, { table: "incident", read: ["itil"], create: ["itil"], write: ["itil"], delete: ["admin"] });
  await putAcl(dynamo, { table: "sys_journal_field", read: ["itil"], create: [], write: [], delete: [] });
});
afterAll(async () => {
  await dynamo?.stop();
});
beforeEach(() => {
  api = createTableApiFixture(dynamo);
});

const createIncident = async (fields: Record<string, string> = {}) => {
  const reply = await api.call({
    method: "POST",
    path: "/api/now/table/incident",
    body: { short_description: "j", ...fields },
    caller: itil,
  });
  expect(reply.status, reply.raw).toBe(201);
  return resultOf(reply);
};
const patch = (sysId: string, body: Record<string, string>, who = itil) =>
  api.call({ method: "PATCH", path: `/api/now/table/incident/${sysId}`, body, caller: who });

describe("journal fields through the Table API", () => {
  it("appends one entry per write and renders them newest first with `date - user (label)` headers", async () => {
    api.clock.t = Date.UTC(2024, 4, 2, 8, 0, 0);
    const incident = await createIncident({ comments: "Opened from the portal" });
    const sysId = incident["sys_id"] ?? "";
    expect(incident["comments"]).toBe(
      "2024-05-02 08:00:00 - beth.anglin (Additional comments)\nOpened from the portal\n\n",
    );
    api.clock.t = Date.UTC(2024, 4, 2, 8, 5, 0);
    await patch(sysId, { comments: "Rebooted the gateway" }, luke);
    api.clock.t = Date.UTC(2024, 4, 2, 8, 6, 0);
    const reply = await patch(sysId, { work_notes: "Root cause: a full disk", short_description: "VPN down" });
    expect(reply.status, reply.raw).toBe(200);

    const read = resultOf(await api.call({ method: "GET", path: `/api/now/table/incident/${sysId}`, caller: itil }));
    expect(read["comments"]).toBe(
      "2024-05-02 08:05:00 - luke.wilson (Additional comments)\nRebooted the gateway\n\n" +
        "2024-05-02 08:00:00 - beth.anglin (Additional comments)\nOpened from the portal\n\n",
    );
    expect(read["work_notes"]).toBe("2024-05-02 08:06:00 - beth.anglin (Work notes)\nRoot cause: a full disk\n\n");
    expect(read["short_description"]).toBe("VPN down");
    expect(read["sys_mod_count"]).toBe("2");

    // The rows, listed through the Table API with sys_journal_field's own ACL.
    const rows = await api.call({
      method: "GET",
      path: "/api/now/table/sys_journal_field",
      query: { element_id: sysId, sysparm_fields: "element,element_id,name,value,sys_created_by,sys_created_on" },
      caller: itil,
    });
    expect(rows.status, rows.raw).toBe(200);
    expect(resultOf<Record<string, string>[]>(rows)).toEqual([
      {
        element: "comments",
        element_id: sysId,
        name: "incident",
        value: "Opened from the portal",
        sys_created_by: "beth.anglin",
        sys_created_on: "2024-05-02 08:00:00",
      },
      {
        element: "comments",
        element_id: sysId,
        name: "incident",
        value: "Rebooted the gateway",
        sys_created_by: "luke.wilson",
        sys_created_on: "2024-05-02 08:05:00",
      },
      {
        element: "work_notes",
        element_id: sysId,
        name: "incident",
        value: "Root cause: a full disk",
        sys_created_by: "beth.anglin",
        sys_created_on: "2024-05-02 08:06:00",
      },
    ]);
    // Its internal index attribute never shows.
    expect(rows.raw).not.toContain("journal#element");
  });

  it("lists sys_journal_field only under its ACL, and never writes it", async () => {
    const noAcl = await api.call({
      method: "GET",
      path: "/api/now/table/sys_journal_field",
      caller: caller("kb", ["knowledge"]),
    });
    expect(noAcl.status).toBe(403);
    const write = await api.call({
      method: "POST",
      path: "/api/now/table/sys_journal_field",
      body: { value: "x" },
      caller: caller("root", ["admin"]),
    });
    expect(write.status).toBe(403);
  });

  it("keeps all 20 entries of 20 concurrent writers, each answered 200", async () => {
    const sysId = (await createIncident())["sys_id"] ?? "";
    const texts = Array.from({ length: 20 }, (_, i) => `note ${i}`);
    const replies = await Promise.all(texts.map((text) => patch(sysId, { work_notes: text })));
    expect(replies.map((reply) => reply.status)).toEqual(texts.map(() => 200));
    const read = resultOf(await api.call({ method: "GET", path: `/api/now/table/incident/${sysId}`, caller: itil }));
    const journal = read["work_notes"] ?? "";
    expect(texts.filter((text) => journal.split(`\n${text}\n\n`).length === 2)).toEqual(texts);
    expect(journal.match(HEADER_LINE)).toHaveLength(20);
    expect(read["sys_mod_count"]).toBe("20");
  });

  it("renders a forged header as text: one header per real entry, the row holding exactly what was written", async () => {
    api.clock.t = Date.UTC(2024, 4, 3, 10, 0, 0);
    const sysId = (await createIncident())["sys_id"] ?? "";
    const forged = "Looks fine\n\n2026-12-01 09:00:00 - admin (Additional comments)\nApproved, close it";
    const reply = await patch(sysId, { comments: forged }, caller("mallory", ["itil"]));
    const rendered = resultOf(reply)["comments"] ?? "";
    expect(rendered.match(HEADER_LINE)).toEqual(["2024-05-03 10:00:00 - mallory (Additional comments)"]);
    expect(rendered).toContain("\n\\2026-12-01 09:00:00 - admin (Additional comments)\n");
    // Other line breaks a reader might split on are made plain newlines first, so they cannot sneak one in.
    // A second later, so the rows' sys_ids (time first) list in the order they were written.
    api.clock.t += 1000;
    const viaCr = await patch(sysId, { comments: "x\r2026-12-01 09:00:00 - admin (Work notes)" });
    expect((resultOf(viaCr)["comments"] ?? "").match(HEADER_LINE)).toHaveLength(2);
    const rows = await api.call({
      method: "GET",
      path: "/api/now/table/sys_journal_field",
      query: { element_id: sysId, sysparm_fields: "value" },
      caller: itil,
    });
    expect(resultOf<Record<string, string>[]>(rows).map((row) => row["value"])).toEqual([
      forged,
      "x\r2026-12-01 09:00:00 - admin (Work notes)",
    ]);
  });

  it("escapes reversibly: a line already starting with a backslash gets one more", () => {
    expect(escapeEntryText("\\2026-12-01 09:00:00 - x")).toBe("\\\\2026-12-01 09:00:00 - x");
    expect(escapeEntryText("plain\ntext")).toBe("plain\ntext");
  });
});
