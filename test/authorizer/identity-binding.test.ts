// Who the caller is: a token signs in only the person its iss + sub name (OIDC Core 5.7). Each attack of
// issue 9 as a regression test, against dynalite and real signed tokens from several loopback issuers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { createAuthorizerFixture, putProvider, putUser, type AuthorizerFixture } from "../kit/authorizer-fixture";
import type { ProviderInput } from "../../functions/config/schema";
import { provisionedSysId } from "../../functions/authorizer/provisioning";
import { UserDirectory } from "../../functions/users/directory";
import { toUserItem, type UserRecord } from "../../functions/users/store";
import { systemClock } from "../../functions/shared/clock";

let dynamo: TestDynamo;
let corp: TestIssuer;
let ext: TestIssuer;
let evil: TestIssuer;
let fixture: AuthorizerFixture;

const corpProvider = (): ProviderInput => ({
  name: "corp",
  metadataUrl: corp.metadataUrl,
  clientId: "corp-client",
  userClaim: "email",
  userField: "email",
  autoProvision: { enabled: true, updateOnLogin: true, defaultRoles: ["snc_internal"] },
});
const extProvider = (extra: Partial<ProviderInput> = {}): ProviderInput => ({
  name: "ext",
  metadataUrl: ext.metadataUrl,
  clientId: "ext-client",
  userClaim: "email",
  userField: "email",
  ...extra,
});

beforeAll(async () => {
  [dynamo, corp, ext, evil] = await Promise.all([
    startDynamo(),
    startTestIssuer({ clientId: "corp-client" }),
    startTestIssuer({ clientId: "ext-client" }),
    startTestIssuer({ clientId: "evil-client" }),
  ]);
  await putProvider(dynamo, corpProvider());
  await putProvider(dynamo, extProvider());
  // For describe-level beforeAll hooks, which may run before any test's beforeEach (tests get a fresh one).
  fixture = createAuthorizerFixture(dynamo);
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), corp?.close(), ext?.close(), evil?.close()]);
});
beforeEach(() => {
  fixture = createAuthorizerFixture(dynamo);
});

const userItem = async (sysId: string): Promise<Record<string, unknown> | undefined> =>
  (
    await dynamo.doc.send(
      new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: sysId }, ConsistentRead: true }),
    )
  ).Item;

async function allItems(): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamo.doc.send(
    new ScanCommand({ TableName: dynamo.tables.users, ConsistentRead: true }),
  );
  return Items;
}

async function denied(token: Promise<string>): Promise<string> {
  await expect(fixture.authorize(await token)).rejects.toThrow(/^Unauthorized$/);
  return fixture.lastDecision().reason;
}

async function allowedAs(token: Promise<string>): Promise<string> {
  const result = await fixture.authorize(await token);
  return result.principalId;
}

/** corp provisions a person, then an admin makes them admin. */
async function provisionAtCorp(
  sub: string,
  email: string,
  preferred_username: string,
  roles: string[] = [],
): Promise<string> {
  const sysId = await allowedAs(corp.mint({ sub, email, email_verified: true, preferred_username }));
  if (roles.length > 0) {
    await dynamo.doc.send(
      new UpdateCommand({
        TableName: dynamo.tables.users,
        Key: { sys_id: sysId },
        UpdateExpression: "SET #roles = :roles",
        ExpressionAttributeNames: { "#roles": "roles" },
        ExpressionAttributeValues: { ":roles": roles },
      }),
    );
  }
  return sysId;
}

