// The user directory when the table fails or another writer gets in between (dynalite): a race lost at the
// last step, a user deleted mid-change, a write or read that fails. Each interleaving is a real write to
// dynalite made at a chosen point of the directory's own calls (a middleware on its client), and every
// test reads the whole table afterwards: a refused change leaves no guard behind and changes no user.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../../functions/shared/dynamo";
import { StoreError } from "../../functions/shared/errors";
import { glideDateTime } from "../../functions/shared/glide-time";
import { UserDirectory } from "../../functions/users/directory";
import { IdentityConflictError, UserConflictError, UserNotFoundError } from "../../functions/users/errors";
import { guardKey, identityKey, type Identity, type UserRecord } from "../../functions/users/store";
import { manualClock } from "../kit/clock";
import { localDynamoClient, startDynamo, type TestDynamo } from "../kit/dynamo";

const START_MS = Date.parse("2026-12-02T08:00:00Z");
const clock = manualClock(START_MS);
let dynamo: TestDynamo;
/** The directory under test, on a client whose calls the current test may intercept. */
let directory: UserDirectory;
/** Another writer on a plain client: the one that gets in between. */
let other: UserDirectory;
let faulty: DynamoDBClient;

/** What a test does at one of the directory's calls: run first (an interleaved write), or fail it. */
interface Interception {
  /** e.g. "PutItemCommand"; with `sysId`, only a call on that item key (a user, or a guard). */
  readonly command: string;
  readonly sysId?: (sysId: string) => boolean;
  /** Runs before the call goes out; gets the item key the call is about. */
  readonly before?: (sysId: string) => Promise<unknown>;
  readonly fail?: boolean;
}
let interceptions: Interception[] = [];
/** Every call of the directory, as `Command sys_id`. */
let calls: string[] = [];

const sysIdOf = (input: Record<string, unknown>): string => {
  const record = (input["Item"] ?? input["Key"] ?? {}) as Record<string, unknown>;
  const value = record["sys_id"];
  if (typeof value === "string") return value;
  const marshalled = (value as { S?: unknown } | undefined)?.S;
  return typeof marshalled === "string" ? marshalled : "";
};

/** Intercepts the next matching call once. */
const at = (interception: Interception): void => {
  interceptions.push(interception);
};

beforeAll(async () => {
  dynamo = await startDynamo();
  faulty = localDynamoClient(dynamo.endpoint);
  faulty.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      const sysId = sysIdOf(args.input as Record<string, unknown>);
      calls.push(`${command} ${sysId}`);
      const index = interceptions.findIndex((i) => i.command === command && (i.sysId?.(sysId) ?? true));
      if (index >= 0) {
        const [interception] = interceptions.splice(index, 1);
        await interception?.before?.(sysId);
        if (interception?.fail) throw Object.assign(new Error("injected failure"), { name: "InternalServerError" });
      }
      return next(args);
    },
    { step: "initialize", name: "injectFaults" },
  );
  directory = new UserDirectory(createDocumentClient(faulty), dynamo.tables.users, clock);
  other = new UserDirectory(dynamo.doc, dynamo.tables.users, clock);
});
afterAll(async () => {
  faulty?.destroy();
  await dynamo?.stop();
});
beforeEach(async () => {
  clock.t = START_MS;
  interceptions = [];
  calls = [];
  for (const item of await scanAll()) {
    await dynamo.doc.send(new DeleteCommand({ TableName: dynamo.tables.users, Key: { sys_id: item["sys_id"] } }));
  }
});

const scanAll = async () =>
  ((await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tables.users, ConsistentRead: true }))).Items ?? []).sort(
    (a, b) => String(a["sys_id"]).localeCompare(String(b["sys_id"])),
  );
const keysInTable = async () => (await scanAll()).map((item) => String(item["sys_id"]));
const stored = async (sysId: string) =>
  (
    await dynamo.doc.send(
      new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: sysId }, ConsistentRead: true }),
    )
  ).Item;

