// sys_user through the Table API: served from the users table, shown as strings, written by admins only
// and only through UserDirectory (uniqueness of user_name and email).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { UserDirectory } from "../../functions/users/directory";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf } from "./api-event";
import { createTableApiFixture, withAcl, type TableApiFixture } from "./fixture";

let dynamo: TestDynamo;
let api: TableApiFixture;
let directory: UserDirectory;

const admin = caller("admin", ["admin"]);
const itil = caller("beth.anglin", ["itil"]);
const itilMayDoAll = { table: "sys_user", read: ["itil"], create: ["itil"], write: ["itil"], delete: ["itil"] };

beforeAll(async () => {
  dynamo = await startDynamo();
  api = createTableApiFixture(dynamo);
  directory = new UserDirectory(dynamo.doc, dynamo.tables.users, api.clock);
  // Through UserDirectory, so the uniqueness guard items exist beside the users, as in production.
  for (const [user_name, email, roles] of [
    ["fred.luddy", "Fred.Luddy@example.com", ["itil", "knowledge"]],
    ["bob", "bob@example.com", []],
    ["carol", "carol@example.com", ["itil"]],
  ] as const) {
    await directory.create(
      { user_name, email, roles: [...roles], first_name: user_name.split(".")[0] },
      { by: "setup" },
    );
  }
});

afterAll(async () => {
  await dynamo?.stop();
});

describe("reading sys_user", () => {
  it("lists users only (never uniqueness guards), every value a string, no index attributes", async () => {
    const { Items = [] } = await dynamo.doc.send(
      new ScanCommand({ TableName: dynamo.tables.users, ConsistentRead: true }),
    );
    const users = Items.filter((stored) => !String(stored["sys_id"]).startsWith("unique#"));
    expect(users.length).toBeGreaterThanOrEqual(3);
    expect(Items.length).toBeGreaterThan(users.length); // guards are there to be left out

    const reply = await api.call({ method: "GET", path: "/api/now/table/sys_user", caller: admin });
    expect(reply.status).toBe(200);
    expect(reply.headers["X-Total-Count"]).toBe(String(users.length));
    const listed = resultOf<Record<string, string>[]>(reply);
    expect(listed.map((u) => u["sys_id"]).sort()).toEqual(users.map((u) => String(u["sys_id"])).sort());
    const fred = listed.find((u) => u["user_name"] === "fred.luddy");
    // Every sys_user column, unset ones empty; never the index attributes or the identity binding.
    expect(fred).toEqual({
      sys_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      sys_class_name: "sys_user",
      user_name: "fred.luddy",
      name: "fred",
      email: "Fred.Luddy@example.com",
      first_name: "fred",
      middle_name: "",
      last_name: "",
      title: "",
      department: "",
      company: "",
      location: "",
      phone: "",
      mobile_phone: "",
      employee_number: "",
      manager: "",
      time_zone: "",
      preferred_language: "",
      active: "true",
      locked_out: "false",
      web_service_access_only: "",
      roles: "itil,knowledge",
      source: "",
      last_login_time: "",
      sys_created_on: "2024-05-01 09:30:00",
      sys_created_by: "setup",
      sys_updated_on: "2024-05-01 09:30:00",
      sys_updated_by: "setup",
      sys_mod_count: "0",
    });
  });

  it("finds a user the way Ansible's find_user does (?user_name=...)", async () => {
    const reply = await api.call({
      method: "GET",
      path: "/api/now/table/sys_user?user_name=carol&sysparm_exclude_reference_link=true&sysparm_limit=1000&sysparm_offset=0",
      caller: admin,
    });
    expect(resultOf<Record<string, string>[]>(reply).map((u) => u["email"])).toEqual(["carol@example.com"]);
  });

  it("filters on roles with an encoded query", async () => {
    const reply = await api.call({
      method: "GET",
      path: "/api/now/table/sys_user?sysparm_query=rolesLIKEitil^ORDERBYuser_name",
      caller: admin,
    });
    expect(resultOf<Record<string, string>[]>(reply).map((u) => u["user_name"])).toEqual(["carol", "fred.luddy"]);
  });

  it("is readable by every signed-in user without a sys_user ACL, and by the roles its ACL lists with one", async () => {
    const nobody = caller("no.roles", []);
    const read = await api.call({ method: "GET", path: "/api/now/table/sys_user?user_name=carol", caller: nobody });
    expect(read.status).toBe(200);
    expect(resultOf<Record<string, string>[]>(read).map((u) => u["email"])).toEqual(["carol@example.com"]);
    await withAcl(dynamo, itilMayDoAll, async () => {
      expect((await api.call({ method: "GET", path: "/api/now/table/sys_user", caller: itil })).status).toBe(200);
      expect((await api.call({ method: "GET", path: "/api/now/table/sys_user", caller: nobody })).status).toBe(403);
    });
  });

  it("reads one user by sys_id; an unknown one is 404", async () => {
    const bob2 = await directory.create({ user_name: "bob2" }, { by: "setup" });
    const reply = await api.call({ method: "GET", path: `/api/now/table/sys_user/${bob2.sys_id}`, caller: admin });
    expect(resultOf(reply)["user_name"]).toBe("bob2");
    await directory.delete(bob2.sys_id);
    expect(
      (await api.call({ method: "GET", path: `/api/now/table/sys_user/${"a".repeat(32)}`, caller: admin })).status,
    ).toBe(404);
  });
});