describe("an email from another provider never signs in as a user bound to corp", () => {
  let adminSysId: string;
  beforeAll(async () => {
    fixture = createAuthorizerFixture(dynamo);
    adminSysId = await provisionAtCorp("corp-admin-sub", "admin@example.com", "corp.admin", ["admin"]);
  });

  it("refuses ext's unverified email (email_verified false)", async () => {
    const reason = await denied(ext.mint({ sub: "x-1", email: "admin@example.com", email_verified: false }));
    expect(reason).toBe("email_unverified");
  });

  it("refuses ext's email without any email_verified claim", async () => {
    expect(await denied(ext.mint({ sub: "x-1", email: "admin@example.com", email_verified: undefined }))).toBe(
      "email_unverified",
    );
  });

  it("refuses ext's verified, upper-cased email of corp's admin: identity_conflict, naming both providers", async () => {
    const reason = await denied(ext.mint({ sub: "x-1", email: "ADMIN@EXAMPLE.COM", email_verified: true }));

    expect(reason).toBe("identity_conflict");
    const conflict = fixture.logger.lines.find((line) => line.message === "identity conflict");
    expect(conflict?.attributes[0]).toMatchObject({ provider: "ext", boundProvider: "corp", userSysId: adminSysId });
    expect(JSON.stringify(fixture.logger.lines)).not.toContain("ADMIN@EXAMPLE.COM");
  });

  it("still lets corp's admin in by iss + sub", async () => {
    expect(
      await allowedAs(corp.mint({ sub: "corp-admin-sub", email: "admin@example.com", email_verified: true })),
    ).toBe(adminSysId);
  });
});

describe("a new hire at corp who is given a former employee's address", () => {
  it("does not sign in as bob, and does not rewrite bob (updateOnLogin on)", async () => {
    const bobSysId = await provisionAtCorp("bob-sub", "bob@corp.example", "bob", ["itil"]);
    const before = await userItem(bobSysId);

    const reason = await denied(
      corp.mint({
        sub: "new-hire-sub",
        email: "bob@corp.example",
        email_verified: true,
        given_name: "Eve",
        preferred_username: "eve",
      }),
    );

    expect(reason).toBe("identity_conflict");
    expect(await userItem(bobSysId)).toEqual(before);
  });
});

describe("an email that only Unicode case folding maps onto an existing address", () => {
  it("refuses \\u212Aate (KELVIN SIGN) instead of signing in as kate", async () => {
    const kate = await putUser(dynamo, { user_name: "kate", email: "kate@corp.example", roles: ["itil"] });

    const reason = await denied(
      corp.mint({ sub: "kelvin-sub", email: "\u212Aate@corp.example", email_verified: true }),
    );

    expect(reason).toBe("user_claim_invalid");
    expect(await userItem(kate.sys_id)).not.toHaveProperty("oidc_subject");
  });
});

describe("a provider whose discovery document claims another provider's issuer", () => {
  beforeAll(async () => {
    evil.setDiscoveryOverride({
      issuer: corp.issuer,
      jwks_uri: evil.jwksUri,
      id_token_signing_alg_values_supported: ["RS256"],
    });
    await putProvider(dynamo, {
      name: "evil",
      metadataUrl: evil.metadataUrl,
      clientId: "evil-client",
      autoProvision: { enabled: true },
    });
  });
  afterAll(async () => {
    await putProvider(dynamo, { name: "evil", metadataUrl: evil.metadataUrl, clientId: "evil-client", active: false });
  });

  it("is not believed: its tokens in corp's name are refused and bob is not handed over", async () => {
    const bobSysId = provisionedSysId(corp.issuer, "bob-sub");
    for (const aud of ["evil-client", "corp-client"]) {
      const token = evil.mint({
        iss: corp.issuer,
        aud,
        sub: "bob-sub",
        email: "bob@corp.example",
        email_verified: true,
      });
      await expect(fixture.authorize(await token)).rejects.toThrow(/^Unauthorized$/);
      expect(fixture.lastDecision().outcome).toBe("deny");
      expect(fixture.lastDecision().userSysId).toBeUndefined();
    }
    expect(fixture.decisions.every((decision) => decision.userSysId !== bobSysId)).toBe(true);
  });

  it("is disabled with a log line that names both issuers, and its own tokens are refused", async () => {
    const reason = await denied(evil.mint({ sub: "e-1", email: "e@evil.example", email_verified: true }));

    expect(reason).toBe("provider_unavailable");
    const line = fixture.logger.lines.find((entry) => entry.message === "provider disabled: discovery issuer mismatch");
    expect(line?.attributes[0]).toMatchObject({
      provider: "evil",
      expectedIssuer: evil.issuer,
      statedIssuer: corp.issuer,
    });
  });
});