/** Writes an item as it is, past the directory (a user stored by an older version, or by hand). */
const putRaw = (item: Record<string, unknown>) =>
  dynamo.doc.send(new PutCommand({ TableName: dynamo.tables.users, Item: item }));

const isUser = (sysId: string) => /^[0-9a-f]{32}$/.test(sysId);
const isGuard = (sysId: string) => sysId.startsWith("unique#");
const corp: Identity = { issuer: "https://corp.example", subject: "c-1", provider: "corp" };
const ext: Identity = { issuer: "https://ext.example", subject: "e-1", provider: "ext" };
const ext2: Identity = { issuer: "https://ext.example", subject: "e-2", provider: "ext" };
const identityGuard = (identity: Identity) => guardKey("identity", identityKey(identity));
const DERIVED = "d".repeat(32);

/** A user made by an admin (no identity), as the directory reads it. */
const unboundUser = async (name = "ann"): Promise<UserRecord> =>
  other.create({ user_name: name, email: `${name}@example.com` }, { by: "admin" });

describe("get", () => {
  it("reports a failed read as a StoreError, never as no user", async () => {
    const user = await unboundUser();
    at({ command: "GetItemCommand", fail: true });
    await expect(directory.get(user.sys_id)).rejects.toBeInstanceOf(StoreError);
    await expect(directory.get(user.sys_id)).resolves.toMatchObject({ sys_id: user.sys_id });
  });
});

