// Key sets at the production cache settings (README, Caching and availability: kept 10 min, re-read for an
// unknown kid at most every 10 s), with no test-sized lifetimes: a removed key stops verifying once the set
// is 10 min old, and a flood of unknown kids costs at most one read per 10 s.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { createAuthorizerFixture, putProvider, putUser, type AuthorizerFixture } from "../kit/authorizer-fixture";
import { manualClock } from "../kit/clock";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
const clock = manualClock();
const claims = { email: "alice@example.com" };
/** A token issued now by the manual clock (exp 5 min on), so time-based claims follow the clock. */
const mint = (opts: Parameters<TestIssuer["mint"]>[1] = {}) =>
  issuer.mint(claims, { nowSec: Math.floor(clock.t / 1000), ...opts });

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(() => dynamo?.stop());

beforeEach(async () => {
  issuer = await startTestIssuer({ algs: ["RS256"] });
  await putUser(dynamo, { sys_id: "a1".repeat(16), user_name: "alice", email: "alice@example.com" });
  await putProvider(dynamo, { name: "local", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
  clock.t = Date.now();
  // No providerCache: DEFAULT_PROVIDER_CACHE_OPTIONS, as in Lambda.
  fixture = createAuthorizerFixture(dynamo, { clock });
});

afterEach(() => issuer.close());

describe("a key the provider removed", () => {
  it("still verifies until the key set is 10 min old, and no longer from then on", async () => {
    await fixture.authorize(await mint());
    await issuer.rotate({ dropOld: true });

    clock.advance(10 * 60_000 - 1);
    await expect(fixture.authorize(await mint({ key: "retired" }))).resolves.toBeDefined();
    expect(issuer.requests.jwks).toBe(1);

    clock.advance(1);
    await expect(fixture.authorize(await mint({ key: "retired" }))).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("kid_unknown");
    expect(issuer.requests.jwks).toBe(2);
  });
});

describe("an unknown kid", () => {
  it("re-reads the key set at once after a read that had no miss, then at most once per 10 s", async () => {
    await fixture.authorize(await mint());
    await issuer.rotate();

    // Rotation right after the start-up read: the read was not for a miss, so the new kid is fetched now.
    await expect(fixture.authorize(await mint())).resolves.toBeDefined();
    expect(issuer.requests.jwks).toBe(2);

    await issuer.rotate();
    clock.advance(9_999);
    await expect(fixture.authorize(await mint())).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("kid_unknown");
    expect(issuer.requests.jwks).toBe(2);

    clock.advance(1);
    await expect(fixture.authorize(await mint())).resolves.toBeDefined();
    expect(issuer.requests.jwks).toBe(3);
  });

  it("costs at most one read per 10 s, however many arrive", async () => {
    await fixture.authorize(await mint());
    clock.advance(10_000);
    const bogus = await Promise.all(Array.from({ length: 5 }, (_, i) => mint({ kid: `bogus-${i}` })));

    for (const token of bogus) await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");

    expect(fixture.decisions.filter((d) => d.reason === "kid_unknown")).toHaveLength(5);
    expect(issuer.requests.jwks).toBe(2);
  });
});