describe("two clients of one IdP (same metadata URL, different client ids)", () => {
  let shared: TestIssuer;
  const client = (name: string, clientId: string, extra: Partial<ProviderInput> = {}): ProviderInput => ({
    name,
    metadataUrl: shared.metadataUrl,
    clientId,
    userClaim: "sub",
    userField: "user_name",
    ...extra,
  });
  beforeAll(async () => {
    shared = await startTestIssuer({ clientId: "app-a" });
    await putUser(dynamo, { user_name: "shared-1" });
    await putProvider(dynamo, client("app-a", "app-a"));
    await putProvider(dynamo, client("app-b", "app-b"));
  });
  afterAll(async () => {
    await putProvider(dynamo, client("app-a", "app-a", { active: false }));
    await putProvider(dynamo, client("app-b", "app-b", { active: false }));
    await shared.close();
  });

  it("each gets its own tokens in a warm process, also after the other one is updated", async () => {
    await fixture.authorize(await shared.mint({ sub: "shared-1", aud: "app-a" }));
    expect(fixture.lastDecision().provider).toBe("app-a");

    await fixture.authorize(await shared.mint({ sub: "shared-1", aud: "app-b" }));
    expect(fixture.lastDecision()).toMatchObject({ outcome: "allow", provider: "app-b" });

    await putProvider(dynamo, client("app-a", "app-a", { clockSkewSeconds: 30 }));
    await fixture.authorize(await shared.mint({ sub: "shared-1", aud: "app-b" }));
    expect(fixture.lastDecision()).toMatchObject({ outcome: "allow", provider: "app-b" });
    await fixture.authorize(await shared.mint({ sub: "shared-1", aud: "app-a" }));
    expect(fixture.lastDecision()).toMatchObject({ outcome: "allow", provider: "app-a" });
  });

  it("chooses by azp when aud has several values, and never a provider whose client id is not in aud", async () => {
    await fixture.authorize(await shared.mint({ sub: "shared-1", aud: ["app-a", "app-b"], azp: "app-b" }));
    expect(fixture.lastDecision()).toMatchObject({ outcome: "allow", provider: "app-b" });

    expect(await denied(shared.mint({ sub: "shared-1", aud: "app-c" }))).toBe("audience_mismatch");
  });

  it("does not ask a slow provider of another issuer anything for a healthy provider's first request", async () => {
    const slow = await startTestIssuer({ clientId: "slow-client" });
    try {
      slow.setDelay(5_000);
      await putProvider(dynamo, { name: "slow", metadataUrl: slow.metadataUrl, clientId: "slow-client" });
      const cold = createAuthorizerFixture(dynamo);

      await cold.authorize(await shared.mint({ sub: "shared-1", aud: "app-b" }));

      expect(cold.lastDecision()).toMatchObject({ outcome: "allow", provider: "app-b" });
      expect(slow.requests.discovery).toBe(0);
    } finally {
      await putProvider(dynamo, {
        name: "slow",
        metadataUrl: slow.metadataUrl,
        clientId: "slow-client",
        active: false,
      });
      await slow.close();
    }
  });
});

describe("provisioned user_names that look like another", () => {
  beforeAll(async () => {
    await provisionAtCorp("root-sub", "root@corp.example", "admin", ["admin"]);
  });

  it.each([
    ["a different case", "Admin"],
    ["a Cyrillic letter", "\u0430dmin"],
    ["a zero-width space", "admin\u200b"],
    ["a newline", "ad\nmin"],
    ["a trailing space", "admin "],
  ])("refuses %s, and leaves nothing behind", async (_what, userName) => {
    const before = await allItems();
    const sub = `lookalike-${Buffer.from(userName).toString("hex")}`;

    const reason = await denied(
      corp.mint({ sub, email: `${sub}@corp.example`, email_verified: true, preferred_username: userName }),
    );

    expect(reason).toBe("provisioning_failed");
    expect(await allItems()).toHaveLength(before.length);
  });
});

