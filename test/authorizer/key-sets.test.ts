// Discovery and key sets across invocations: rotation, rate-limited refetch, periodic refresh, outages.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  createAuthorizerFixture,
  expectAllowedAs,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import type { ProviderCacheOptions } from "../../functions/authorizer/provider";
import { DecomposedJwtVerifier } from "../../functions/authorizer/verifier";
import { manualClock } from "../kit/clock";
import { DEFAULT_FETCH_POLICY } from "../../functions/authorizer/http";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
const clock = manualClock(Date.now());
const advance = (ms: number): void => clock.advance(ms);
const claims = { email: "alice@example.com" };

// Short lifetimes so refresh and back-off happen within a test; the logic is the same at production values.
// Time is a manual clock the tests move, so nothing depends on how fast the machine is.
const providerCache: ProviderCacheOptions = {
  discovery: { maxAgeMs: 60_000, minIntervalMs: 100, backoffBaseMs: 300, backoffMaxMs: 1_000 },
  keys: { maxAgeMs: 400, minIntervalMs: 150, backoffBaseMs: 300, backoffMaxMs: 1_000 },
  verifiedTokens: 1_000,
};

const ALICE_SYS_ID = "a1".repeat(16);
const alice = { sys_id: ALICE_SYS_ID, user_name: "alice" };

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(() => dynamo?.stop());

beforeEach(async () => {
  issuer = await startTestIssuer({ algs: ["RS256"] });
  // Each test's issuer is a new one (a new port): alice starts unbound, so its identity binds her anew.
  await putUser(dynamo, { sys_id: ALICE_SYS_ID, user_name: "alice", email: "alice@example.com" });
  await putProvider(dynamo, { name: "local", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
  clock.t = Date.now();
  fixture = createAuthorizerFixture(dynamo, {
    providerCache,
    clock,
    // The production timeout: a loaded machine must not turn a healthy fetch into a time-out.
    fetchPolicy: { allowLoopbackHttp: true, timeoutMs: DEFAULT_FETCH_POLICY.timeoutMs },
  });
});

afterEach(() => issuer.close());

describe("caching", () => {
  it("fetches discovery and keys once for many requests", async () => {
    for (let i = 0; i < 5; i++) await fixture.authorize(await issuer.mint(claims));
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });
  });
});

describe("the verified-token cache", () => {
  it("checks a reused token's signature once, and its expiry on every call", async () => {
    // Counts the real verifier's signature checks (the spy calls through); keys stay fresh for the whole test,
    // so only the verified-token cache can spare a check.
    const signatureChecks = vi.spyOn(DecomposedJwtVerifier.prototype, "verifyDecomposed");
    try {
      let offsetMs = 0;
      const clock = { nowMs: () => Date.now() + offsetMs };
      const keepKeys = { ...providerCache, keys: { ...providerCache.keys, maxAgeMs: 3_600_000 } };
      const timed = createAuthorizerFixture(dynamo, { providerCache: keepKeys, clock });
      const token = await issuer.mint({ ...claims, exp: Math.floor(Date.now() / 1000) + 120 });

      await expectAllowedAs(timed, token, alice);
      expect(signatureChecks).toHaveBeenCalledTimes(1);
      await expectAllowedAs(timed, token, alice);
      await expectAllowedAs(timed, token, alice);
      expect(signatureChecks).toHaveBeenCalledTimes(1);

      offsetMs = 200_000; // past exp + skew by our clock
      await expect(timed.authorize(token)).rejects.toThrow("Unauthorized");
      expect(timed.lastDecision().reason).toBe("token_expired");
      expect(signatureChecks).toHaveBeenCalledTimes(1);

      // Another token is another check: the count is of signatures, not of calls that happen to be cached.
      offsetMs = 0;
      await expectAllowedAs(timed, await issuer.mint(claims), alice);
      expect(signatureChecks).toHaveBeenCalledTimes(2);
    } finally {
      signatureChecks.mockRestore();
    }
  });

  it("forgets a verification once the key set is refreshed without the key", async () => {
    const token = await issuer.mint(claims);
    await expectAllowedAs(fixture, token, alice);
    await issuer.rotate({ dropOld: true });
    advance(450);

    await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("kid_unknown");
  });

  it("never lets a tampered copy of a verified token ride on its cache entry", async () => {
    const token = await issuer.mint(claims);
    await fixture.authorize(token);
    const tampered = `${token.slice(0, -2)}${token.endsWith("A") ? "BB" : "AA"}`;
    await expect(fixture.authorize(tampered)).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("signature_invalid");
  });
});

