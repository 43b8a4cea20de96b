// Record numbers through the Table API against dynalite: ServiceNow's prefixes and first numbers, one
// conditional counter per table, unique under concurrency.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf } from "./api-event";
import { createTableApiFixture, putAcl, type TableApiFixture } from "./fixture";

let dynamo: TestDynamo;
let api: TableApiFixture;
const itil = caller("beth.anglin", ["itil"]);

beforeAll(async () => {
  dynamo = await startDynamo();
  await putAcl(dynamo, { table: "task", read: ["itil"], create: ["itil"], write: ["itil"] });
  api = createTableApiFixture(dynamo);
});
afterAll(() => dynamo?.stop());

const insert = async (table: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
  // servicenow.itsm's create_record: POST with sysparm_exclude_reference_link=true.
  const reply = await api.call({
    method: "POST",
    path: `/api/now/table/${table}?sysparm_exclude_reference_link=true`,
    body,
    caller: itil,
  });
  expect(reply.status, reply.raw).toBe(201);
  return resultOf(reply);
};

describe("numbers", () => {
  it.each([
    ["incident", "INC0010001"],
    ["problem", "PRB0040001"],
    ["problem_task", "PTASK0010001"],
    ["change_request", "CHG0030001"],
    ["change_task", "CTASK0010001"],
    ["sc_request", "REQ0010001"],
    ["sc_req_item", "RITM0010001"],
    ["sc_task", "SCTASK0010001"],
  ])("a %s insert without a number gets ServiceNow's first one, %s, then the next", async (table, first) => {
    expect((await insert(table, { short_description: "first" }))["number"]).toBe(first);
    const next = `${first.slice(0, -1)}${Number(first.slice(-1)) + 1}`;
    expect((await insert(table))["number"]).toBe(next);
  });

  it("keeps a number the insert gives, without using up a counter value", async () => {
    expect((await insert("incident", { number: "INC9999999" }))["number"]).toBe("INC9999999");
    expect((await insert("incident"))["number"]).toBe("INC0010003");
  });

  it("gives 100 concurrent inserts 100 distinct, consecutive numbers", async () => {
    const records = await Promise.all(Array.from({ length: 100 }, () => insert("change_task")));
    const numbers = records.map((record) => String(record["number"]));
    expect(new Set(numbers).size).toBe(100);
    // The two of the first test, then these 100: CTASK0010003 .. CTASK0010102, each once.
    const values = numbers.map((number) => Number(number.slice("CTASK".length))).sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => 10003 + i));
  });

  it("numbers nothing on a table without a prefix", async () => {
    await putAcl(dynamo, { table: "cmdb_ci", read: ["itil"], create: ["itil"] });
    const record = await insert("cmdb_ci_server", { name: "db-01" });
    expect(record).not.toHaveProperty("number");
  });
});