describe("binding an admin-created user to the first verified identity", () => {
  it("binds once for 50 concurrent first sign-ins of the same identity, all as that user", async () => {
    const dana = await putUser(dynamo, { user_name: "dana", email: "dana@corp.example", sys_mod_count: 0 });
    const tokens = await Promise.all(
      Array.from({ length: 50 }, () =>
        corp.mint({ sub: "dana-sub", email: "dana@corp.example", email_verified: true }),
      ),
    );

    const results = await Promise.allSettled(tokens.map((token) => fixture.authorize(token)));

    expect(results.map((r) => (r.status === "fulfilled" ? r.value.principalId : r.reason))).toEqual(
      Array(50).fill(dana.sys_id),
    );
    const stored = await userItem(dana.sys_id);
    expect(stored).toMatchObject({
      oidc_issuer: corp.issuer,
      oidc_subject: "dana-sub",
      oidc_provider: "corp",
      sys_mod_count: 1,
    });
  });

  it("lets exactly one of two different identities racing for one unbound user win", async () => {
    const erin = await putUser(dynamo, { user_name: "erin", email: "erin@corp.example" });
    const linkFree = extProvider();
    await putProvider(dynamo, linkFree);
    const racers = await Promise.all([
      corp.mint({ sub: "erin-corp", email: "erin@corp.example", email_verified: true }),
      ext.mint({ sub: "erin-ext", email: "erin@corp.example", email_verified: true }),
    ]);

    const results = await Promise.allSettled(racers.map((token) => fixture.authorize(token)));

    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(fixture.decisions.filter((d) => d.reason === "identity_conflict")).toHaveLength(1);
    const stored = await userItem(erin.sys_id);
    const winner = results[0]?.status === "fulfilled" ? "erin-corp" : "erin-ext";
    expect(stored?.["oidc_subject"]).toBe(winner);
  });

  it("binds by the user claim only once: a later token with the same email and another sub is refused", async () => {
    const fay = await putUser(dynamo, { user_name: "fay", email: "fay@corp.example" });
    expect(await allowedAs(corp.mint({ sub: "fay-sub", email: "fay@corp.example", email_verified: true }))).toBe(
      fay.sys_id,
    );

    expect(await denied(corp.mint({ sub: "not-fay", email: "fay@corp.example", email_verified: true }))).toBe(
      "identity_conflict",
    );
    // And the bound identity keeps working when its email changes at the provider.
    expect(await allowedAs(corp.mint({ sub: "fay-sub", email: "fay.new@corp.example", email_verified: true }))).toBe(
      fay.sys_id,
    );
  });
});

describe("a derived sys_id that is taken by another identity", () => {
  it("is refused (identity_conflict) and gives back every uniqueness guard it claimed", async () => {
    const sysId = provisionedSysId(corp.issuer, "collide-sub");
    await putUser(dynamo, {
      sys_id: sysId,
      user_name: "someone.else",
      oidc_issuer: ext.issuer,
      oidc_subject: "ext-someone",
      oidc_provider: "ext",
    });
    const before = await allItems();

    const reason = await denied(
      corp.mint({
        sub: "collide-sub",
        email: "collide@corp.example",
        email_verified: true,
        preferred_username: "collide",
      }),
    );

    expect(reason).toBe("identity_conflict");
    expect(await allItems()).toEqual(expect.arrayContaining(before));
    expect(await allItems()).toHaveLength(before.length);
  });
});

describe("users stored before identity binding", () => {
  it("a provisioned user (issuer and subject, no identity index) keeps signing in by its own identity only", async () => {
    const sysId = provisionedSysId(corp.issuer, "legacy-sub");
    // As the provisioner wrote users before: binding fields, but no identity index attribute.
    const { oidc_identity: _none, ...legacy } = toUserItem({
      sys_id: sysId,
      user_name: "legacy",
      email: "legacy@corp.example",
      active: true,
      locked_out: false,
      roles: [],
      oidc_issuer: corp.issuer,
      oidc_subject: "legacy-sub",
      oidc_provider: "corp",
    });
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tables.users, Item: legacy }));

    expect(await allowedAs(corp.mint({ sub: "legacy-sub", email: "legacy@corp.example", email_verified: true }))).toBe(
      sysId,
    );
    expect(await denied(corp.mint({ sub: "other-sub", email: "legacy@corp.example", email_verified: true }))).toBe(
      "identity_conflict",
    );
    // Now found by identity: an email change at the provider does not lose the user.
    expect(await allowedAs(corp.mint({ sub: "legacy-sub", email: "renamed@corp.example", email_verified: true }))).toBe(
      sysId,
    );
  });
});

