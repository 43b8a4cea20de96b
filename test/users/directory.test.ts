// Users created, changed and deleted with user_name and email kept unique by guard items (dynalite).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { UserDirectory } from "../../functions/users/directory";
import { manualClock } from "../kit/clock";

let dynamo: TestDynamo;
let directory: UserDirectory;
const START_MS = Date.parse("2026-11-27T12:00:00Z");
const clock = manualClock(START_MS);

beforeAll(async () => {
  dynamo = await startDynamo();
  directory = new UserDirectory(dynamo.doc, dynamo.tables.users, clock);
});
afterAll(() => dynamo?.stop());
// Tests move the clock; each starts at the same time, whatever ran before it.
beforeEach(() => {
  clock.t = START_MS;
});

/** Every item of the users table: users and their uniqueness guards alike, by sys_id. */
const scanAll = async () =>
  ((await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tables.users, ConsistentRead: true }))).Items ?? []).sort(
    (a, b) => String(a["sys_id"]).localeCompare(String(b["sys_id"])),
  );

const item = async (sysId: string) =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: sysId } }))).Item;

describe("create", () => {
  it("writes the user with ServiceNow system fields and index attributes", async () => {
    const user = await directory.create(
      { user_name: "dora", email: "Dora@Example.com", roles: ["itil"] },
      { by: "admin" },
    );

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
    [
      "user_name",
      { user_name: "dup-name", email: "a1@example.com" },
      { user_name: "dup-name", email: "a2@example.com" },
    ],
    ["email", { user_name: "e1", email: "same@example.com" }, { user_name: "e2", email: "SAME@example.com" }],
  ])("refuses a second user with the same %s and writes nothing", async (field, first, second) => {
    await directory.create(first, { by: "admin" });
    const before = await scanAll();
    await expect(directory.create(second, { by: "admin" })).rejects.toMatchObject({ code: "user_conflict", field });
    expect(await scanAll()).toEqual(before);
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
    const before = new Set((await scanAll()).map((stored) => stored["sys_id"]));
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        directory.create({ user_name: "conc", email: "conc@example.com" }, { by: "p", sysId }),
      ),
    );
    expect(new Set(results.map((user) => user.sys_id))).toEqual(new Set([sysId]));
    // One user and its two guards, and nothing else: no stray guard from a creation that lost.
    const added = (await scanAll()).filter((stored) => !before.has(stored["sys_id"]));
    expect(added.map((stored) => [stored["sys_id"], stored["owner"]])).toEqual([
      [sysId, undefined],
      ["unique#email#conc@example.com", sysId],
      ["unique#user_name#conc", sysId],
    ]);
  });

  it("takes over a guard left by a creation that died, once it is old enough", async () => {
    const ghost = "d".repeat(32);
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.users,
        Item: { sys_id: "unique#user_name#ghosted", owner: ghost, claimedAtMs: clock.t },
      }),
    );
    await expect(directory.create({ user_name: "ghosted" }, { by: "admin" })).rejects.toMatchObject({
      code: "user_conflict",
    });

    clock.t += 6 * 60_000;
    await expect(directory.create({ user_name: "ghosted" }, { by: "admin" })).resolves.toMatchObject({
      user_name: "ghosted",
    });
  });
});

describe("update and delete", () => {
  it("moves the guards when user_name and email change, and frees the old ones", async () => {
    const user = await directory.create({ user_name: "mover", email: "mover@example.com" }, { by: "admin" });
    const updated = await directory.update(
      user.sys_id,
      { user_name: "moved", email: "moved@example.com" },
      { by: "bob" },
    );

    expect(updated).toMatchObject({ user_name: "moved", sys_mod_count: 1, sys_updated_by: "bob" });
    const reused = await directory.create({ user_name: "mover", email: "mover@example.com" }, { by: "admin" });
    expect(reused).toMatchObject({ user_name: "mover", email: "mover@example.com" });
    expect(reused.sys_id).not.toBe(user.sys_id);
    await expect(directory.create({ user_name: "moved" }, { by: "admin" })).rejects.toMatchObject({
      field: "user_name",
    });
  });

  it("updates a user written by hand without sys_mod_count (optimistic on its absence)", async () => {
    const sysId = "a1".repeat(16);
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.users,
        Item: { sys_id: sysId, user_name: "handmade", active: true, directory: "sys_user" },
      }),
    );
    await expect(directory.update(sysId, { title: "Engineer" }, { by: "admin" })).resolves.toMatchObject({
      title: "Engineer",
      sys_mod_count: 1,
    });
  });

  it("refuses to take another user's email and leaves both users unchanged", async () => {
    const a = await directory.create({ user_name: "ua", email: "ua@example.com" }, { by: "admin" });
    await directory.create({ user_name: "ub", email: "ub@example.com" }, { by: "admin" });
    await expect(directory.update(a.sys_id, { email: "UB@example.com" }, { by: "admin" })).rejects.toMatchObject({
      field: "email",
    });
    expect(await item(a.sys_id)).toMatchObject({ email: "ua@example.com", sys_mod_count: 0 });
  });

  it("deletes the user and frees user_name and email", async () => {
    const user = await directory.create({ user_name: "gone", email: "gone@example.com" }, { by: "admin" });
    await directory.delete(user.sys_id);
    expect(await item(user.sys_id)).toBeUndefined();
    const again = await directory.create({ user_name: "gone", email: "gone@example.com" }, { by: "admin" });
    expect(again).toMatchObject({ user_name: "gone", email: "gone@example.com" });
    expect(again.sys_id).not.toBe(user.sys_id);
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
    expect((await item(user.sys_id))?.["last_login_time"]).toBe(
      new Date(clock.t).toISOString().slice(0, 19).replace("T", " "),
    );
  });
});

