// The uniqueness guards against dynalite: a guard whose owner no longer holds the value is taken over only
// once it is old enough to belong to a creation that died; a live owner keeps it; a store failure is never
// mistaken for "taken" or "free".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../../functions/shared/dynamo";
import { UniquenessGuards } from "../../functions/users/guards";
import { guardKey, identityKey, toUserItem, type UserRecord } from "../../functions/users/store";
import { IdentityConflictError, UserConflictError } from "../../functions/users/errors";
import { StoreError } from "../../functions/shared/errors";
import { localDynamoClient, startDynamo, type TestDynamo } from "../kit/dynamo";

let dynamo: TestDynamo;
let guards: UniquenessGuards;
const NOW = Date.UTC(2026, 0, 1);
const OLD = NOW - 6 * 60_000; // past the 5-minute abandonment window
const RECENT = NOW - 4 * 60_000;

const owner = (n: number) => n.toString(16).padStart(32, "0");
const identity = { issuer: "https://idp.example", subject: "s-1" };

async function putGuard(key: string, ownerSysId: string, claimedAtMs: number): Promise<void> {
  await dynamo.doc.send(
    new PutCommand({ TableName: dynamo.tables.users, Item: { sys_id: key, owner: ownerSysId, claimedAtMs } }),
  );
}
async function putUser(user: UserRecord): Promise<void> {
  await dynamo.doc.send(new PutCommand({ TableName: dynamo.tables.users, Item: toUserItem(user) }));
}
async function guardOwner(key: string): Promise<unknown> {
  const { Item } = await dynamo.doc.send(
    new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: key }, ConsistentRead: true }),
  );
  return Item?.["owner"];
}
const getUser = async (sysId: string): Promise<UserRecord | undefined> => {
  const { Item } = await dynamo.doc.send(
    new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: sysId }, ConsistentRead: true }),
  );
  return Item as UserRecord | undefined;
};

beforeAll(async () => {
  dynamo = await startDynamo();
  guards = new UniquenessGuards(dynamo.doc, dynamo.tables.users, getUser);
});
afterAll(async () => {
  await dynamo?.stop();
});

describe("a guard held by another sys_id", () => {
  it("whose owner never came into being is taken over once old, not before", async () => {
    await putGuard(guardKey("user_name", "nora"), owner(1), RECENT);
    await expect(guards.claimGuard("user_name", "nora", owner(2), NOW)).rejects.toBeInstanceOf(UserConflictError);
    // Exactly five minutes old is not yet abandoned.
    await putGuard(guardKey("user_name", "nora"), owner(1), NOW - 5 * 60_000);
    await expect(guards.claimGuard("user_name", "nora", owner(2), NOW)).rejects.toBeInstanceOf(UserConflictError);
    await putGuard(guardKey("user_name", "nora"), owner(1), OLD);
    await expect(guards.claimGuard("user_name", "nora", owner(2), NOW)).resolves.toBe(true);
    expect(await guardOwner(guardKey("user_name", "nora"))).toBe(owner(2));
  });

  it("whose owner still has the value (case-folded) stays its owner's, however old", async () => {
    await putUser({ sys_id: owner(3), user_name: "Olga", active: true, locked_out: false, roles: [] });
    await putGuard(guardKey("user_name", "olga"), owner(3), OLD);
    await expect(guards.claimGuard("user_name", "OLGA", owner(4), NOW)).rejects.toBeInstanceOf(UserConflictError);
    expect(await guardOwner(guardKey("user_name", "olga"))).toBe(owner(3));
  });

  it("whose owner has another value now is taken over (the owner changed its user_name and crashed)", async () => {
    await putUser({ sys_id: owner(5), user_name: "pia.new", active: true, locked_out: false, roles: [] });
    await putGuard(guardKey("user_name", "pia"), owner(5), OLD);
    await expect(guards.claimGuard("user_name", "pia", owner(6), NOW)).resolves.toBe(true);
  });

  it("for an identity: a bound owner keeps it and the conflict names the owner; an unbound owner loses it", async () => {
    const key = identityKey(identity);
    await putUser({
      sys_id: owner(7),
      user_name: "quinn",
      active: true,
      locked_out: false,
      roles: [],
      oidc_issuer: identity.issuer,
      oidc_subject: identity.subject,
      oidc_provider: "corp",
    });
    await putGuard(guardKey("identity", key), owner(7), OLD);
    const refused = await guards.claimGuard("identity", key, owner(8), NOW).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IdentityConflictError);
    expect((refused as IdentityConflictError).userSysId).toBe(owner(7));

    await putUser({ sys_id: owner(9), user_name: "ray", active: true, locked_out: false, roles: [] });
    const other = identityKey({ issuer: identity.issuer, subject: "s-2" });
    await putGuard(guardKey("identity", other), owner(9), OLD);
    await expect(guards.claimGuard("identity", other, owner(10), NOW)).resolves.toBe(true);
  });
});

describe("a store that fails", () => {
  // A client that cannot connect: every call fails at once, never with a conditional-check failure.
  const broken = () =>
    new UniquenessGuards(createDocumentClient(localDynamoClient("http://127.0.0.1:9")), "users", async () => undefined);

  it("makes a claim fail with a StoreError, not a conflict", async () => {
    await expect(broken().claimGuard("email", "a@b.example", owner(11), NOW)).rejects.toBeInstanceOf(StoreError);
  });

  it("makes a release fail with a StoreError (the caller decides whether to ignore it)", async () => {
    await expect(broken().releaseGuard("email", "a@b.example", owner(11))).rejects.toBeInstanceOf(StoreError);
  });

  it("makes a claim fail with a StoreError when the guard is refused and its owner cannot be read", async () => {
    // Writes reach dynalite; the read of the refused guard fails.
    const client = localDynamoClient(dynamo.endpoint);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetItemCommand") throw new Error("read failed");
        return next(args);
      },
      { step: "initialize" },
    );
    const readless = new UniquenessGuards(createDocumentClient(client), dynamo.tables.users, getUser);
    await putGuard(guardKey("email", "tess@x.example"), owner(14), NOW);
    await expect(readless.claimGuard("email", "tess@x.example", owner(15), NOW)).rejects.toBeInstanceOf(StoreError);
    client.destroy();
  });

  it("releases nothing that another sys_id took over, and says nothing", async () => {
    await putGuard(guardKey("email", "sam@x.example"), owner(12), NOW);
    await expect(guards.releaseGuard("email", "sam@x.example", owner(13))).resolves.toBeUndefined();
    expect(await guardOwner(guardKey("email", "sam@x.example"))).toBe(owner(12));
  });
});