describe("create", () => {
  it("with a new sys_id that someone took meanwhile: a conflict, and every guard it claimed is given back", async () => {
    at({
      command: "PutItemCommand",
      sysId: isUser,
      // The guards are claimed; the user is next, and someone takes its sys_id first.
      before: (taken) =>
        dynamo.doc.send(
          new PutCommand({ TableName: dynamo.tables.users, Item: { sys_id: taken, user_name: "squatter" } }),
        ),
    });
    const error = await directory
      .create({ user_name: "bea", email: "bea@example.com" }, { by: "admin" })
      .catch((e) => e);
    expect(error).toBeInstanceOf(UserConflictError);
    expect((error as UserConflictError).field).toBe("sys_id");
    const keys = await keysInTable();
    expect(keys.filter(isGuard)).toEqual([]);
    expect((await scanAll()).map((item) => item["user_name"])).toEqual(["squatter"]);
  });

  it("with a derived sys_id whose user is deleted before it can be read: a conflict, and nothing left behind", async () => {
    await other.create({ user_name: "first" }, { by: "admin", sysId: DERIVED, identity: corp });
    // The put is refused (the sys_id is taken); the user is gone by the time the directory reads it.
    at({ command: "GetItemCommand", sysId: (id) => id === DERIVED, before: () => other.delete(DERIVED) });
    const error = await directory
      .create({ user_name: "second", email: "second@example.com" }, { by: "jit", sysId: DERIVED, identity: corp })
      .catch((e) => e);
    expect(error).toBeInstanceOf(UserConflictError);
    expect(await keysInTable()).toEqual([]);
  });

  it("with a derived sys_id taken by a user bound to another identity: identity_conflict, the other user untouched", async () => {
    const first = await other.create({ user_name: "first" }, { by: "admin", sysId: DERIVED, identity: ext });
    const error = await directory
      .create({ user_name: "second" }, { by: "jit", sysId: DERIVED, identity: corp })
      .catch((e) => e);
    expect(error).toBeInstanceOf(IdentityConflictError);
    expect((error as IdentityConflictError).boundProvider).toBe("ext");
    expect(await stored(DERIVED)).toMatchObject({ user_name: "first", sys_mod_count: first["sys_mod_count"] });
    expect((await keysInTable()).sort()).toEqual([DERIVED, identityGuard(ext), guardKey("user_name", "first")].sort());
  });

  it("whose user write fails: a StoreError, and the guards it claimed are given back", async () => {
    at({ command: "PutItemCommand", sysId: isUser, fail: true });
    const error = await directory
      .create({ user_name: "cleo", email: "cleo@example.com" }, { by: "jit", identity: corp })
      .catch((e) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(await keysInTable()).toEqual([]);
    await expect(
      directory.create({ user_name: "cleo", email: "cleo@example.com" }, { by: "jit", identity: corp }),
    ).resolves.toMatchObject({ user_name: "cleo", oidc_subject: corp.subject });
  });
});

describe("bind", () => {
  /** A user stored with issuer and subject before identities were indexed: no identity key, no guard. */
  const legacyUser = async (fields: Record<string, unknown> = {}): Promise<UserRecord> => {
    const sysId = "c".repeat(32);
    await putRaw({
      sys_id: sysId,
      user_name: "leo",
      active: true,
      locked_out: false,
      roles: [],
      sys_mod_count: 2,
      ...fields,
    });
    return (await other.get(sysId)) as UserRecord;
  };

  it("of a user already bound to the identity and indexed: the user as it is, with no call", async () => {
    const created = await other.create({ user_name: "kim" }, { by: "jit", identity: corp });
    // As sign-in reads it: with its identity key.
    const bound = (await other.get(created.sys_id)) as UserRecord;
    await expect(directory.bind(bound, corp, { by: "corp" })).resolves.toBe(bound);
    expect(calls).toEqual([]);
    expect(await stored(bound.sys_id)).toMatchObject({ sys_mod_count: 0 });
  });

  it("of a user stored with the identity before indexing: indexes it, claims its guard, keeps the provider it names", async () => {
    const legacy = await legacyUser({
      oidc_issuer: corp.issuer,
      oidc_subject: corp.subject,
      oidc_provider: "corp-old",
    });
    const bound = await directory.bind(legacy, corp, { by: "corp" });
    expect(bound).toMatchObject({ oidc_provider: "corp-old", sys_mod_count: 3 });
    expect(await stored(legacy.sys_id)).toMatchObject({ oidc_identity: identityKey(corp), oidc_provider: "corp-old" });
    expect(await keysInTable()).toContain(identityGuard(corp));
  });

  it("of an unbound user with a stray provider name: records the signing-in provider", async () => {
    const stray = await legacyUser({ oidc_provider: "stale" });
    await expect(directory.bind(stray, corp, { by: "corp" })).resolves.toMatchObject({ oidc_provider: "corp" });
    expect(await stored(stray.sys_id)).toMatchObject({ oidc_provider: "corp", oidc_subject: corp.subject });
  });

  it("refuses a user bound to another identity, and writes nothing", async () => {
    const bound = await other.create({ user_name: "dan" }, { by: "jit", identity: ext });
    const before = await scanAll();
    await expect(directory.bind(bound, corp, { by: "corp" })).rejects.toBeInstanceOf(IdentityConflictError);
    expect(await scanAll()).toEqual(before);
    expect(calls).toEqual([]);
  });

  it("refuses an identity the user is only linked to as its binding, and writes nothing", async () => {
    const bound = await other.create({ user_name: "dan" }, { by: "jit", identity: corp });
    const linked = await other.link(bound, ext, { by: "ext" });
    const before = await scanAll();
    await expect(directory.bind(linked, ext, { by: "ext" })).rejects.toBeInstanceOf(IdentityConflictError);
    expect(await scanAll()).toEqual(before);
  });

  it("lost to another identity between its read and its write: identity_conflict, and its guard given back", async () => {
    const user = await unboundUser();
    at({ command: "PutItemCommand", sysId: isUser, before: () => other.bind(user, ext, { by: "ext" }) });
    const error = await directory.bind(user, corp, { by: "corp" }).catch((e) => e);
    expect(error).toBeInstanceOf(IdentityConflictError);
    expect((error as IdentityConflictError).boundProvider).toBe("ext");
    expect(await stored(user.sys_id)).toMatchObject({ oidc_issuer: ext.issuer, oidc_subject: ext.subject });
    const keys = await keysInTable();
    expect(keys).toContain(identityGuard(ext));
    expect(keys).not.toContain(identityGuard(corp));
  });

  it("raced by the same identity: both get the one bound user", async () => {
    const user = await unboundUser();
    at({ command: "PutItemCommand", sysId: isUser, before: () => other.bind(user, corp, { by: "corp" }) });
    const bound = await directory.bind(user, corp, { by: "corp" });
    expect(bound).toMatchObject({ sys_id: user.sys_id, oidc_subject: corp.subject, oidc_provider: "corp" });
    expect(await stored(user.sys_id)).toMatchObject({ oidc_subject: corp.subject, sys_mod_count: 1 });
    expect(await keysInTable()).toContain(identityGuard(corp));
  });

  it("of a user deleted between its read and its write: user_not_found, and its guard given back", async () => {
    const user = await unboundUser();
    at({ command: "PutItemCommand", sysId: isUser, before: () => other.delete(user.sys_id) });
    await expect(directory.bind(user, corp, { by: "corp" })).rejects.toBeInstanceOf(UserNotFoundError);
    expect(await keysInTable()).toEqual([]);
  });

  it("whose write fails: a StoreError, the user unbound and its guard given back", async () => {
    const user = await unboundUser();
    at({ command: "PutItemCommand", sysId: isUser, fail: true });
    await expect(directory.bind(user, corp, { by: "corp" })).rejects.toBeInstanceOf(StoreError);
    expect(await stored(user.sys_id)).not.toHaveProperty("oidc_issuer");
    expect(await keysInTable()).not.toContain(identityGuard(corp));
  });
});

describe("link", () => {
  const boundToCorp = () => other.create({ user_name: "eve" }, { by: "jit", identity: corp });

  it("refuses a second identity of a provider the user is already linked to, and writes nothing", async () => {
    const linked = await other.link(await boundToCorp(), ext, { by: "ext" });
    const before = await scanAll();
    await expect(directory.link(linked, ext2, { by: "ext" })).rejects.toBeInstanceOf(IdentityConflictError);
    expect(await scanAll()).toEqual(before);
    expect(calls).toEqual([]);
  });

  it("raced by the same identity: both get the one linked user", async () => {
    const user = await boundToCorp();
    at({ command: "PutItemCommand", sysId: isUser, before: () => other.link(user, ext, { by: "ext" }) });
    const linked = await directory.link(user, ext, { by: "ext" });
    expect(linked["oidc_links"]).toMatchObject({ ext: { subject: ext.subject, identity: identityKey(ext) } });
    expect(await stored(user.sys_id)).toMatchObject({ sys_mod_count: 1 });
    expect(await keysInTable()).toContain(identityGuard(ext));
  });

  it("lost to another identity of the same provider: identity_conflict, and its guard given back", async () => {
    const user = await boundToCorp();
    at({ command: "PutItemCommand", sysId: isUser, before: () => other.link(user, ext2, { by: "ext" }) });
    await expect(directory.link(user, ext, { by: "ext" })).rejects.toBeInstanceOf(IdentityConflictError);
    expect((await stored(user.sys_id))?.["oidc_links"]).toMatchObject({ ext: { subject: ext2.subject } });
    const keys = await keysInTable();
    expect(keys).toContain(identityGuard(ext2));
    expect(keys).not.toContain(identityGuard(ext));
  });

  it("of a user deleted meanwhile: user_not_found, and its guard given back", async () => {
    const user = await boundToCorp();
    at({ command: "PutItemCommand", sysId: isUser, before: () => other.delete(user.sys_id) });
    await expect(directory.link(user, ext, { by: "ext" })).rejects.toBeInstanceOf(UserNotFoundError);
    expect(await keysInTable()).not.toContain(identityGuard(ext));
  });
});

describe("unbind", () => {
  it("of no such user: user_not_found", async () => {
    await expect(directory.unbind("f".repeat(32), { by: "admin" })).rejects.toBeInstanceOf(UserNotFoundError);
  });

  it("of an unbound user changes nothing and writes nothing", async () => {
    const user = await unboundUser();
    await expect(directory.unbind(user.sys_id, { by: "admin" })).resolves.toMatchObject({ sys_mod_count: 0 });
    expect(calls.filter((call) => !call.startsWith("GetItemCommand"))).toEqual([]);
    expect(await stored(user.sys_id)).toMatchObject({ sys_mod_count: 0 });
  });

  it("clears a binding stored before identities were indexed (issuer and subject, no identity key)", async () => {
    const sysId = "a".repeat(32);
    await putRaw({
      sys_id: sysId,
      user_name: "old",
      oidc_issuer: corp.issuer,
      oidc_subject: corp.subject,
      sys_mod_count: 3,
    });
    const unbound = await directory.unbind(sysId, { by: "admin" });
    expect(unbound).not.toHaveProperty("oidc_issuer");
    expect(await stored(sysId)).toMatchObject({ sys_mod_count: 4 });
    expect(await stored(sysId)).not.toHaveProperty("oidc_subject");
  });

  it("clears an identity key left without its issuer and subject", async () => {
    const sysId = "b".repeat(32);
    await putRaw({ sys_id: sysId, user_name: "odd", oidc_identity: identityKey(corp), sys_mod_count: 1 });
    await directory.unbind(sysId, { by: "admin" });
    expect(await stored(sysId)).not.toHaveProperty("oidc_identity");
  });

  it("frees the bound and the linked identities, so both can bind another user", async () => {
    const user = await other.link(await other.create({ user_name: "fay" }, { by: "jit", identity: corp }), ext, {
      by: "ext",
    });
    await directory.unbind(user.sys_id, { by: "admin" });
    const keys = await keysInTable();
    expect(keys).not.toContain(identityGuard(corp));
    expect(keys).not.toContain(identityGuard(ext));
    const next = await unboundUser("gil");
    await expect(directory.bind(next, ext, { by: "ext" })).resolves.toMatchObject({ oidc_subject: ext.subject });
  });
});

describe("delete", () => {
  it("frees the user's identities with its user_name and email: another user can bind them at once", async () => {
    const user = await other.link(
      await other.create({ user_name: "ida", email: "ida@example.com" }, { by: "jit", identity: corp }),
      ext,
      { by: "ext" },
    );
    await directory.delete(user.sys_id);
    expect(await keysInTable()).toEqual([]);
    const next = await unboundUser("jan");
    await expect(directory.bind(next, corp, { by: "corp" })).resolves.toMatchObject({ oidc_subject: corp.subject });
  });

  it("whose delete fails: a StoreError, and the user keeps its user_name and email", async () => {
    const user = await unboundUser("hal");
    const before = await scanAll();
    at({ command: "DeleteItemCommand", fail: true });
    await expect(directory.delete(user.sys_id)).rejects.toBeInstanceOf(StoreError);
    expect(await scanAll()).toEqual(before);
  });

  it("of no such user: user_not_found", async () => {
    await expect(directory.delete("f".repeat(32))).rejects.toBeInstanceOf(UserNotFoundError);
  });
});

describe("touchLastLogin", () => {
  const INTERVAL = 60_000;

  it("makes no call for a login exactly one interval after the last (a second's resolution: not yet due)", async () => {
    const user = await unboundUser();
    const last = { ...user, last_login_time: glideDateTime(START_MS - INTERVAL) };
    await expect(directory.touchLastLogin(last, INTERVAL)).resolves.toBe(false);
    expect(calls).toEqual([]);
    clock.advance(1000);
    await expect(directory.touchLastLogin(last, INTERVAL)).resolves.toBe(true);
    expect(calls).toEqual([`UpdateItemCommand ${user.sys_id}`]);
  });

  it("reports a failed write as a StoreError", async () => {
    const user = await unboundUser();
    at({ command: "UpdateItemCommand", fail: true });
    await expect(directory.touchLastLogin(user, INTERVAL)).rejects.toBeInstanceOf(StoreError);
  });
});
