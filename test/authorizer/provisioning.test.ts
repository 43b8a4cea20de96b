// Just-in-time provisioning through the authorizer, against dynalite and real signed tokens.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  createAuthorizerFixture,
  expectAllowedAs,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import type { ProviderInput } from "../../functions/config/schema";
import { provisionedSysId } from "../../functions/authorizer/provisioning";
import { guardKey, identityKey } from "../../functions/users/store";
import { createTableApiFixture } from "../table-api/fixture";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };

const provider: ProviderInput = {
  name: "jit",
  metadataUrl: "",
  clientId: "client-1",
  userClaim: "email",
  userField: "email",
  autoProvision: {
    enabled: true,
    transformMap: {
      user_name: { claim: ["preferred_username", "email"] },
      email: "email",
      first_name: "given_name",
      last_name: { claim: "family_name", default: "(unknown)" },
      title: { template: "{given_name} {family_name|}" },
      department: "org.department",
      u_groups: "groups",
      u_origin: { value: "okta-import" },
    },
    defaultRoles: ["snc_external"],
    roleMappings: [
      { claim: "groups", value: "itil-agents", roles: ["itil"] },
      { claim: "realm_access.roles", value: "api-admin", roles: ["admin", "itil"] },
    ],
  },
};

const person = (n: number, extra: Record<string, unknown> = {}) => ({
  sub: `sub-${n}`,
  email: `person${n}@example.com`,
  email_verified: true,
  preferred_username: `person${n}`,
  given_name: "Pat",
  family_name: `Number${n}`,
  ...extra,
});

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer()]);
  provider.metadataUrl = issuer.metadataUrl;
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), issuer?.close()]);
});
beforeEach(async () => {
  offsetMs = 0;
  await putProvider(dynamo, provider);
  fixture = createAuthorizerFixture(dynamo, { clock });
});

const userItem = async (sysId: string) =>
  (
    await dynamo.doc.send(
      new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: sysId }, ConsistentRead: true }),
    )
  ).Item;

/** Every item of the users table: users and their uniqueness guards alike, by sys_id. */
async function allItems(): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamo.doc.send(
    new ScanCommand({ TableName: dynamo.tables.users, ConsistentRead: true }),
  );
  return Items.sort((a, b) => String(a["sys_id"]).localeCompare(String(b["sys_id"])));
}

/** Asserts that `act` leaves every item of the users table as it was: no user, no guard, no change. */
async function expectWritesNothing(act: () => Promise<void>): Promise<void> {
  const before = await allItems();
  await act();
  expect(await allItems()).toEqual(before);
}

describe("a new person's first call", () => {
  it("creates the user from the transform map, with default and mapped roles, and lets them in", async () => {
    const claims = person(1, {
      groups: ["itil-agents", "staff"],
      realm_access: { roles: ["api-admin"] },
      org: { department: "IT" },
    });
    const result = await fixture.authorize(await issuer.mint(claims));

    const sysId = provisionedSysId(issuer.issuer, "sub-1");
    expect(result.principalId).toBe(sysId);
    expect(result.context).toMatchObject({ user_name: "person1", roles: "admin,itil,snc_external", provider: "jit" });
    expect(await userItem(sysId)).toMatchObject({
      user_name: "person1",
      email: "person1@example.com",
      first_name: "Pat",
      last_name: "Number1",
      title: "Pat Number1",
      department: "IT",
      u_groups: "itil-agents,staff",
      u_origin: "okta-import",
      active: true,
      locked_out: false,
      roles: ["admin", "itil", "snc_external"],
      source: "oidc:jit",
      oidc_provider: "jit",
      oidc_issuer: issuer.issuer,
      oidc_subject: "sub-1",
      sys_created_by: "oidc.provisioning",
      last_login_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    });
  });

  it("fills defaults for missing claims and falls back along a claim list", async () => {
    const claims = person(2, { preferred_username: undefined, family_name: undefined });
    await fixture.authorize(await issuer.mint(claims));
    expect(await userItem(provisionedSysId(issuer.issuer, "sub-2"))).toMatchObject({
      user_name: "person2@example.com",
      last_name: "(unknown)",
      title: "Pat ",
      roles: ["snc_external"],
    });
  });

  it("creates exactly one user for 50 concurrent first calls, and all 50 are that user", async () => {
    const sysId = provisionedSysId(issuer.issuer, "sub-3");
    const before = new Set((await allItems()).map((stored) => stored["sys_id"]));
    const tokens = await Promise.all(Array.from({ length: 50 }, () => issuer.mint(person(3))));
    const results = await Promise.all(tokens.map((token) => fixture.authorize(token)));

    expect(new Set(results.map((result) => result.principalId))).toEqual(new Set([sysId]));
    // One user and its guards, and nothing else: no second user, no stray guard from a creation that lost.
    const added = (await allItems()).filter((stored) => !before.has(stored["sys_id"]));
    expect(added.map((stored) => stored["sys_id"]).sort()).toEqual(
      [
        sysId,
        guardKey("email", "person3@example.com"),
        guardKey("identity", identityKey({ issuer: issuer.issuer, subject: "sub-3" })),
        guardKey("user_name", "person3"),
      ].sort(),
    );
  });

  it("completes a creation that stopped half-way (guards written, user not)", async () => {
    const sysId = provisionedSysId(issuer.issuer, "sub-4");
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.users,
        Item: { sys_id: "unique#user_name#person4", owner: sysId, claimedAtMs: Date.now() },
      }),
    );
    await expectAllowedAs(fixture, await issuer.mint(person(4)), { sys_id: sysId, user_name: "person4" });
  });
});

