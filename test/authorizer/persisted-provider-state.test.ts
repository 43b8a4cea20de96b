// Provider state across cold starts (README, Caching and availability): the last good discovery document
// and key set of each provider are kept in the provider-state table, so a new container verifies its
// first token without calling the provider; a stale copy is served while a background read runs; beyond
// maxStaleSeconds an unreachable provider stops verifying; a removed key stops verifying at the next
// successful read, in every container that starts from then on.
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_PROVIDER_CACHE_OPTIONS } from "../../functions/authorizer/provider";
import { DEFAULT_FETCH_POLICY, PolicyJsonFetcher, type JsonFetcher } from "../../functions/authorizer/http";
import { DEFAULT_MAX_STALE_SECONDS } from "../../functions/config/schema";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  createAuthorizerFixture,
  expectAllowedAs,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import { manualClock } from "../kit/clock";

let dynamo: TestDynamo;
let issuer: TestIssuer;
const clock = manualClock();
const claims = { email: "carol@example.com" };
const carol = { sys_id: "c3".repeat(16), user_name: "carol" };
const { keys, discovery } = DEFAULT_PROVIDER_CACHE_OPTIONS;
let containers = 0;

/** A new container: a new authorizer with empty memory, on the same tables (production cache settings). */
const container = (): AuthorizerFixture => {
  containers += 1;
  return createAuthorizerFixture(dynamo, { clock, persistProviderState: true });
};
const mint = (opts: Parameters<TestIssuer["mint"]>[1] = {}) =>
  issuer.mint(claims, { nowSec: Math.floor(clock.t / 1000), ...opts });
const resetCounts = (): void => {
  issuer.requests.discovery = 0;
  issuer.requests.jwks = 0;
};
const stateItem = async () =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tables.providerState, Key: { pk: "acme" } }))).Item;

beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(() => dynamo?.stop());

beforeEach(async () => {
  issuer = await startTestIssuer({ algs: ["RS256"] });
  await putUser(dynamo, { ...carol, email: "carol@example.com" });
  await putProvider(dynamo, { name: "acme", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
  clock.t = Math.ceil(Date.now() / 1000) * 1000;
});
afterEach(() => issuer.close());

describe("a cold container", () => {
  it("verifies its first token with zero provider requests, the provider down", async () => {
    await expectAllowedAs(container(), await mint(), carol);
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });
    issuer.setDown(true);
    resetCounts();

    const cold = container();
    await expectAllowedAs(cold, await mint(), carol);
    await expectAllowedAs(cold, await mint(), carol);
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0 });
    // The copy really checks signatures: a published kid with an unpublished key is refused.
    await expect(cold.authorize(await mint({ key: "foreign" }))).rejects.toThrow("Unauthorized");
    expect(cold.lastDecision().reason).toBe("signature_invalid");
  });

  it("serves a stale copy while one background read runs, and keeps it once the read succeeds", async () => {
    await expectAllowedAs(container(), await mint(), carol);
    clock.advance(keys.maxAgeMs + 1); // the key set is stale, the discovery document is not
    issuer.setDown(true);
    resetCounts();

    const cold = container();
    await expectAllowedAs(cold, await mint(), carol);
    expect(issuer.requests.discovery).toBe(0);
    expect(issuer.requests.jwks).toBeLessThanOrEqual(1);
    await expect.poll(() => issuer.requests.jwks).toBe(1); // the read was made, and failed
    expect(cold.logger.lines.some((line) => line.message === "provider key set read failed")).toBe(true);

    const before = (await stateItem())?.["keysFetchedAtMs"];
    issuer.setDown(false);
    clock.advance(keys.backoffMaxMs);
    await expectAllowedAs(cold, await mint(), carol);
    await expect.poll(async () => (await stateItem())?.["keysFetchedAtMs"]).toBeGreaterThan(before as number);
  });

  it("stops verifying once the copy is older than maxStaleSeconds and the provider cannot be read", async () => {
    expect(DEFAULT_MAX_STALE_SECONDS).toBe(24 * 3600);
    await expectAllowedAs(container(), await mint(), carol);
    issuer.setDown(true);

    clock.advance(DEFAULT_MAX_STALE_SECONDS * 1000 - 1);
    await expectAllowedAs(container(), await mint(), carol);

    clock.advance(1);
    const late = container();
    await expect(late.authorize(await mint())).rejects.toThrow("Unauthorized");
    expect(late.lastDecision()).toMatchObject({ reason: "provider_unavailable", internal: true });
    expect(late.lastDecision().detail).toContain("maxStaleSeconds");
  });

  it("stops trusting a removed key at the next successful read, and so does every later container", async () => {
    const warm = container();
    await expectAllowedAs(warm, await mint(), carol);
    await issuer.rotate({ dropOld: true });
    clock.advance(keys.maxAgeMs);

    await expect(warm.authorize(await mint({ key: "retired" }))).rejects.toThrow("Unauthorized");
    expect(warm.lastDecision().reason).toBe("kid_unknown");
    issuer.setDown(true);
    resetCounts();

    const cold = container();
    await expect(cold.authorize(await mint({ key: "retired" }))).rejects.toThrow("Unauthorized");
    expect(cold.lastDecision().reason).not.toBe("authenticated");
    await expectAllowedAs(cold, await mint(), carol);
    expect(issuer.requests.discovery).toBe(0);
  });
});

