// A failed key-set or discovery read is visible (one warning per failed read, a kid it kept us from
// checking is jwks_unavailable and internal), and every decision line carries the token's alg, kid and
// provider, each unverified value cut to a size fit for a log line.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  createAuthorizerFixture,
  expectAllowedAs,
  loggedText,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import type { ProviderCacheOptions } from "../../functions/authorizer/provider";
import { DEFAULT_FETCH_POLICY } from "../../functions/authorizer/http";
import { MAX_LOGGED_VALUE_LENGTH } from "../../functions/authorizer/decision-log";
import { MAX_TOKEN_LENGTH } from "../../functions/authorizer/token";
import { manualClock } from "../kit/clock";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
const clock = manualClock(Date.now());
const claims = { email: "alice@example.com" };
const alice = { sys_id: "a2".repeat(16), user_name: "alice" };

const providerCache: ProviderCacheOptions = {
  discovery: { maxAgeMs: 60_000, minIntervalMs: 100, backoffBaseMs: 300, backoffMaxMs: 1_000 },
  keys: { maxAgeMs: 400, minIntervalMs: 150, backoffBaseMs: 300, backoffMaxMs: 1_000 },
  verifiedTokens: 1_000,
};

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
const warnings = (message: string) =>
  fixture.logger.lines.filter((line) => line.level === "warn" && line.message === message);

beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(() => dynamo?.stop());

beforeEach(async () => {
  issuer = await startTestIssuer({ algs: ["RS256"] });
  await putUser(dynamo, { ...alice, email: "alice@example.com" });
  await putProvider(dynamo, { name: "local", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
  clock.t = Date.now();
  fixture = createAuthorizerFixture(dynamo, {
    providerCache,
    clock,
    fetchPolicy: { allowLoopbackHttp: true, timeoutMs: DEFAULT_FETCH_POLICY.timeoutMs },
  });
});
afterEach(() => issuer.close());

describe("a failed key-set read", () => {
  it("is one warning naming provider, URL, status and next attempt, and the kid it kept unchecked is jwks_unavailable, internal", async () => {
    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
    await issuer.rotate();
    issuer.setDown(true);

    await expect(fixture.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");

    expect(fixture.lastDecision()).toMatchObject({ reason: "jwks_unavailable", internal: true, provider: "local" });
    const [warning, ...more] = warnings("provider key set read failed");
    expect(more).toEqual([]);
    expect(warning?.attributes[0]).toMatchObject({
      provider: "local",
      url: issuer.jwksUri,
      status: 503,
      nextAttemptAt: new Date(clock.t + providerCache.keys.backoffBaseMs).toISOString(),
    });
    expect(issuer.requests.jwks).toBe(2);

    // In back-off: no read, no new warning, and still not a forgery.
    await expect(fixture.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision()).toMatchObject({ reason: "jwks_unavailable", internal: true });
    expect(warnings("provider key set read failed")).toHaveLength(1);
    expect(issuer.requests.jwks).toBe(2);
  });

  it("on expiry is one warning too, while the last good set keeps verifying a kid it has", async () => {
    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
    issuer.setDown(true);
    clock.advance(450);

    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
    expect(warnings("provider key set read failed")).toHaveLength(1);
  });

  it("of discovery is one warning naming the metadata URL", async () => {
    issuer.setDown(true);
    await expect(fixture.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision()).toMatchObject({ reason: "provider_unavailable", internal: true });
    const [warning, ...more] = warnings("provider discovery read failed");
    expect(more).toEqual([]);
    expect(warning?.attributes[0]).toMatchObject({ provider: "local", url: issuer.metadataUrl, status: 503 });
  });

  it("is not blamed for a kid the provider never published while it is up", async () => {
    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
    await expect(fixture.authorize(await issuer.mint(claims, { kid: "never-published" }))).rejects.toThrow(
      "Unauthorized",
    );
    expect(fixture.lastDecision()).toMatchObject({ reason: "kid_unknown", internal: false });
    expect(warnings("provider key set read failed")).toEqual([]);
  });
});

describe("decision lines", () => {
  it("carry alg and kid for alg_not_allowed and token_type_invalid, and the provider once it is chosen", async () => {
    const hs = `${b64({ alg: "HS256", kid: "k1" })}.${b64({ iss: issuer.issuer, aud: "client-1" })}.AAAA`;
    await expect(fixture.authorize(hs)).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision()).toMatchObject({ reason: "alg_not_allowed", alg: "HS256", kid: "k1" });

    await putProvider(dynamo, {
      name: "local",
      metadataUrl: issuer.metadataUrl,
      clientId: "client-1",
      allowedAlgorithms: ["ES256"],
    });
    await expect(fixture.authorize(await issuer.mint(claims, { kid: "k2" }))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision()).toMatchObject({
      reason: "alg_not_allowed",
      alg: "RS256",
      kid: "k2",
      provider: "local",
    });

    await putProvider(dynamo, { name: "local", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
    const typed = await issuer.mint(claims, { kid: "k3", header: { typ: "at+jwt" } });
    await expect(fixture.authorize(typed)).rejects.toThrow("Unauthorized");
    // typ is checked with the alg, before the config is read: no provider is known yet, and none is named.
    expect(fixture.lastDecision()).toMatchObject({ reason: "token_type_invalid", alg: "RS256", kid: "k3" });
  });

  it("never log more than the first characters of a huge unverified kid, alg or typ", async () => {
    const filler = (mark: string, length: number) => `${mark}${"x".repeat(length)}`;
    const hugeKid = filler("KID", 11_000);
    const kidToken = await issuer.mint(claims, { kid: hugeKid });
    expect(kidToken.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    await expect(fixture.authorize(kidToken)).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("kid_unknown");

    const hugeAlg = filler("ALG", 11_000);
    await expect(fixture.authorize(`${b64({ alg: hugeAlg })}.${b64({ iss: issuer.issuer })}.AAAA`)).rejects.toThrow(
      "Unauthorized",
    );
    expect(fixture.lastDecision().reason).toBe("alg_not_allowed");

    const hugeTyp = filler("TYP", 11_000);
    await expect(fixture.authorize(await issuer.mint(claims, { header: { typ: hugeTyp } }))).rejects.toThrow(
      "Unauthorized",
    );
    expect(fixture.lastDecision().reason).toBe("token_type_invalid");

    const text = loggedText(fixture.logger.lines);
    for (const huge of [hugeKid, hugeAlg, hugeTyp]) {
      expect(text).toContain(huge.slice(0, 8));
      expect(text).not.toContain(huge.slice(0, MAX_LOGGED_VALUE_LENGTH + 1));
    }
    expect(text.length).toBeLessThan(8_000);
  });
});
