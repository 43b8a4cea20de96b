// The table dictionary through the Table API, driven with the request shapes servicenow.itsm sends
// (module_utils/table.py: sysparm_exclude_reference_link=true on every call, name=value filters, PATCH
// by sys_id) against dynalite: every column, sys_class_name, coercion by type, custom u_ columns.
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tableKey, tableSchema } from "../../functions/config/schema";
import { Dictionary, OUT_OF_BOX } from "../../functions/dictionary/dictionary";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf } from "./api-event";
import { createTableApiFixture, putAcl, type TableApiFixture } from "./fixture";

let dynamo: TestDynamo;
let api: TableApiFixture;
const itil = caller("beth.anglin", ["itil"]);
const admin = caller("admin", ["admin"]);
const ansible = "sysparm_exclude_reference_link=true";

beforeAll(async () => {
  dynamo = await startDynamo();
  for (const table of ["task", "cmdb_ci"]) {
    await putAcl(dynamo, { table, read: ["itil"], create: ["itil"], write: ["itil"], delete: ["itil"] });
  }
});
afterAll(() => dynamo?.stop());
beforeEach(() => {
  api = createTableApiFixture(dynamo);
});

describe("the dictionary", () => {
  it("has ServiceNow's hierarchy: incident extends task, cmdb_ci_server extends computer, hardware, cmdb_ci", () => {
    expect(OUT_OF_BOX.table("incident")?.ancestors).toEqual(["task"]);
    expect(OUT_OF_BOX.table("cmdb_ci_server")?.ancestors).toEqual(["cmdb_ci_computer", "cmdb_ci_hardware", "cmdb_ci"]);
    expect(OUT_OF_BOX.descendants("task")).toEqual(
      expect.arrayContaining(["task", "incident", "problem", "problem_task", "change_request", "change_task"]),
    );
    expect(OUT_OF_BOX.descendants("cmdb_ci")).toEqual(
      expect.arrayContaining([
        "cmdb_ci",
        "cmdb_ci_hardware",
        "cmdb_ci_computer",
        "cmdb_ci_server",
        "cmdb_ci_linux_server",
      ]),
    );
    expect(OUT_OF_BOX.descendants("incident")).toEqual(["incident"]);
  });

  it("types task's journal columns journal, and incident's state with ServiceNow's labels (overriding task's)", () => {
    const incident = OUT_OF_BOX.table("incident");
    expect(incident?.columns.get("comments")?.type).toBe("journal");
    expect(incident?.columns.get("work_notes")?.type).toBe("journal");
    expect(incident?.columns.get("state")?.choices?.map((c) => `${c.value}=${c.label}`)).toEqual([
      "1=New",
      "2=In Progress",
      "3=On Hold",
      "6=Resolved",
      "7=Closed",
      "8=Canceled",
    ]);
    expect(OUT_OF_BOX.table("task")?.columns.get("state")?.choices?.[1]?.label).toBe("Open");
    expect(incident?.columns.get("caller_id")).toMatchObject({ type: "reference", reference: "sys_user" });
    expect(incident?.columns.get("priority")?.choices?.[0]?.label).toBe("1 - Critical");
  });

  it("takes a custom table extending another, and u_ columns on an out-of-box table; refuses a bad item", () => {
    const custom = [
      tableSchema.parse({ name: "u_laptop", extends: "u_device", columns: { u_cpu: { type: "string" } } }),
      tableSchema.parse({ name: "u_device", extends: "cmdb_ci", numberPrefix: "DEV", columns: {} }),
      tableSchema.parse({
        name: "incident",
        columns: { u_region: { type: "choice", choices: [{ value: "eu", label: "Europe" }] } },
      }),
    ];
    const dictionary = new Dictionary(custom);
    expect(dictionary.table("u_laptop")?.ancestors).toEqual(["u_device", "cmdb_ci"]);
    expect(dictionary.table("u_laptop")?.columns.has("name")).toBe(true);
    expect(dictionary.table("incident")?.columns.get("u_region")?.type).toBe("choice");
    expect(dictionary.descendants("cmdb_ci")).toContain("u_laptop");
    const problems: string[] = [];
    new Dictionary([tableSchema.parse({ name: "u_orphan", extends: "u_missing" })], (name) => problems.push(name));
    expect(problems).toEqual(["u_orphan"]);
    expect(tableSchema.safeParse({ name: "incident", extends: "task" }).success).toBe(false);
    expect(tableSchema.safeParse({ name: "orders" }).success).toBe(false);
    expect(tableSchema.safeParse({ name: "incident", columns: { region: { type: "string" } } }).success).toBe(false);
    expect(tableSchema.safeParse({ name: "u_x", columns: { u_ref: { type: "reference" } } }).success).toBe(false);
  });
});

