// sysparm_display_value, reference links and dot-walked queries, with the parameters servicenow.itsm and
// pysnow send (pysnow: sysparm_display_value=true|false|all, sysparm_exclude_reference_link=False), against dynalite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserDirectory } from "../../functions/users/directory";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf } from "./api-event";
import { createTableApiFixture, putAcl, type TableApiFixture } from "./fixture";

let dynamo: TestDynamo;
let api: TableApiFixture;
let alice: string;
let group: string;
let incident: string;
const itil = caller("beth.anglin", ["itil"]);
const admin = caller("admin", ["admin"]);
const BASE = "https://snow.example.com/api/now/table";

beforeAll(async () => {
  dynamo = await startDynamo();
  await putAcl(dynamo, { table: "incident", read: ["itil"], create: ["itil"], write: ["itil"] });
  api = createTableApiFixture(dynamo);
  const directory = new UserDirectory(dynamo.doc, dynamo.tables.users, api.clock);
  alice = (await directory.create({ user_name: "alice", first_name: "Alice", last_name: "Able" }, { by: "setup" }))
    .sys_id;
  await directory.create({ user_name: "bob", first_name: "Bob", last_name: "Baker" }, { by: "setup" });
  const created = await api.call({
    method: "POST",
    path: "/api/now/table/sys_user_group",
    body: { name: "Network" },
    caller: admin,
  });
  group = resultOf(created)["sys_id"] as string;
  const reply = await api.call({
    method: "POST",
    path: "/api/now/table/incident?sysparm_exclude_reference_link=true",
    body: {
      short_description: "VPN",
      state: "2",
      impact: "1",
      urgency: "2",
      priority: "1",
      caller_id: alice,
      assignment_group: group,
    },
    caller: itil,
  });
  incident = resultOf(reply)["sys_id"] as string;
});
afterAll(() => dynamo?.stop());

const read = async (query: string) => {
  const reply = await api.call({ method: "GET", path: `/api/now/table/incident/${incident}?${query}`, caller: itil });
  expect(reply.status, reply.raw).toBe(200);
  return resultOf(reply);
};

describe("sysparm_display_value", () => {
  it("false (the default): values, references as {link, value}", async () => {
    const record = await read("sysparm_fields=state,caller_id,assigned_to");
    expect(record).toEqual({
      state: "2",
      caller_id: { link: `${BASE}/sys_user/${alice}`, value: alice },
      assigned_to: "",
    });
  });

  it("false with sysparm_exclude_reference_link=true (servicenow.itsm): plain sys_ids", async () => {
    const record = await read("sysparm_fields=caller_id,assignment_group&sysparm_exclude_reference_link=true");
    expect(record).toEqual({ caller_id: alice, assignment_group: group });
  });

  it("true: ServiceNow's choice labels and the referenced records' display values", async () => {
    const record = await read(
      "sysparm_display_value=true&sysparm_exclude_reference_link=true&sysparm_fields=state,impact,urgency,priority,caller_id,assignment_group,sys_class_name,active",
    );
    expect(record).toEqual({
      state: "In Progress",
      impact: "1 - High",
      urgency: "2 - Medium",
      priority: "1 - Critical",
      caller_id: "Alice Able",
      assignment_group: "Network",
      sys_class_name: "Incident",
      active: "true",
    });
  });

  it("true with links: {display_value, link}", async () => {
    const record = await read("sysparm_display_value=true&sysparm_fields=caller_id");
    expect(record).toEqual({ caller_id: { display_value: "Alice Able", link: `${BASE}/sys_user/${alice}` } });
  });

  it("all: {display_value, value}, with the link for references", async () => {
    const record = await read("sysparm_display_value=all&sysparm_fields=state,caller_id");
    expect(record).toEqual({
      state: { display_value: "In Progress", value: "2" },
      caller_id: { display_value: "Alice Able", link: `${BASE}/sys_user/${alice}`, value: alice },
    });
  });

  it("applies to listings too, one batch of references per page", async () => {
    const reply = await api.call({
      method: "GET",
      path: "/api/now/table/incident?sysparm_display_value=true&sysparm_exclude_reference_link=true&sysparm_fields=caller_id,state",
      caller: itil,
    });
    expect(resultOf(reply)).toEqual([{ caller_id: "Alice Able", state: "In Progress" }]);
  });
});

describe("dot-walked queries", () => {
  const count = async (sysparm_query: string) => {
    const reply = await api.call({
      method: "GET",
      path: "/api/now/table/incident",
      query: { sysparm_query },
      caller: itil,
    });
    expect(reply.status, reply.raw).toBe(200);
    return resultOf<unknown[]>(reply).length;
  };

  it("finds incidents by their caller's user_name, one level deep", async () => {
    expect(await count("caller_id.user_name=alice")).toBe(1);
    expect(await count("caller_id.user_name=bob")).toBe(0);
    expect(await count("caller_id.nameLIKEable^assignment_group.name=Network")).toBe(1);
    expect(await count("caller_id.user_name!=alice")).toBe(0);
    expect(await count(`caller_id=${alice}`)).toBe(1);
  });

  it("refuses a dot-walk through a field that is no reference", async () => {
    const reply = await api.call({
      method: "GET",
      path: "/api/now/table/incident",
      query: { sysparm_query: "short_description.name=x" },
      caller: itil,
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      error: { message: "Invalid query", detail: expect.stringContaining("not a reference") },
    });
  });
});
