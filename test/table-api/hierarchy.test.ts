// The table hierarchy through the Table API against dynalite: a child's records seen through every
// ancestor with sys_class_name, written through the parent, and ACLs by the record's own table falling
// back to its parent's.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf } from "./api-event";
import { createTableApiFixture, putAcl, type TableApiFixture } from "./fixture";

let dynamo: TestDynamo;
let api: TableApiFixture;
const itil = caller("beth.anglin", ["itil"]);
const taskReader = caller("tess.reader", ["task_reader"]);
const ansible = "sysparm_exclude_reference_link=true";

const created: Record<string, string> = {};

beforeAll(async () => {
  dynamo = await startDynamo();
  // task: itil and task_reader read it; incident has its own ACL, which leaves task_reader out.
  await putAcl(dynamo, { table: "task", read: ["itil", "task_reader"], create: ["itil"], write: ["itil"] });
  await putAcl(dynamo, { table: "incident", read: ["itil"], create: ["itil"], write: ["itil"] });
  await putAcl(dynamo, { table: "cmdb_ci", read: ["itil"], create: ["itil"], write: ["itil"] });
  api = createTableApiFixture(dynamo);
  for (const [table, body] of [
    ["incident", { short_description: "incident one", caller_id: "" }],
    ["problem", { short_description: "problem one" }],
    ["change_request", { short_description: "change one" }],
    ["cmdb_ci_server", { name: "app-01" }],
    ["cmdb_ci_linux_server", { name: "lnx-01" }],
    ["cmdb_ci", { name: "plain-ci" }],
  ] as const) {
    const reply = await api.call({ method: "POST", path: `/api/now/table/${table}`, body, caller: itil });
    expect(reply.status, reply.raw).toBe(201);
    created[table] = resultOf(reply)["sys_id"] as string;
  }
});
afterAll(() => dynamo?.stop());
beforeEach(() => {
  api = createTableApiFixture(dynamo);
});

const list = async (path: string, who = itil) => {
  const reply = await api.call({ method: "GET", path, caller: who });
  expect(reply.status, reply.raw).toBe(200);
  return { reply, records: resultOf<Record<string, string>[]>(reply) };
};

describe("reading through a parent", () => {
  it("lists incidents, problems and changes through task, each with its sys_class_name", async () => {
    const { reply, records } = await list(`/api/now/table/task?${ansible}&sysparm_fields=number,sys_class_name`);
    expect(records.map((r) => r["sys_class_name"]).sort()).toEqual(["change_request", "incident", "problem"]);
    expect(reply.headers["X-Total-Count"]).toBe("3");
    expect(records.find((r) => r["sys_class_name"] === "problem")?.["number"]).toBe("PRB0040001");
  });

  it("lists servers through cmdb_ci (configuration_item_info's default table), at any depth", async () => {
    const { records } = await list(`/api/now/table/cmdb_ci?${ansible}&sysparm_query=ORDERBYname`);
    expect(records.map((r) => [r["name"], r["sys_class_name"]])).toEqual([
      ["app-01", "cmdb_ci_server"],
      ["lnx-01", "cmdb_ci_linux_server"],
      ["plain-ci", "cmdb_ci"],
    ]);
    // Read through cmdb_ci, a record shows cmdb_ci's columns, not the server's.
    expect(records[0]).toHaveProperty("ip_address");
    expect(records[0]).not.toHaveProperty("os");
    const servers = await list(`/api/now/table/cmdb_ci_server?${ansible}`);
    expect(servers.records.map((r) => r["name"]).sort()).toEqual(["app-01", "lnx-01"]);
  });

  it("filters a parent's listing by sys_class_name", async () => {
    const { records } = await list(`/api/now/table/task?${ansible}&sysparm_query=sys_class_name=incident`);
    expect(records.map((r) => r["sys_id"])).toEqual([created["incident"]]);
  });

  it("reads one incident through task, with task's columns and its own class", async () => {
    const reply = await api.call({
      method: "GET",
      path: `/api/now/table/task/${created["incident"]}?${ansible}`,
      caller: itil,
    });
    expect(reply.status).toBe(200);
    const record = resultOf(reply);
    expect(record).toMatchObject({
      sys_class_name: "incident",
      short_description: "incident one",
      number: "INC0010001",
    });
    expect(record).not.toHaveProperty("caller_id");
  });
});

describe("writing through a parent", () => {
  it("updates the incident record when PATCHed through task", async () => {
    const path = `/api/now/table/task/${created["incident"]}?${ansible}`;
    const reply = await api.call({
      method: "PATCH",
      path,
      body: { work_notes: "", short_description: "via task" },
      caller: itil,
    });
    expect(reply.status, reply.raw).toBe(200);
    expect(resultOf(reply)["sys_class_name"]).toBe("incident");
    const read = await api.call({
      method: "GET",
      path: `/api/now/table/incident/${created["incident"]}`,
      caller: itil,
    });
    expect(resultOf(read)).toMatchObject({ short_description: "via task", sys_mod_count: "1" });
  });

  it("refuses, through the parent, a column only the child has", async () => {
    const reply = await api.call({
      method: "PATCH",
      path: `/api/now/table/task/${created["incident"]}`,
      body: { caller_id: "0123456789abcdef0123456789abcdef" },
      caller: itil,
    });
    expect(reply.status).toBe(400);
  });
});

describe("ACLs by the record's own table, falling back to the parent's", () => {
  it("lets task_reader read problems (no ACL of their own: task's) but not incidents (their own ACL)", async () => {
    const { records } = await list(`/api/now/table/task?${ansible}`, taskReader);
    expect(records.map((r) => r["sys_class_name"]).sort()).toEqual(["change_request", "problem"]);
    expect((await api.call({ method: "GET", path: "/api/now/table/problem", caller: taskReader })).status).toBe(200);
    expect((await api.call({ method: "GET", path: "/api/now/table/incident", caller: taskReader })).status).toBe(403);
    const hidden = await api.call({
      method: "GET",
      path: `/api/now/table/task/${created["incident"]}`,
      caller: taskReader,
    });
    expect(hidden.status).toBe(404);
  });

  it("does not let a write through task reach a record whose own table's ACL refuses it", async () => {
    await putAcl(dynamo, {
      table: "task",
      read: ["itil", "task_reader"],
      create: ["itil"],
      write: ["itil", "task_reader"],
    });
    try {
      const toIncident = await api.call({
        method: "PATCH",
        path: `/api/now/table/task/${created["incident"]}`,
        body: { short_description: "not allowed" },
        caller: taskReader,
      });
      expect(toIncident.status).toBe(404);
      const toProblem = await api.call({
        method: "PATCH",
        path: `/api/now/table/task/${created["problem"]}`,
        body: { short_description: "allowed" },
        caller: taskReader,
      });
      expect(toProblem.status).toBe(200);
    } finally {
      await putAcl(dynamo, { table: "task", read: ["itil", "task_reader"], create: ["itil"], write: ["itil"] });
    }
  });
});