describe("reads: every column of the record's table, and sys_class_name", () => {
  it("returns every incident column (unset ones empty) the collection checks before a resolve", async () => {
    const created = await api.call({
      method: "POST",
      path: `/api/now/table/incident?${ansible}`,
      body: { short_description: "VPN down", urgency: "1", impact: "1" },
      caller: itil,
    });
    expect(created.status).toBe(201);
    const sysId = resultOf(created)["sys_id"] as string;
    const read = resultOf(await api.call({ method: "GET", path: `/api/now/table/incident/${sysId}`, caller: itil }));
    // servicenow.itsm's incident module: "Given parameters are not a subset of record fields" otherwise.
    expect(read).toMatchObject({
      close_code: "",
      close_notes: "",
      assigned_to: "",
      hold_reason: "",
      sys_class_name: "incident",
      urgency: "1",
      impact: "1",
      state: "1",
    });
    expect(Object.keys(read).length).toBe(OUT_OF_BOX.table("incident")?.columns.size);
  });

  it("narrows to sysparm_fields, as before", async () => {
    const created = resultOf(
      await api.call({
        method: "POST",
        path: "/api/now/table/incident",
        body: { short_description: "x" },
        caller: itil,
      }),
    );
    const read = await api.call({
      method: "GET",
      path: `/api/now/table/incident/${created["sys_id"]}?sysparm_fields=short_description,sys_class_name`,
      caller: itil,
    });
    expect(resultOf(read)).toEqual({ short_description: "x", sys_class_name: "incident" });
  });

  it("gives configuration_item its record['sys_class_name'] for an update (no KeyError)", async () => {
    // configuration_item.py: creates in sys_class_name's table, reads it back, PATCHes through it.
    const created = await api.call({
      method: "POST",
      path: `/api/now/table/cmdb_ci_server?${ansible}`,
      body: { name: "web-01", ip_address: "10.0.0.5", install_status: "1", operational_status: "1" },
      caller: itil,
    });
    expect(created.status).toBe(201);
    const record = resultOf(created);
    expect(record).toMatchObject({
      name: "web-01",
      sys_class_name: "cmdb_ci_server",
      os: "",
      classification: "Production",
    });
    const updated = await api.call({
      method: "PATCH",
      path: `/api/now/table/${record["sys_class_name"]}/${record["sys_id"]}?${ansible}`,
      body: { ip_address: "10.0.0.6", environment: "Production" },
      caller: itil,
    });
    expect(updated.status).toBe(200);
    expect(resultOf(updated)).toMatchObject({ ip_address: "10.0.0.6", environment: "Production" });
  });
});

describe("custom u_ columns from the config table", () => {
  it("accepts a u_ column an admin added to incident, coerced by its type, and still refuses others", async () => {
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.config,
        Item: {
          pk: tableKey("incident"),
          ...tableSchema.parse({ name: "incident", columns: { u_outage_minutes: { type: "integer", default: "0" } } }),
        },
      }),
    );
    const created = await api.call({
      method: "POST",
      path: "/api/now/table/incident",
      body: { short_description: "outage", u_outage_minutes: 42 },
      caller: itil,
    });
    expect(created.status).toBe(201);
    expect(resultOf(created)["u_outage_minutes"]).toBe("42");
    const other = await api.call({ method: "POST", path: "/api/now/table/incident", body: {}, caller: itil });
    expect(resultOf(other)["u_outage_minutes"]).toBe("0");
    const refused = await api.call({
      method: "POST",
      path: "/api/now/table/incident",
      body: { u_other: "x" },
      caller: admin,
    });
    expect(refused.status).toBe(400);
    const bad = await api.call({
      method: "POST",
      path: "/api/now/table/incident",
      body: { u_outage_minutes: "a lot" },
      caller: itil,
    });
    expect(bad.status).toBe(400);
  });
});