describe("key rotation", () => {
  it("accepts a token from a newly rotated key without a redeploy (refetch on unknown kid)", async () => {
    await fixture.authorize(await issuer.mint(claims));
    await issuer.rotate();
    advance(200); // past the minimum interval between key-set reads

    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
    expect(issuer.requests.jwks).toBe(2);
  });

  it("accepts a key rotated right after a fetch: the fetch that had no miss does not hold the refetch back", async () => {
    await fixture.authorize(await issuer.mint(claims));
    await issuer.rotate();

    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
    expect(issuer.requests.jwks).toBe(2);
  });

  it("refetches for a miss at most once per interval after a fetch that was itself for a miss", async () => {
    await fixture.authorize(await issuer.mint(claims));
    await issuer.rotate();
    await expectAllowedAs(fixture, await issuer.mint(claims), alice); // a refetch for a miss
    await issuer.rotate();

    await expect(fixture.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision()).toMatchObject({ reason: "kid_unknown", internal: false });
    expect(issuer.requests.jwks).toBe(2);

    advance(150);
    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
    expect(issuer.requests.jwks).toBe(3);
  });

  it("shares one refetch among 30 distinct unknown kids arriving at once, right after a fetch", async () => {
    await fixture.authorize(await issuer.mint(claims));
    const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => issuer.mint(claims, { kid: `bogus-${i}` })));

    await Promise.allSettled(tokens.map((token) => fixture.authorize(token)));

    expect(issuer.requests.jwks).toBeLessThanOrEqual(2);
    expect(issuer.requests.jwks).toBeGreaterThan(1);
    expect(fixture.decisions.filter((d) => d.reason === "kid_unknown")).toHaveLength(30);
  });

  it("refetches for unknown kids at most once per interval, however many arrive", async () => {
    await fixture.authorize(await issuer.mint(claims));
    advance(200);
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => issuer.mint(claims, { kid: `bogus-${i}` })));

    await Promise.allSettled(tokens.map((token) => fixture.authorize(token)));

    expect(issuer.requests.jwks).toBe(2);
    expect(fixture.decisions.filter((d) => d.reason === "kid_unknown")).toHaveLength(20);
  });

  it("stops trusting a key the provider removed once the key set is refreshed", async () => {
    await fixture.authorize(await issuer.mint(claims));
    await issuer.rotate({ dropOld: true });
    advance(450);

    await expect(fixture.authorize(await issuer.mint(claims, { key: "retired" }))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("kid_unknown");
  });

  it("refuses a kid-less token when several published keys could verify it", async () => {
    await issuer.rotate();
    await expect(fixture.authorize(await issuer.mint(claims, { kid: null }))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("kid_missing");
  });
});

describe("outages", () => {
  it("keeps serving from the last good key set while the provider is down", async () => {
    await fixture.authorize(await issuer.mint(claims));
    issuer.setDown(true);
    advance(450); // the key set is now stale: the refresh fails, the last good set still verifies

    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
    expect(issuer.requests.jwks).toBe(2);
  });

  it("backs off from a provider that is down instead of fetching on every request", async () => {
    issuer.setDown(true);
    for (let i = 0; i < 10; i++) {
      await expect(fixture.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");
    }
    expect(fixture.lastDecision()).toMatchObject({ reason: "provider_unavailable", internal: true });
    expect(issuer.requests.discovery).toBe(1);

    issuer.setDown(false);
    advance(350);
    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
  });

  it("gives up on a slow provider at the fetch timeout instead of waiting for it", async () => {
    // The provider would answer after 15 s; the fetch timeout is 3 s. Far apart, so load cannot blur them.
    issuer.setDelay(15_000);
    const token = await issuer.mint(claims);
    const started = Date.now();
    await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(fixture.lastDecision().reason).toBe("provider_unavailable");
  });

  it("denies with jwks_unavailable when discovery works but the key set does not", async () => {
    issuer.setJwksOverride("{not json");
    await expect(fixture.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision()).toMatchObject({ reason: "jwks_unavailable", internal: true });
  });
});

describe("issuers", () => {
  it("uses a key set only for its own issuer", async () => {
    const other = await startTestIssuer({ algs: ["RS256"], clientId: "client-2" });
    try {
      await putProvider(dynamo, { name: "other", metadataUrl: other.metadataUrl, clientId: "client-2" });
      await expectAllowedAs(fixture, await other.mint({ ...claims, aud: "client-2" }), alice);
      // Signed by the other provider's key, claiming to come from the first provider.
      const token = await other.mint({ ...claims, iss: issuer.issuer, aud: "client-1" });

      await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
      expect(fixture.lastDecision()).toMatchObject({ reason: "kid_unknown", provider: "local" });
    } finally {
      await putProvider(dynamo, { name: "other", metadataUrl: other.metadataUrl, clientId: "client-2", active: false });
      await other.close();
    }
  });

  it("believes a discovery document only for the issuer it was fetched for, or the one the provider pins", async () => {
    const statedIssuer = `${issuer.issuer}/tenant`;
    issuer.setDiscoveryOverride({ issuer: statedIssuer, jwks_uri: issuer.jwksUri });

    // OIDC Discovery 4.3: served at issuer.issuer's well-known URL, the document must state issuer.issuer.
    await expect(fixture.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("provider_unavailable");
    await expect(fixture.authorize(await issuer.mint({ ...claims, iss: statedIssuer }))).rejects.toThrow(
      "Unauthorized",
    );
    expect(fixture.lastDecision().reason).toBe("unknown_issuer");

    // Pinned (as Okta's -admin metadata host needs): the stated issuer counts, and only it.
    await putProvider(dynamo, {
      name: "local",
      metadataUrl: issuer.metadataUrl,
      clientId: "client-1",
      issuer: statedIssuer,
    });
    await expectAllowedAs(fixture, await issuer.mint({ ...claims, iss: statedIssuer }), alice);
    await expect(fixture.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("unknown_issuer");
  });

  it("refuses plain-http providers unless loopback http is allowed (it never is in AWS)", async () => {
    const strict = createAuthorizerFixture(dynamo, { providerCache, clock, fetchPolicy: { allowLoopbackHttp: false } });
    await expect(strict.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");
    expect(strict.lastDecision().reason).toBe("provider_unavailable");
    expect(issuer.requests.discovery).toBe(0);
  });

  it("ignores an inactive provider", async () => {
    await putProvider(dynamo, { name: "local", metadataUrl: issuer.metadataUrl, clientId: "client-1", active: false });
    await expect(fixture.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("unknown_issuer");
  });
});
