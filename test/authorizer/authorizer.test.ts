// The authorizer end to end against dynalite and a loopback OpenID provider: allow, and each way to deny.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  createAuthorizerFixture,
  expectAllowedAs,
  putProperty,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import type { UserRecord } from "../../functions/users/store";
import { authorizeEvent } from "../../functions/authorizer/authorize-event";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
let alice: UserRecord;

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer()]);
  await putProvider(dynamo, {
    name: "local",
    metadataUrl: issuer.metadataUrl,
    clientId: "client-1",
    userClaim: "email",
    userField: "email",
  });
  alice = await putUser(dynamo, { user_name: "alice", email: "Alice@Example.com", roles: ["itil", "knowledge"] });
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), issuer?.close()]);
});

beforeEach(() => {
  fixture = createAuthorizerFixture(dynamo);
});

const aliceClaims = { sub: "alice-sub", email: "alice@example.com" };

describe("a valid ID token of a known, active user", () => {
  it.each(["RS256", "ES256", "EdDSA"] as const)("is allowed with %s, for the whole API", async (alg) => {
    const token = await issuer.mint(aliceClaims, { alg });

    const result = await fixture.authorize(token);

    expect(result.principalId).toBe(alice.sys_id);
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: "execute-api:Invoke",
        Effect: "Allow",
        Resource: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/v1/*/*",
      },
    ]);
    expect(result.context).toEqual({
      sys_id: alice.sys_id,
      user_name: "alice",
      roles: "itil,knowledge",
      provider: "local",
    });
    expect(fixture.lastDecision()).toMatchObject({ outcome: "allow", reason: "authenticated", alg, provider: "local" });
  });

  it("matches the email case-insensitively", async () => {
    const token = await issuer.mint({ sub: "alice-sub", email: "ALICE@EXAMPLE.COM" });
    await expectAllowedAs(fixture, token, alice);
  });

  it("accepts the Bearer scheme in any case (RFC 6750 2.1)", async () => {
    const token = await issuer.mint(aliceClaims);
    await expect(fixture.authorize(token, `bearer ${token}`)).resolves.toMatchObject({ principalId: alice.sys_id });
  });
});

describe("the decision log", () => {
  it("carries a fingerprint and never the token or its signature", async () => {
    const token = await issuer.mint(aliceClaims);
    await fixture.authorize(token);
    await fixture.authorize(`${token.slice(0, -4)}AAAA`).catch(() => undefined);

    const logged = JSON.stringify([fixture.decisions, fixture.logger.lines]);
    const [header, payload, signature] = token.split(".");
    expect(fixture.decisions[0]?.tokenFingerprint).toMatch(/^[0-9a-f]{12}$/);
    for (const part of [header, payload, signature]) expect(logged).not.toContain(part);
  });

  it("adds step-by-step lines when a debug switch is on, and only then", async () => {
    await fixture.authorize(await issuer.mint(aliceClaims));
    expect(fixture.logger.lines.filter((line) => line.message.startsWith("Auth "))).toHaveLength(0);

    await putProperty(dynamo, "glide.auth.debug.enabled", "true");
    try {
      await fixture.authorize(await issuer.mint(aliceClaims));
      const steps = fixture.logger.lines.filter((line) => line.message.startsWith("Auth ")).map((line) => line.message);
      expect(steps).toEqual([
        "Auth Provider local matched the token's issuer",
        expect.stringMatching(/^Auth JWT info\. key id:.+;algorithmName:RS256$/),
        "Auth JWT token successfully verified for algorithm=RS256",
        "Auth Going to verify claims:[]",
        "Auth All claims are successfully validated.",
        "Auth User found by the token's identity (iss + sub): 'alice'",
        "Auth HTTP authorization validated user 'alice'",
      ]);
    } finally {
      await putProperty(dynamo, "glide.auth.debug.enabled", "false");
    }
  });
});

describe("users", () => {
  it.each([
    ["an unknown user", { sub: "nobody", email: "nobody@example.com" }, "user_not_found"],
    ["a token without the user claim", { email: undefined }, "user_claim_missing"],
    ["a user claim that is not a string", { email: ["alice@example.com"] }, "user_claim_missing"],
  ])("denies %s", async (_, claims, reason) => {
    const token = await issuer.mint(claims);
    await expect(fixture.authorize(token)).rejects.toThrow(/^Unauthorized$/);
    expect(fixture.lastDecision()).toMatchObject({ outcome: "deny", reason, internal: false });
  });

  it("denies an inactive user and a locked-out user", async () => {
    await putUser(dynamo, { user_name: "bob", email: "bob@example.com", active: false });
    await putUser(dynamo, { user_name: "carol", email: "carol@example.com", locked_out: true });

    await expect(fixture.authorize(await issuer.mint({ sub: "bob", email: "bob@example.com" }))).rejects.toThrow(
      "Unauthorized",
    );
    expect(fixture.lastDecision().reason).toBe("user_inactive");
    await expect(fixture.authorize(await issuer.mint({ sub: "carol", email: "carol@example.com" }))).rejects.toThrow(
      "Unauthorized",
    );
    expect(fixture.lastDecision().reason).toBe("user_locked_out");
  });

  it("denies when two users share the looked-up email", async () => {
    await putUser(dynamo, { user_name: "dup1", email: "dup@example.com" });
    await putUser(dynamo, { user_name: "dup2", email: "DUP@example.com" });
    await expect(fixture.authorize(await issuer.mint({ sub: "dup", email: "dup@example.com" }))).rejects.toThrow(
      "Unauthorized",
    );
    expect(fixture.lastDecision().reason).toBe("user_ambiguous");
  });
});

describe("user lookup by other fields", () => {
  let other: TestIssuer;
  beforeAll(async () => {
    other = await startTestIssuer({ clientId: "client-2" });
  });
  afterAll(() => other.close());

  it.each([
    ["user_name", "preferred_username", (u: UserRecord) => u.user_name],
    ["sys_id", "sub", (u: UserRecord) => u.sys_id],
  ] as const)("finds the user by %s from a configured claim", async (userField, userClaim, valueFrom) => {
    const byField = { name: `by-${userField}`, metadataUrl: other.metadataUrl, clientId: "client-2" };
    await putProvider(dynamo, { ...byField, userClaim, userField });
    try {
      const person = await putUser(dynamo, { user_name: `found.by.${userField}` });
      const token = await other.mint({ sub: `${userField}-person`, [userClaim]: valueFrom(person) });
      await expectAllowedAs(fixture, token, person);
      // Looked up exactly, not case-folded, for fields other than email (another person: another sub).
      const wrongCase = await other.mint({ sub: "someone-else", [userClaim]: valueFrom(person).toUpperCase() });
      await expect(fixture.authorize(wrongCase)).rejects.toThrow("Unauthorized");
      expect(fixture.lastDecision().reason).toBe("user_not_found");
    } finally {
      await putProvider(dynamo, { ...byField, active: false });
    }
  });
});

describe("the policy", () => {
  it("is never built from a methodArn that is not an execute-api ARN", async () => {
    const token = await issuer.mint(aliceClaims);
    const event = { type: "TOKEN" as const, authorizationToken: `Bearer ${token}`, methodArn: "arn:aws:s3:::bucket" };

    await expect(authorizeEvent(event, fixture.deps)).rejects.toThrow(/^Unauthorized$/);
    expect(fixture.logger.lines.some((line) => line.level === "error")).toBe(true);
  });
});
