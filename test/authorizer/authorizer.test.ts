// The authorizer end to end against dynalite and a loopback OpenID provider: allow, and each way to deny.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  createAuthorizerFixture,
  expectAllowedAs,
  loggedText,
  methodArnFor,
  putProperty,
  putProvider,
  putRouteRule,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { routeKey } from "../../functions/config/schema";
import type { UserRecord, UserStore } from "../../functions/users/store";
import { authorizeEvent } from "../../functions/authorizer/authorize-event";
import type { UserProvisioner } from "../../functions/authorizer/authenticate";
import { DynamoReplayStore } from "../../functions/authorizer/replay-store";
import { AUTH_REASON_CODES, type AuthReasonCode } from "../../functions/shared/errors";

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
        Resource: ["arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/v1/*/*"],
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

    const logged = JSON.stringify(fixture.decisions) + loggedText(fixture.logger.lines);
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
        "Auth Route GET /api/now/table/incident allowed for the token",
        "Auth User found by the token's identity (iss + sub): 'alice'",
        "Auth HTTP authorization validated user 'alice'",
        "Auth Route GET /api/now/table/incident allowed for the user's roles",
      ]);
    } finally {
      await putProperty(dynamo, "glide.auth.debug.enabled", "false");
    }
  });
});

describe("the log, with a debug switch on, for every reason to deny", () => {
  // A stack of its own: its providers and the debug switch touch no other test's config.
  let stack: TestDynamo;
  let idp: TestIssuer; // "main": users by email, one-time use on
  let rotated: TestIssuer; // two RSA keys published
  let down: TestIssuer; // answers 503
  let badKeys: TestIssuer; // discovery works, the key set is not JSON
  let ruled: TestIssuer; // a claim rule on name
  let jit: TestIssuer; // provisions with a transform map that cannot make a user
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const nowSec = (): number => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    [stack, idp, rotated, down, badKeys, ruled, jit] = await Promise.all([
      startDynamo(),
      startTestIssuer({ algs: ["RS256", "ES256"] }),
      startTestIssuer({ algs: ["RS256"], clientId: "client-2" }),
      startTestIssuer({ clientId: "client-3" }),
      startTestIssuer({ clientId: "client-4" }),
      startTestIssuer({ clientId: "client-5" }),
      startTestIssuer({ clientId: "client-6" }),
    ]);
    await rotated.rotate();
    down.setDown(true);
    badKeys.setJwksOverride("{not json");
    const provider = (name: string, issuer: TestIssuer, clientId: string) => ({
      name,
      metadataUrl: issuer.metadataUrl,
      clientId,
    });
    await Promise.all([
      putProvider(stack, {
        ...provider("main", idp, "client-1"),
        enableJtiVerification: true,
        allowedAlgorithms: ["RS256", "ES256"],
      }),
      putProvider(stack, provider("rotated", rotated, "client-2")),
      putProvider(stack, provider("down", down, "client-3")),
      putProvider(stack, provider("bad-keys", badKeys, "client-4")),
      putProvider(stack, {
        ...provider("ruled", ruled, "client-5"),
        claimValidations: [{ claim: "name", operator: "equals", value: "Alice Example" }],
      }),
      // Of main's issuer: access tokens for an API, from one client; ID tokens limited to one scripted API.
      putProvider(stack, {
        name: "orders-api",
        metadataUrl: idp.metadataUrl,
        tokenType: "access",
        accessToken: { audience: "api://orders", clientIds: ["svc-1"] },
      }),
      putProvider(stack, { ...provider("partner", idp, "client-partner"), allowedRoutes: [{ api: "x_oidc/auth" }] }),
      putRouteRule(stack, {
        name: "orders-scope",
        routes: [{ path: "/api/now/table/u_order" }],
        requires: { scopes: ["orders.read"] },
      }),
      putRouteRule(stack, {
        name: "ops-only",
        routes: [{ path: "/api/now/table/change_request" }],
        requires: { claims: [{ claim: "department", operator: "equals", value: "ops" }] },
      }),
      // Written past the CLI's validation (no requirements): its route is closed to everyone.
      stack.doc.send(
        new PutCommand({
          TableName: stack.tables.config,
          Item: { pk: routeKey("broken"), name: "broken", routes: [{ path: "/api/now/table/problem" }], requires: {} },
        }),
      ),
      putUser(stack, { user_name: "robot", email: "robot@example.com", web_service_access_only: true }),
      putProvider(stack, {
        ...provider("jit", jit, "client-6"),
        autoProvision: { enabled: true, transformMap: { user_name: "nickname", email: "email" } },
      }),
      putProperty(stack, "glide.auth.debug.enabled", "true"),
      putUser(stack, { user_name: "alice", email: "alice@example.com" }),
      putUser(stack, { user_name: "inactive", email: "inactive@example.com", active: false }),
      putUser(stack, { user_name: "locked", email: "locked@example.com", locked_out: true }),
      putUser(stack, { user_name: "twin.1", email: "twin@example.com" }),
      putUser(stack, { user_name: "twin.2", email: "TWIN@example.com" }),
      putUser(stack, { user_name: "kate", email: "kate@example.com" }),
      putUser(stack, {
        user_name: "bound",
        email: "bound@example.com",
        oidc_issuer: idp.issuer,
        oidc_subject: "bound-sub",
        oidc_provider: "main",
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([stack?.stop(), ...[idp, rotated, down, badKeys, ruled, jit].map((issuer) => issuer?.close())]);
  });

  interface DenyCase {
    /** The token the caller sends; every case mints a real one, so there are real segments to look for. */
    token(): Promise<string>;
    /** The Authorization header; `Bearer <token>` unless given. */
    header?(token: string): string;
    /** Changes to the authorizer's parts (a failing store, say). */
    rewire?(fixture: AuthorizerFixture): AuthorizerFixture;
    /** The route called; METHOD_ARN (GET /api/now/table/incident) unless given. */
    methodArn?: string;
    /** Calls made with the same token first (a first use, so the next is a replay). */
    before?(fixture: AuthorizerFixture, token: string): Promise<void>;
  }
  const mint = (claims: Record<string, unknown> = {}, opts: Parameters<TestIssuer["mint"]>[1] = {}) =>
    idp.mint({ sub: "alice-sub", email: "alice@example.com", ...claims }, opts);
  const failing = () => Promise.reject(new Error("connection reset"));

  const cases: Record<Exclude<AuthReasonCode, "issuer_mismatch">, DenyCase> = {
    token_missing: { token: () => mint(), header: (token) => `Token ${token}` },
    token_malformed: { token: () => mint(), header: (token) => `Bearer ${token}.${token.split(".")[2]}` },
    token_too_large: { token: () => mint({ padding: "x".repeat(20_000) }) },
    token_type_invalid: { token: () => mint({}, { header: { typ: "at+jwt" } }) },
    alg_not_allowed: {
      token: async () => {
        const header = b64({ alg: "HS256", kid: idp.publicJwks().keys[0]?.["kid"] });
        const payload = b64({ iss: idp.issuer, sub: "alice-sub", aud: "client-1", exp: nowSec() + 60, iat: nowSec() });
        const key = JSON.stringify(idp.publicJwks().keys[0]);
        return `${header}.${payload}.${createHmac("sha256", key).update(`${header}.${payload}`).digest("base64url")}`;
      },
    },
    unknown_issuer: { token: () => mint({ iss: "http://127.0.0.1:1/nobody" }) },
    provider_unavailable: { token: () => down.mint({ email: "alice@example.com" }) },
    kid_missing: { token: () => rotated.mint({ email: "alice@example.com" }, { kid: null }) },
    kid_unknown: { token: () => mint({}, { kid: "no-such-kid" }) },
    jwks_unavailable: { token: () => badKeys.mint({ email: "alice@example.com" }) },
    signature_invalid: { token: () => mint({}, { key: "foreign" }) },
    token_expired: { token: () => mint({ exp: nowSec() - 600, iat: nowSec() - 900 }) },
    token_not_yet_valid: { token: () => mint({ nbf: nowSec() + 600 }) },
    token_issued_in_future: { token: () => mint({ iat: nowSec() + 600, exp: nowSec() + 900 }) },
    audience_mismatch: { token: () => mint({ aud: "someone-else" }) },
    azp_mismatch: { token: () => mint({ azp: "client-9" }) },
    claim_missing: { token: () => mint({ sub: undefined }) },
    claim_invalid: { token: () => mint({ sub: "" }) },
    claim_mismatch: { token: () => ruled.mint({ email: "alice@example.com", name: "Mallory" }) },
    jti_replayed: {
      token: () => mint(),
      before: async (fixture, token) => {
        await fixture.authorize(token);
      },
    },
    user_claim_missing: { token: () => mint({ email: undefined }) },
    user_claim_invalid: { token: () => mint({ sub: "kelvin-sub", email: "\u212Aate@example.com" }) },
    email_unverified: { token: () => mint({ email_verified: false }) },
    identity_conflict: { token: () => mint({ sub: "not-bound-sub", email: "bound@example.com" }) },
    user_not_found: { token: () => mint({ sub: "nobody-sub", email: "nobody@example.com" }) },
    user_ambiguous: { token: () => mint({ sub: "twin-sub", email: "twin@example.com" }) },
    user_inactive: { token: () => mint({ sub: "inactive-sub", email: "inactive@example.com" }) },
    user_locked_out: { token: () => mint({ sub: "locked-sub", email: "locked@example.com" }) },
    provisioning_failed: { token: () => jit.mint({ sub: "new-sub", email: "new@example.com" }) },
    client_not_allowed: {
      token: () =>
        mint({ aud: "api://orders", client_id: "svc-2", scope: "orders.read" }, { header: { typ: "at+jwt" } }),
    },
    caller_kind_mismatch: { token: () => mint({ sub: "robot-sub", email: "robot@example.com" }) },
    route_not_allowed: { token: () => mint({ aud: "client-partner" }) },
    route_role_missing: {
      token: () => mint(),
      methodArn: methodArnFor("POST", "/api/x_oidc/incident_ops/incident/INC0010001/comment"),
    },
    route_scope_missing: { token: () => mint(), methodArn: methodArnFor("GET", "/api/now/table/u_order") },
    route_claim_mismatch: { token: () => mint(), methodArn: methodArnFor("GET", "/api/now/table/change_request") },
    route_rule_invalid: { token: () => mint(), methodArn: methodArnFor("GET", "/api/now/table/problem") },
    config_store_error: {
      token: () => mint(),
      rewire: () => createAuthorizerFixture(stack, { tables: { ...stack.tables, config: "no-such-table" } }),
    },
    replay_store_error: {
      token: () => mint(),
      rewire: (fixture) => {
        Object.assign(fixture.deps, { replayStore: new DynamoReplayStore(stack.doc, "no-such-table") });
        return fixture;
      },
    },
    user_store_error: {
      token: () => mint(),
      rewire: (fixture) => {
        const broken: UserStore = { findBy: failing, findBound: failing, findLinked: failing };
        Object.assign(fixture.deps, { userStore: broken });
        return fixture;
      },
    },
    internal_error: {
      token: () => mint(),
      rewire: (fixture) => {
        const real = fixture.deps.provisioner;
        const buggy: UserProvisioner = {
          provision: (...args) => real.provision(...args),
          bind: (...args) => real.bind(...args),
          onLogin: () => Promise.reject(new TypeError("a bug after the user was found")),
        };
        Object.assign(fixture.deps, { provisioner: buggy });
        return fixture;
      },
    },
  };

  it("has a case for every reason code the authorizer can reach", () => {
    // issuer_mismatch is left out: the provider is chosen by the token's iss, so aws-jwt-verify never sees another.
    expect(Object.keys(cases).sort()).toEqual(AUTH_REASON_CODES.filter((code) => code !== "issuer_mismatch").sort());
  });

  it.each(Object.entries(cases))(
    "%s: no line holds the token, its signature or any of its segments",
    async (reason, denyCase) => {
      const plain = createAuthorizerFixture(stack);
      const fixture = denyCase.rewire?.(plain) ?? plain;
      const token = await denyCase.token();
      await denyCase.before?.(fixture, token);

      await expect(
        fixture.authorize(token, denyCase.header?.(token) ?? `Bearer ${token}`, denyCase.methodArn),
      ).rejects.toThrow(/^Unauthorized$/);

      const decision = fixture.lastDecision();
      expect(decision).toMatchObject({ outcome: "deny", reason });
      const lines = fixture.logger.lines;
      // The real decision line went through the logger, and once a provider matched, the debug steps did too.
      expect(lines.filter((line) => line.message === "authorization decision").at(-1)?.attributes).toEqual([
        { decision },
      ]);
      expect(lines.some((line) => line.message.startsWith("Auth "))).toBe(decision.provider !== undefined);
      const logged = loggedText(lines);
      const segments = token.split(".");
      expect(segments).toHaveLength(3);
      for (const secret of [token, ...segments]) {
        expect(secret.length).toBeGreaterThanOrEqual(16);
        expect(logged).not.toContain(secret);
      }
    },
  );
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
    // The deny is the decision line (internal, so at error level), then one fault line; never an allow.
    expect(fixture.logger.lines.filter((line) => line.level === "error").map((line) => line.message)).toEqual([
      "authorization decision",
      "authorizer fault: the event's methodArn is not an execute-api ARN",
    ]);
    expect(fixture.decisions).toEqual([expect.objectContaining({ outcome: "deny", reason: "internal_error" })]);
  });
});