describe("the user_name and email profile", () => {
  it("keeps user_names unique without regard to case or compatibility forms", async () => {
    await directory.create({ user_name: "root.admin" }, { by: "admin" });
    for (const lookalike of ["Root.Admin", "ROOT.ADMIN", "\uff52oot.admin"]) {
      await expect(directory.create({ user_name: lookalike }, { by: "admin" })).rejects.toMatchObject({
        code: "user_conflict",
        field: "user_name",
      });
    }
  });

  it.each([
    ["a Cyrillic letter among Latin ones", "\u0430dmin.two"],
    ["a zero-width space", "admin\u200btwo"],
    ["a zero-width joiner", "ad\u200dmin"],
    ["a control character", "ad\u0007min"],
    ["a newline", "ad\nmin"],
    ["a no-break space", "ad\u00a0min"],
    ["a right-to-left override", "\u202eadmin"],
    ["over 100 characters", "a".repeat(101)],
  ])("refuses a user_name with %s", async (_what, userName) => {
    await expect(directory.create({ user_name: userName }, { by: "admin" })).rejects.toMatchObject({
      code: "user_invalid",
    });
  });

  it.each([
    ["Latin with digits and dots", "j.doe2"],
    ["one other script", "\u0438\u0432\u0430\u043d"],
    ["Japanese (Han and Kana)", "\u5c71\u7530\u305f\u308d\u3046"],
  ])("accepts %s", async (_what, userName) => {
    await expect(directory.create({ user_name: userName }, { by: "admin" })).resolves.toMatchObject({
      user_name: userName,
    });
  });

  it("stores user_names in NFC, so a decomposed é is the same name as a composed one", async () => {
    const user = await directory.create({ user_name: "rene\u0301" }, { by: "admin" });
    expect(user.user_name).toBe("ren\u00e9");
    await expect(directory.create({ user_name: "ren\u00e9" }, { by: "admin" })).rejects.toMatchObject({
      code: "user_conflict",
    });
  });

  it("leaves no guard behind when a creation is refused for a taken email, so a retry with another email works", async () => {
    await directory.create({ user_name: "taken.a", email: "taken-same@example.com" }, { by: "admin" });
    const before = await scanAll();

    await expect(
      directory.create({ user_name: "taken.b", email: "TAKEN-SAME@example.com" }, { by: "admin" }),
    ).rejects.toMatchObject({
      code: "user_conflict",
      field: "email",
    });
    expect(await scanAll()).toEqual(before);
    await expect(
      directory.create({ user_name: "taken.b", email: "b@example.com" }, { by: "admin" }),
    ).resolves.toMatchObject({
      user_name: "taken.b",
    });
  });

  it("leaves no guard behind when an update is refused for a taken email", async () => {
    const c = await directory.create({ user_name: "upd.c", email: "c@example.com" }, { by: "admin" });
    await directory.create({ user_name: "upd.d", email: "d-taken@example.com" }, { by: "admin" });
    const before = await scanAll();

    await expect(
      directory.update(c.sys_id, { user_name: "upd.c2", email: "D-TAKEN@example.com" }, { by: "admin" }),
    ).rejects.toMatchObject({
      code: "user_conflict",
    });
    expect(await scanAll()).toEqual(before);
  });
});
