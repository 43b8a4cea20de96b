// table set|list|get|remove: custom tables and u_ columns, validated with the Table API's own schema,
// then used by the Table API itself (against dynalite).
import { describe, expect, it } from "vitest";
import { createTableApi } from "../../functions/table-api/create-table-api";
import { noAttachmentBucket } from "../kit/s3";
import { capturingLogger } from "../kit/authorizer-fixture";
import { apiEvent, caller, parseReply, resultOf } from "../table-api/api-event";
import { putAcl, testClock } from "../table-api/fixture";
import { useCliHarness, writeTemp } from "./cli-fixture";

const cli = useCliHarness();
const errorOf = (stderr: string) => JSON.parse(stderr) as { error: { code: string; problems?: string[] } };

const LAPTOP = {
  name: "u_laptop",
  label: "Laptop",
  extends: "cmdb_ci_computer",
  numberPrefix: "LAP",
  columns: { u_owner_badge: { type: "string" }, u_tier: { type: "choice", choices: [{ value: "1", label: "Gold" }] } },
};

describe("table set", () => {
  it("writes a custom table the Table API then serves, numbered and under cmdb_ci", async () => {
    const set = await cli.run(["table", "set", "--file", writeTemp("laptop.json", LAPTOP)]);
    expect(set.code, set.stderr).toBe(0);
    const items = (await cli.items("config")).filter((item) => String(item["pk"]).startsWith("table#"));
    expect(items.map((item) => item["pk"])).toEqual(["table#u_laptop"]);

    await putAcl(cli.testDynamo, { table: "cmdb_ci", read: ["itil"], create: ["itil"] });
    const handler = createTableApi({
      client: cli.dynamo.doc,
      tables: cli.tables,
      logger: capturingLogger(),
      clock: testClock(),
      configTtlMs: 0,
      attachments: noAttachmentBucket(),
    });
    const call = async (method: "GET" | "POST", path: string, body?: unknown) =>
      parseReply(await handler(apiEvent({ method, path, body, caller: caller("beth.anglin", ["itil"]) }).event));
    const created = await call("POST", "/api/now/table/u_laptop?sysparm_display_value=true", {
      name: "lap-1",
      u_tier: "1",
    });
    expect(created.status, created.raw).toBe(201);
    expect(resultOf(created)).toMatchObject({ number: "LAP0001001", u_tier: "Gold", sys_class_name: "Laptop" });
    const listed = await call("GET", "/api/now/table/cmdb_ci?sysparm_fields=name,sys_class_name");
    expect(resultOf(listed)).toEqual([{ name: "lap-1", sys_class_name: "u_laptop" }]);
    expect((await call("POST", "/api/now/table/u_laptop", { u_nope: "x" })).status).toBe(400);

    const listing = await cli.run(["table", "list", "--json"]);
    expect(listing.json<{ tables: { name: string }[] }>().tables.map((t) => t.name)).toEqual(["u_laptop"]);
    expect((await cli.run(["table", "remove", "u_laptop"])).code).toBe(0);
    expect((await cli.items("config")).some((item) => item["pk"] === "table#u_laptop")).toBe(false);
  });

  it.each([
    ["a new table without u_", { name: "laptop" }],
    ["an out-of-box table given a parent", { name: "incident", extends: "task" }],
    ["a column without u_", { name: "incident", columns: { region: { type: "string" } } }],
    ["a reference without its table", { name: "u_x", columns: { u_owner: { type: "reference" } } }],
    ["a parent that is no table", { name: "u_x", extends: "u_missing" }],
  ])("refuses %s and writes nothing", async (_label, table) => {
    const run = await cli.run(["table", "set", "--file", writeTemp("t.json", table), "--json"]);
    expect(run.code).toBe(1);
    expect(errorOf(run.stderr).error.code).toBe("invalid");
    expect((await cli.items("config")).filter((item) => String(item["pk"]).startsWith("table#"))).toEqual([]);
  });
});