describe("unbinding and deliberate linking", () => {
  let directory: UserDirectory;
  let gus: UserRecord;
  beforeAll(async () => {
    directory = new UserDirectory(dynamo.doc, dynamo.tables.users, systemClock);
    gus = await directory.create({ user_name: "gus", email: "gus@corp.example" }, { by: "admin" });
  });

  it("an admin's unbind lets the person's new identity bind, and the old one stops working", async () => {
    expect(await allowedAs(corp.mint({ sub: "gus-old", email: "gus@corp.example", email_verified: true }))).toBe(
      gus.sys_id,
    );

    await directory.unbind(gus.sys_id, { by: "admin" });
    expect(await userItem(gus.sys_id)).not.toHaveProperty("oidc_subject");

    expect(await allowedAs(ext.mint({ sub: "gus-new", email: "gus@corp.example", email_verified: true }))).toBe(
      gus.sys_id,
    );
    expect(await denied(corp.mint({ sub: "gus-old", email: "gus@corp.example", email_verified: true }))).toBe(
      "identity_conflict",
    );
  });

  it("a provider that links to no other never asks the store for linked users (one query less per new identity)", async () => {
    const ida = await directory.create({ user_name: "ida", email: "ida@corp.example" }, { by: "admin" });
    const { userStore } = fixture.deps;
    let linkedLookups = 0;
    Object.assign(fixture.deps, {
      userStore: {
        findBy: (...args: Parameters<typeof userStore.findBy>) => userStore.findBy(...args),
        findBound: (...args: Parameters<typeof userStore.findBound>) => userStore.findBound(...args),
        findLinked: (...args: Parameters<typeof userStore.findLinked>) => {
          linkedLookups++;
          return userStore.findLinked(...args);
        },
      },
    });
    expect(await allowedAs(ext.mint({ sub: "ida-ext", email: "ida@corp.example", email_verified: true }))).toBe(
      ida.sys_id,
    );
    expect(await denied(ext.mint({ sub: "ida-ext-2", email: "ida@corp.example", email_verified: true }))).toBe(
      "identity_conflict",
    );
    expect(linkedLookups).toBe(0);
  });

  it("linking from a trusted provider is off by default, and when on, binds the first identity only", async () => {
    const hal = await provisionAtCorp("hal-corp", "hal@corp.example", "hal");
    expect(await denied(ext.mint({ sub: "hal-ext", email: "hal@corp.example", email_verified: true }))).toBe(
      "identity_conflict",
    );

    await putProvider(dynamo, extProvider({ linkToProviders: ["corp"] }));
    try {
      expect(await allowedAs(ext.mint({ sub: "hal-ext", email: "hal@corp.example", email_verified: true }))).toBe(hal);
      // The link is to that identity: found again without the email, refused for another ext subject.
      expect(await allowedAs(ext.mint({ sub: "hal-ext", email: "hal.other@corp.example", email_verified: true }))).toBe(
        hal,
      );
      expect(await denied(ext.mint({ sub: "hal-ext-2", email: "hal@corp.example", email_verified: true }))).toBe(
        "identity_conflict",
      );
      // Bound to corp still; the link does not move the binding.
      expect(await userItem(hal)).toMatchObject({ oidc_provider: "corp", oidc_subject: "hal-corp" });
    } finally {
      await putProvider(dynamo, extProvider());
    }
    expect(await denied(ext.mint({ sub: "hal-ext", email: "hal@corp.example", email_verified: true }))).toBe(
      "identity_conflict",
    );
  });

  it("a provider that never sends email_verified is accepted only with its switch on", async () => {
    const ivy = await putUser(dynamo, { user_name: "ivy", email: "ivy@corp.example" });
    expect(await denied(ext.mint({ sub: "ivy-ext", email: "ivy@corp.example", email_verified: undefined }))).toBe(
      "email_unverified",
    );

    await putProvider(dynamo, extProvider({ acceptMissingEmailVerified: true }));
    try {
      expect(await allowedAs(ext.mint({ sub: "ivy-ext", email: "ivy@corp.example", email_verified: undefined }))).toBe(
        ivy.sys_id,
      );
      // false is false, switch or not.
      expect(await denied(ext.mint({ sub: "ivy-ext", email: "ivy@corp.example", email_verified: false }))).toBe(
        "email_unverified",
      );
    } finally {
      await putProvider(dynamo, extProvider());
    }
  });
});
