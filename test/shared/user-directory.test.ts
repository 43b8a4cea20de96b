// Users created, changed and deleted with user_name and email kept unique by guard items (dynalite).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { startDynamo, type TestDynamo } from "../helpers/dynamo";
import { UserDirectory } from "../../functions/shared/user-directory";
import { USER_LISTING_INDEX } from "../../functions/shared/tables";

let dynamo: TestDynamo;
let directory: UserDirectory;
const clock = { t: Date.parse("2026-11-27T12:00:00Z"), nowMs() { return this.t; } };

beforeAll(async () => {
  dynamo = await startDynamo();
  directory = new UserDirectory(dynamo.doc, dynamo.tables.users, clock);
});
afterAll(() => dynamo?.stop());

const allUsers = async () =>
  (
    await dynamo.doc.send(
      new QueryCommand({
        TableName: dynamo.tables.users,
        IndexName: USER_LISTING_INDEX.indexName,
        KeyConditionExpression: "#d = :d",
        ExpressionAttributeNames: { "#d": USER_LISTING_INDEX.partition },
        ExpressionAttributeValues: { ":d": USER_LISTING_INDEX.value },
      }),
    )
  ).Items ?? [];

const item = async (sysId: string) =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: sysId } }))).Item;

describe("create", () => {
  it("writes the user with ServiceNow system fields and index attributes", async () => {
    const user = await directory.create({ user_name: "dora", email: "Dora@Example.com", roles: ["itil"] }, { by: "admin" });

    expect(user.sys_id).toMatch(/^[0-9a-f]{32}$/);
    expect(await item(user.sys_id)).toMatchObject({
      user_name: "dora",
      email: "Dora@Example.com",
      email_lower: "dora@example.com",
      directory: "sys_user",
      active: true,
      locked_out: false,
      roles: ["itil"],
      sys_created_on: "2026-11-27 12:00:00",
      sys_created_by: "admin",
      sys_mod_count: 0,
    });
  });

  it.each([
    ["user_name", { user_name: "dup-name", email: "a1@example.com" }, { user_name: "dup-name", email: "a2@example.com" }],
    ["email", { user_name: "e1", email: "same@example.com" }, { user_name: "e2", email: "SAME@example.com" }],
  ])("refuses a second user with the same %s and writes nothing", async (field, first, second) => {
    await directory.create(first, { by: "admin" });
    await expect(directory.create(second, { by: "admin" })).rejects.toMatchObject({ code: "user_conflict", field });
    const users = await allUsers();
    expect(users.filter((user) => user["user_name"] === second.user_name && user["email"] === second.email)).toEqual([]);
    expect(users.filter((user) => user["user_name"] === first.user_name)).toHaveLength(1);
  });

  it.each([
    [{ email: "x@example.com" }, "user_name"],
    [{ user_name: "  " }, "user_name"],
    [{ user_name: "ok", email: "not-an-email" }, "email"],
    [{ user_name: "ok", sys_id: "f".repeat(32) }, "sys_id"],
    [{ user_name: "ok", title: { nested: true } }, "title"],
  ])("refuses invalid input %j naming %s", async (input, field) => {
    await expect(directory.create(input, { by: "admin" })).rejects.toMatchObject({
      code: "user_invalid",
      message: expect.stringContaining(field),
    });
  });

  it("with a given sys_id is idempotent: 20 concurrent creations make one user", async () => {
    const sysId = "c".repeat(32);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => directory.create({ user_name: "conc", email: "conc@example.com" }, { by: "p", sysId })),
    );
    expect(new Set(results.map((user) => user.sys_id))).toEqual(new Set([sysId]));
    expect((await allUsers()).filter((user) => user["user_name"] === "conc")).toHaveLength(1);
  });

  it("takes over a guard left by a creation that died, once it is old enough", async () => {
    const ghost = "d".repeat(32);
    await dynamo.doc.send(
      new PutCommand({ TableName: dynamo.tables.users, Item: { sys_id: "unique#user_name#ghosted", owner: ghost, claimedAtMs: clock.t } }),
    );
    await expect(directory.create({ user_name: "ghosted" }, { by: "admin" })).rejects.toMatchObject({ code: "user_conflict" });

    clock.t += 6 * 60_000;
    await expect(directory.create({ user_name: "ghosted" }, { by: "admin" })).resolves.toMatchObject({ user_name: "ghosted" });
  });
});

describe("update and delete", () => {
  it("moves the guards when user_name and email change, and frees the old ones", async () => {
    const user = await directory.create({ user_name: "mover", email: "mover@example.com" }, { by: "admin" });
    const updated = await directory.update(user.sys_id, { user_name: "moved", email: "moved@example.com" }, { by: "bob" });

    expect(updated).toMatchObject({ user_name: "moved", sys_mod_count: 1, sys_updated_by: "bob" });
    await expect(directory.create({ user_name: "mover", email: "mover@example.com" }, { by: "admin" })).resolves.toBeDefined();
    await expect(directory.create({ user_name: "moved" }, { by: "admin" })).rejects.toMatchObject({ field: "user_name" });
  });

  it("updates a user written by hand without sys_mod_count (optimistic on its absence)", async () => {
    const sysId = "a1".repeat(16);
    await dynamo.doc.send(
      new PutCommand({ TableName: dynamo.tables.users, Item: { sys_id: sysId, user_name: "handmade", active: true, directory: "sys_user" } }),
    );
    await expect(directory.update(sysId, { title: "Engineer" }, { by: "admin" })).resolves.toMatchObject({ title: "Engineer", sys_mod_count: 1 });
  });

  it("refuses to take another user's email and leaves both users unchanged", async () => {
    const a = await directory.create({ user_name: "ua", email: "ua@example.com" }, { by: "admin" });
    await directory.create({ user_name: "ub", email: "ub@example.com" }, { by: "admin" });
    await expect(directory.update(a.sys_id, { email: "UB@example.com" }, { by: "admin" })).rejects.toMatchObject({ field: "email" });
    expect(await item(a.sys_id)).toMatchObject({ email: "ua@example.com", sys_mod_count: 0 });
  });

  it("deletes the user and frees user_name and email", async () => {
    const user = await directory.create({ user_name: "gone", email: "gone@example.com" }, { by: "admin" });
    await directory.delete(user.sys_id);
    expect(await item(user.sys_id)).toBeUndefined();
    await expect(directory.create({ user_name: "gone", email: "gone@example.com" }, { by: "admin" })).resolves.toBeDefined();
    await expect(directory.delete(user.sys_id)).rejects.toMatchObject({ code: "user_not_found" });
  });
});

describe("touchLastLogin", () => {
  it("writes at most once per interval, and makes no call when the record read says it is not due", async () => {
    const user = await directory.create({ user_name: "login" }, { by: "admin" });
    expect(await directory.touchLastLogin(user, 3_600_000)).toBe(true);
    const fresh = await directory.get(user.sys_id);
    clock.t += 30 * 60_000;
    expect(await directory.touchLastLogin(fresh!, 3_600_000)).toBe(false);
    // A stale copy (read before the last write) still cannot write twice: the condition decides.
    expect(await directory.touchLastLogin(user, 3_600_000)).toBe(false);
    clock.t += 31 * 60_000;
    expect(await directory.touchLastLogin(fresh!, 3_600_000)).toBe(true);
    expect((await item(user.sys_id))?.["last_login_time"]).toBe(new Date(clock.t).toISOString().slice(0, 19).replace("T", " "));
  });
});