describe("safety", () => {
  it("requires email_verified when the user claim is email, and writes nothing", async () => {
    const token = await issuer.mint(person(5, { email_verified: false }));
    await expectWritesNothing(async () => {
      await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
    });
    expect(fixture.lastDecision()).toMatchObject({ reason: "email_unverified" });
  });

  it("takes a missing email_verified as verified only for a provider that never sends it", async () => {
    await expect(fixture.authorize(await issuer.mint(person(6, { email_verified: undefined })))).rejects.toThrow(
      "Unauthorized",
    );
    expect(fixture.lastDecision()).toMatchObject({ reason: "email_unverified" });

    await putProvider(dynamo, { ...provider, acceptMissingEmailVerified: true });
    await expectAllowedAs(fixture, await issuer.mint(person(6, { email_verified: undefined })), {
      sys_id: provisionedSysId(issuer.issuer, "sub-6"),
      user_name: "person6",
    });
  });

  it("gives a user found by another claim an email only when it is verified (requireVerifiedEmail)", async () => {
    const byName = { ...provider, userClaim: "preferred_username", userField: "user_name" as const };
    await putProvider(dynamo, byName);
    const unverified = await issuer.mint(person(61, { email_verified: false }));
    await expectWritesNothing(async () => {
      await expect(fixture.authorize(unverified)).rejects.toThrow("Unauthorized");
    });
    expect(fixture.lastDecision()).toMatchObject({
      reason: "provisioning_failed",
      detail: expect.stringContaining("email_verified"),
    });

    await putProvider(dynamo, { ...byName, autoProvision: { ...provider.autoProvision, requireVerifiedEmail: false } });
    await expect(fixture.authorize(await issuer.mint(person(61, { email_verified: false })))).resolves.toMatchObject({
      context: { user_name: "person61" },
    });
  });

  it("refuses a transform map that produces an invalid user, and writes nothing", async () => {
    await putProvider(dynamo, {
      ...provider,
      autoProvision: { ...provider.autoProvision, transformMap: { user_name: "nickname", email: "email" } },
    });
    const token = await issuer.mint(person(7));
    await expectWritesNothing(async () => {
      await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
    });
    expect(fixture.lastDecision()).toMatchObject({
      reason: "provisioning_failed",
      detail: expect.stringContaining("user_name"),
    });
  });

  it("refuses to create a user whose user_name another user has", async () => {
    await putUser(dynamo, { user_name: "person8", email: "someone-else@example.com" });
    // putUser writes no guard; the directory's guard is what creation checks, so claim it like a real user would.
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.users,
        Item: { sys_id: "unique#user_name#person8", owner: "e".repeat(32), claimedAtMs: Date.now() },
      }),
    );
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.users,
        Item: { sys_id: "e".repeat(32), user_name: "person8", active: true, directory: "sys_user" },
      }),
    );

    await expect(fixture.authorize(await issuer.mint(person(8)))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision()).toMatchObject({
      reason: "provisioning_failed",
      detail: expect.stringContaining("user_name"),
    });
  });

  it.each([
    [
      "an expired token",
      { exp: Math.floor(Date.now() / 1000) - 600, iat: Math.floor(Date.now() / 1000) - 900 },
      "token_expired",
    ],
    ["another audience", { aud: "other-client" }, "audience_mismatch"],
  ])("never provisions from %s", async (_, override, reason) => {
    const token = await issuer.mint({ ...person(9), ...override });
    await expectWritesNothing(async () => {
      await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
    });
    expect(fixture.lastDecision().reason).toBe(reason);
  });

  it("never provisions when a claim rule fails or the token is replayed", async () => {
    const rule = { claim: "groups", operator: "contains" as const, value: "allowed" };
    await putProvider(dynamo, { ...provider, enableJtiVerification: true, claimValidations: [rule] });
    const outsider = await issuer.mint(person(10));
    await expectWritesNothing(async () => {
      await expect(fixture.authorize(outsider)).rejects.toThrow("Unauthorized");
    });
    expect(fixture.lastDecision().reason).toBe("claim_mismatch");

    // A token whose jti is already recorded is a replay even on its first arrival here: no user comes of it.
    const replayed = await issuer.mint(person(10, { groups: ["allowed"], jti: "jti-seen-before" }));
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.jti,
        Item: { pk: `${issuer.issuer}#jti#jti-seen-before`, expiresAt: Math.floor(Date.now() / 1000) + 600 },
      }),
    );
    await expectWritesNothing(async () => {
      await expect(fixture.authorize(replayed)).rejects.toThrow("Unauthorized");
    });
    expect(fixture.lastDecision().reason).toBe("jti_replayed");
  });

  it("does not provision when auto-provisioning is off", async () => {
    await putProvider(dynamo, { ...provider, autoProvision: { ...provider.autoProvision, enabled: false } });
    const token = await issuer.mint(person(11));
    await expectWritesNothing(async () => {
      await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
    });
    expect(fixture.lastDecision().reason).toBe("user_not_found");
  });
});

