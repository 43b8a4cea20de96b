// sys_user_group and sys_user_grmember as tables, and sys_user as every signed-in user reads it: the
// lookups servicenow.itsm makes for `caller: alice` and `assignment_group: ...` (table.py find_user,
// find_assignment_group), against dynalite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserDirectory } from "../../functions/users/directory";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf } from "./api-event";
import { createTableApiFixture, type TableApiFixture } from "./fixture";

let dynamo: TestDynamo;
let api: TableApiFixture;
let aliceSysId: string;
const itil = caller("beth.anglin", ["itil"]);
const admin = caller("admin", ["admin"]);
const query = "sysparm_exclude_reference_link=true&sysparm_limit=1000&sysparm_offset=0";

beforeAll(async () => {
  dynamo = await startDynamo();
  api = createTableApiFixture(dynamo);
  const directory = new UserDirectory(dynamo.doc, dynamo.tables.users, api.clock);
  const alice = await directory.create(
    { user_name: "alice", email: "alice@example.com", first_name: "Alice", last_name: "Able", roles: ["itil"] },
    { by: "setup", identity: { issuer: "https://idp.example", subject: "alice-sub", provider: "corp" } },
  );
  aliceSysId = alice.sys_id;
});
afterAll(() => dynamo?.stop());

describe("sys_user for every signed-in user", () => {
  it("finds alice for a non-admin (find_user), with ServiceNow's columns and never the binding", async () => {
    const reply = await api.call({
      method: "GET",
      path: `/api/now/table/sys_user?user_name=alice&${query}`,
      caller: itil,
    });
    expect(reply.status).toBe(200);
    const [alice] = resultOf<Record<string, string>[]>(reply);
    expect(alice).toMatchObject({
      sys_id: aliceSysId,
      user_name: "alice",
      name: "Alice Able",
      email: "alice@example.com",
    });
    expect(Object.keys(alice ?? {}).filter((name) => name.startsWith("oidc_") || name === "directory")).toEqual([]);
  });

  it("lets only admins write sys_user", async () => {
    const path = `/api/now/table/sys_user/${aliceSysId}`;
    expect((await api.call({ method: "PATCH", path, body: { title: "x" }, caller: itil })).status).toBe(403);
    expect((await api.call({ method: "PATCH", path, body: { title: "Engineer" }, caller: admin })).status).toBe(200);
  });
});

describe("groups and memberships", () => {
  it("are created by admins, refused to others, read by everyone", async () => {
    const refused = await api.call({
      method: "POST",
      path: "/api/now/table/sys_user_group",
      body: { name: "Network" },
      caller: itil,
    });
    expect(refused.status).toBe(403);
    const group = await api.call({
      method: "POST",
      path: `/api/now/table/sys_user_group?${query}`,
      body: { name: "Network", manager: aliceSysId },
      caller: admin,
    });
    expect(group.status, group.raw).toBe(201);
    const groupSysId = resultOf(group)["sys_id"] as string;
    const member = await api.call({
      method: "POST",
      path: "/api/now/table/sys_user_grmember",
      body: { user: aliceSysId, group: groupSysId },
      caller: admin,
    });
    expect(member.status, member.raw).toBe(201);

    // find_assignment_group: GET sys_user_group?name=...
    const found = await api.call({
      method: "GET",
      path: `/api/now/table/sys_user_group?name=Network&${query}`,
      caller: itil,
    });
    expect(resultOf<Record<string, string>[]>(found).map((g) => g["sys_id"])).toEqual([groupSysId]);
    const members = await api.call({
      method: "GET",
      path: `/api/now/table/sys_user_grmember?group=${groupSysId}&sysparm_display_value=true`,
      caller: itil,
    });
    const [membership] = resultOf<Record<string, unknown>[]>(members);
    expect(membership).toMatchObject({
      user: { display_value: "Alice Able", link: `https://snow.example.com/api/now/table/sys_user/${aliceSysId}` },
      group: { display_value: "Network", link: `https://snow.example.com/api/now/table/sys_user_group/${groupSysId}` },
    });
  });
});