describe("a persisted copy is untrusted input", () => {
  it("is not used for another metadata URL", async () => {
    await expectAllowedAs(container(), await mint(), carol);
    const other = await startTestIssuer({ algs: ["RS256"] });
    try {
      const dave = await putUser(dynamo, { user_name: "dave", email: "dave@example.com" });
      await putProvider(dynamo, { name: "acme", metadataUrl: other.metadataUrl, clientId: "client-1" });
      issuer.setDown(true);
      const cold = container();
      const token = await other.mint(
        { sub: "dave", email: "dave@example.com" },
        { nowSec: Math.floor(clock.t / 1000) },
      );

      await expectAllowedAs(cold, token, dave);
      expect(other.requests).toEqual({ discovery: 1, jwks: 1 });
      expect((await stateItem())?.["discoveryUrl"]).toBe(other.metadataUrl);
    } finally {
      await other.close();
    }
  });

  it("is ignored, and the provider read instead, when its document states another issuer or its key set is not a JWKS", async () => {
    await expectAllowedAs(container(), await mint(), carol);
    const item = (await stateItem()) as Record<string, unknown>;
    for (const tampered of [
      { discoveryJson: JSON.stringify({ issuer: "https://evil.example", jwks_uri: issuer.jwksUri }) },
      { keysJson: "{not json" },
      { keysJson: JSON.stringify({ keys: [{ kty: "oct", k: "c2VjcmV0" }] }) },
    ]) {
      await dynamo.doc.send(new PutCommand({ TableName: dynamo.tables.providerState, Item: { ...item, ...tampered } }));
      resetCounts();
      const cold = container();
      await expectAllowedAs(cold, await mint(), carol);
      expect(issuer.requests.discovery + issuer.requests.jwks).toBeGreaterThan(0);
    }
    expect(containers).toBeGreaterThan(3);
    expect(discovery.maxAgeMs).toBeGreaterThan(keys.maxAgeMs);
  });
});

describe("what is persisted with each document", () => {
  it("keeps the ETag and Cache-Control the provider served, and nothing when it served none", async () => {
    const plain = new PolicyJsonFetcher({ ...DEFAULT_FETCH_POLICY, allowLoopbackHttp: true });
    const tagged: JsonFetcher = {
      fetchJson: (url) => plain.fetchJson(url),
      fetchWithHeaders: async (url) => ({
        ...(await plain.fetchWithHeaders(url)),
        etag: url.endsWith("/keys") ? '"k-1"' : '"d-1"',
        cacheControl: "max-age=300",
      }),
    };
    await expectAllowedAs(
      createAuthorizerFixture(dynamo, { clock, persistProviderState: true, fetcher: tagged }),
      await mint(),
      carol,
    );
    expect(await stateItem()).toMatchObject({
      discoveryEtag: '"d-1"',
      discoveryCacheControl: "max-age=300",
      keysEtag: '"k-1"',
      keysCacheControl: "max-age=300",
    });

    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tables.providerState, Item: { pk: "acme" } }));
    await expectAllowedAs(container(), await mint(), carol);
    const untagged = await stateItem();
    expect(untagged).toHaveProperty("discoveryFetchedAtMs");
    expect(untagged).not.toHaveProperty("discoveryEtag");
    expect(untagged).not.toHaveProperty("keysCacheControl");
  });
});