describe("writing sys_user", () => {
  it("lets only admins write, whatever a sys_user ACL says", async () => {
    await withAcl(dynamo, itilMayDoAll, async () => {
      const reply = await api.call({
        method: "POST",
        path: "/api/now/table/sys_user",
        body: { user_name: "eve" },
        caller: itil,
      });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({
        error: { detail: "ACL Exception Insert Failed due to security constraints" },
      });
      const listed = resultOf<Record<string, string>[]>(
        await api.call({ method: "GET", path: "/api/now/table/sys_user?user_name=carol", caller: itil }),
      );
      expect(listed).toHaveLength(1);
      const carol = listed[0]?.["sys_id"] ?? "";
      const before = await directory.get(carol);
      const path = `/api/now/table/sys_user/${carol}`;
      expect((await api.call({ method: "PATCH", path, body: { roles: "admin" }, caller: itil })).status).toBe(403);
      expect((await api.call({ method: "DELETE", path, caller: itil })).status).toBe(403);
      expect(await directory.get(carol)).toEqual(before);
      const eve = await api.call({ method: "GET", path: "/api/now/table/sys_user?user_name=eve", caller: admin });
      expect(resultOf(eve)).toEqual([]);
    });
  });

  it("creates, changes and deletes a user as admin, taking ServiceNow's string values", async () => {
    const created = await api.call({
      method: "POST",
      path: "/api/now/v2/table/sys_user",
      body: {
        user_name: "dave",
        email: "dave@example.com",
        active: "True",
        roles: "itil, knowledge",
        title: "Engineer",
        sys_id: "ignored",
      },
      caller: admin,
    });
    expect(created.status, created.raw).toBe(201);
    const dave = resultOf(created);
    expect(dave).toMatchObject({
      user_name: "dave",
      active: "true",
      roles: "itil,knowledge",
      title: "Engineer",
      sys_created_by: "admin",
    });
    expect(created.headers["Location"]).toBe(`https://snow.example.com/api/now/v2/table/sys_user/${dave["sys_id"]}`);
    const stored = await directory.get(dave["sys_id"] ?? "");
    expect(stored).toMatchObject({ active: true, roles: ["itil", "knowledge"] });

    const path = `/api/now/table/sys_user/${dave["sys_id"]}`;
    const changed = await api.call({
      method: "PATCH",
      path,
      body: { locked_out: false, email: "d@example.com" },
      caller: admin,
    });
    expect(resultOf(changed)).toMatchObject({ email: "d@example.com", locked_out: "false", sys_mod_count: "1" });

    expect((await api.call({ method: "DELETE", path, caller: admin })).status).toBe(204);
    expect((await api.call({ method: "GET", path, caller: admin })).status).toBe(404);
    expect((await api.call({ method: "DELETE", path, caller: admin })).status).toBe(404);
  });

  it("answers 409 when user_name or email is taken (case-insensitively for email), and writes nothing", async () => {
    const scan = async () =>
      (await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tables.users, ConsistentRead: true }))).Items ?? [];
    const before = await scan();
    const taken = await api.call({
      method: "POST",
      path: "/api/now/table/sys_user",
      body: { user_name: "bob" },
      caller: admin,
    });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual({
      error: { message: "Operation Failed", detail: "Another user already has this user_name" },
      status: "failure",
    });
    const email = await api.call({
      method: "POST",
      path: "/api/now/table/sys_user",
      body: { user_name: "bobby", email: "BOB@example.com" },
      caller: admin,
    });
    expect(email.status).toBe(409);
    const after = await scan();
    expect(after).toHaveLength(before.length);
    expect(after).toEqual(expect.arrayContaining(before));
  });

  it.each([
    ["an unknown sys_user field", { user_name: "x1", nickname: "x" }, "nickname"],
    ["a bad boolean", { user_name: "x2", active: "yes" }, "Invalid value for field active: expected true or false"],
    ["an invalid email", { user_name: "x3", email: "not-an-email" }, "email"],
    ["no user_name", { email: "x4@example.com" }, "user_name"],
  ])("answers 400 for %s", async (_label, body, detail) => {
    const reply = await api.call({ method: "POST", path: "/api/now/table/sys_user", body, caller: admin });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      error: { message: "Exception while reading request", detail: expect.stringContaining(detail) },
    });
  });

  it("answers 404 for a change to a user that does not exist", async () => {
    const reply = await api.call({
      method: "PUT",
      path: `/api/now/table/sys_user/${"b".repeat(32)}`,
      body: { title: "x" },
      caller: admin,
    });
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ error: { message: "No Record found" } });
  });
});