describe("later logins", () => {
  it("leave the user as the admin keeps it when update-on-login is off", async () => {
    await fixture.authorize(await issuer.mint(person(12, { groups: ["itil-agents"] })));
    const sysId = provisionedSysId(issuer.issuer, "sub-12");
    await fixture.authorize(await issuer.mint(person(12, { given_name: "Patricia", groups: [] })));
    expect(await userItem(sysId)).toMatchObject({
      first_name: "Pat",
      roles: ["itil", "snc_external"],
      sys_mod_count: 0,
    });
  });

  it("refresh mapped fields and claim roles when update-on-login is on, keeping roles the admin added", async () => {
    await putProvider(dynamo, { ...provider, autoProvision: { ...provider.autoProvision, updateOnLogin: true } });
    await fixture.authorize(await issuer.mint(person(13, { groups: ["itil-agents"] })));
    const sysId = provisionedSysId(issuer.issuer, "sub-13");
    await dynamo.doc.send(
      new UpdateCommand({
        TableName: dynamo.tables.users,
        Key: { sys_id: sysId },
        UpdateExpression: "SET #roles = list_append(#roles, :r)",
        ExpressionAttributeNames: { "#roles": "roles" },
        ExpressionAttributeValues: { ":r": ["knowledge_admin"] },
      }),
    );

    const result = await fixture.authorize(await issuer.mint(person(13, { given_name: "Patricia", groups: [] })));

    expect(result.context).toMatchObject({ roles: "knowledge_admin,snc_external" });
    expect(await userItem(sysId)).toMatchObject({
      first_name: "Patricia",
      title: "Patricia Number13",
      sys_mod_count: 1,
    });
  });

  it("write last_login_time at most once an hour", async () => {
    await fixture.authorize(await issuer.mint(person(14)));
    const sysId = provisionedSysId(issuer.issuer, "sub-14");
    const first = (await userItem(sysId))?.["last_login_time"];

    offsetMs = 30 * 60_000;
    await fixture.authorize(await issuer.mint(person(14), { nowSec: Math.floor(clock.nowMs() / 1000) }));
    expect((await userItem(sysId))?.["last_login_time"]).toBe(first);

    offsetMs = 61 * 60_000;
    await fixture.authorize(await issuer.mint(person(14), { nowSec: Math.floor(clock.nowMs() / 1000) }));
    expect((await userItem(sysId))?.["last_login_time"]).not.toBe(first);
  });

  it("are ordinary users: listed by the Table API's sys_user, with the token's authorizer context", async () => {
    const authorized = await fixture.authorize(await issuer.mint(person(16)));
    const api = createTableApiFixture(dynamo);

    const listing = await api.call({
      method: "GET",
      path: "/api/now/table/sys_user?sysparm_query=email=person16@example.com",
      caller: { sys_id: "f".repeat(32), user_name: "admin", roles: ["admin"] },
    });
    expect(listing.status).toBe(200);
    expect(listing.body).toMatchObject({
      result: [{ sys_id: authorized.principalId, user_name: "person16", source: "oidc:jit" }],
    });

    // Every signed-in user reads sys_user; roles come from the context: snc_external may not write it.
    const me = await api.call({ method: "GET", path: "/api/now/table/sys_user", authorizerResult: authorized });
    expect(me.status).toBe(200);
    const write = await api.call({
      method: "PATCH",
      path: `/api/now/table/sys_user/${authorized.principalId}`,
      body: { roles: "admin" },
      authorizerResult: authorized,
    });
    expect(write.status).toBe(403);
  });

  it("lock out a provisioned user once an admin deactivates them", async () => {
    await fixture.authorize(await issuer.mint(person(15)));
    await dynamo.doc.send(
      new UpdateCommand({
        TableName: dynamo.tables.users,
        Key: { sys_id: provisionedSysId(issuer.issuer, "sub-15") },
        UpdateExpression: "SET active = :f",
        ExpressionAttributeValues: { ":f": false },
      }),
    );
    await expect(fixture.authorize(await issuer.mint(person(15)))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("user_inactive");
  });
});
