// The verified-token cache (README, Caching and availability: 1000 per provider, on by default): a reused
// token's signature is checked once, so its later calls never look its key up again. Seen here by emptying
// the key set the authorizer holds after the first call: a cached token still passes, any other is refused.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Json } from "aws-jwt-verify/safe-json-parse";
import { DEFAULT_FETCH_POLICY, PolicyJsonFetcher, type JsonFetcher } from "../../functions/authorizer/http";
import { DEFAULT_PROVIDER_CACHE_OPTIONS, type ProviderCacheOptions } from "../../functions/authorizer/provider";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { createAuthorizerFixture, putProvider, putUser, type AuthorizerFixture } from "../kit/authorizer-fixture";

let dynamo: TestDynamo;
let issuer: TestIssuer;
/** The key set document as the authorizer received it (the very object its snapshot keeps). */
let served: { keys: unknown[] } | undefined;
const claims = { email: "alice@example.com" };

const fetcher: JsonFetcher = {
  async fetchJson(url: string): Promise<Json> {
    const document = await new PolicyJsonFetcher({ ...DEFAULT_FETCH_POLICY, allowLoopbackHttp: true }).fetchJson(url);
    if (url === issuer.jwksUri) served = document as { keys: unknown[] };
    return document;
  },
};

/**
 * From now on the authorizer's key set has no keys, and neither has the provider's (a miss re-reads it at
 * once): only a token verified before can pass.
 */
const emptyTheKeySet = (): void => {
  served?.keys.splice(0);
  issuer.setJwksOverride({ keys: [] });
};

const withCache = (verifiedTokens?: number): AuthorizerFixture =>
  createAuthorizerFixture(dynamo, {
    fetcher,
    ...(verifiedTokens !== undefined && {
      providerCache: { ...DEFAULT_PROVIDER_CACHE_OPTIONS, verifiedTokens } satisfies ProviderCacheOptions,
    }),
  });

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(() => dynamo?.stop());

beforeEach(async () => {
  served = undefined;
  issuer = await startTestIssuer({ algs: ["RS256"] });
  await putUser(dynamo, { sys_id: "a1".repeat(16), user_name: "alice", email: "alice@example.com" });
  await putProvider(dynamo, { name: "local", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
});

afterEach(() => issuer.close());

describe("at the default settings", () => {
  it("lets a reused token through without its key, while a new token needs one", async () => {
    const fixture = withCache();
    const reused = await issuer.mint(claims);
    await expect(fixture.authorize(reused)).resolves.toBeDefined();

    emptyTheKeySet();

    await expect(fixture.authorize(reused)).resolves.toBeDefined();
    await expect(fixture.authorize(await issuer.mint(claims))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("kid_unknown");
  });
});

describe("its bound", () => {
  it("forgets the oldest token once it holds as many as configured", async () => {
    const fixture = withCache(2);
    const [first, second, third] = await Promise.all([issuer.mint(claims), issuer.mint(claims), issuer.mint(claims)]);
    for (const token of [first, second, third]) await fixture.authorize(token!);

    emptyTheKeySet();

    await expect(fixture.authorize(second!)).resolves.toBeDefined();
    await expect(fixture.authorize(third!)).resolves.toBeDefined();
    await expect(fixture.authorize(first!)).rejects.toThrow("Unauthorized");
  });

  it("is off at 0: every call checks the signature with a key", async () => {
    const fixture = withCache(0);
    const token = await issuer.mint(claims);
    await fixture.authorize(token);

    emptyTheKeySet();

    await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("kid_unknown");
  });
});