describe("a user's identity binding through sys_user", () => {
  it("is never shown, not even to admins, can be cleared by an admin (unbind), and never set by a write", async () => {
    const identity = { issuer: "https://idp.example", subject: "hank-sub", provider: "corp" };
    const created = await directory.create({ user_name: "hank", email: "hank@example.com" }, { by: "setup", identity });
    const path = `/api/now/table/sys_user/${created.sys_id}`;

    const read = resultOf<Record<string, string>>(await api.call({ method: "GET", path, caller: admin }));
    expect(read["user_name"]).toBe("hank");
    for (const field of ["oidc_issuer", "oidc_subject", "oidc_provider", "oidc_identity"]) {
      expect(read).not.toHaveProperty(field);
    }

    const forged = await api.call({ method: "PATCH", path, body: { oidc_subject: "someone-else" }, caller: admin });
    expect(forged.status).toBe(400);
    expect((await directory.get(created.sys_id))?.["oidc_subject"]).toBe("hank-sub");

    const unbound = await api.call({
      method: "PATCH",
      path,
      body: { oidc_subject: "", title: "Moved to a new IdP" },
      caller: admin,
    });
    expect(unbound.status).toBe(200);
    const stored = await directory.get(created.sys_id);
    expect(stored).toMatchObject({ user_name: "hank", title: "Moved to a new IdP" });
    for (const field of ["oidc_issuer", "oidc_subject", "oidc_provider", "oidc_identity"])
      expect(stored).not.toHaveProperty(field);
    // The identity's guard went with the binding: the same identity may now bind another user.
    const other = await directory.create({ user_name: "hank2" }, { by: "setup", identity });
    expect(other.oidc_subject).toBe("hank-sub");
  });
});
