// A DynamoDB that accepts connections and never answers (README, Caching and availability): every
// authorizer call ends within the decision's store budget with a 401, an internal reason and one decision
// line; a config refresh that hangs does not delay requests served from the last good copy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_CONFIG_ITEMS,
  CONFIG_REFRESH_WAIT_MS,
  DEFAULT_CONFIG_TTL_MS,
  DynamoConfigSource,
} from "../../functions/config/store";
import { STORE_BUDGET_MS } from "../../functions/authorizer/store-budget";
import { AUTHORIZER_CALL_DEADLINE } from "../../functions/shared/dynamo";
import { createAuthorizerFixture, putProvider, putUser, type AuthorizerFixture } from "../kit/authorizer-fixture";
import { manualClock } from "../kit/clock";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { deadlineClient, startFreezableProxy, startSilentEndpoint, type SilentEndpoint } from "../kit/silent-endpoint";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let silent: SilentEndpoint;

beforeAll(async () => {
  [dynamo, issuer, silent] = await Promise.all([startDynamo(), startTestIssuer(), startSilentEndpoint()]);
  await putProvider(dynamo, {
    name: "corp",
    metadataUrl: issuer.metadataUrl,
    clientId: "client-1",
    enableJtiVerification: true,
  });
  await putUser(dynamo, { user_name: "alice", email: "alice@example.com" });
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), issuer?.close(), silent?.stop()]);
});

/** The production deadline against the silent endpoint, with dynalite's table names. */
const silentStore = (): TestDynamo => ({ ...dynamo, doc: deadlineClient(silent.endpoint, AUTHORIZER_CALL_DEADLINE) });

const decisionLines = (fixture: AuthorizerFixture) =>
  fixture.logger.lines.filter((line) => line.message === "authorization decision");

/** Authorizes every token at once; resolves to each call's duration once all have ended. */
async function timedDenials(fixture: AuthorizerFixture, tokens: readonly string[]): Promise<number[]> {
  return Promise.all(
    tokens.map(async (token) => {
      const startedMs = performance.now();
      await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
      return performance.now() - startedMs;
    }),
  );
}

const mintAlice = () => issuer.mint({ sub: "sub-alice", email: "alice@example.com" });

describe("a DynamoDB that never answers", () => {
  it("denies every call within the store budget, internally, one decision line each (config unreadable)", async () => {
    const fixture = createAuthorizerFixture(silentStore(), { storeBudgetMs: STORE_BUDGET_MS });
    const tokens = await Promise.all(Array.from({ length: 5 }, mintAlice));

    const durations = await timedDenials(fixture, tokens);

    for (const ms of durations) expect(ms).toBeLessThan(STORE_BUDGET_MS + 1000);
    expect(fixture.decisions).toHaveLength(5);
    for (const decision of fixture.decisions)
      expect(decision).toMatchObject({ outcome: "deny", reason: "config_store_error", internal: true });
    expect(decisionLines(fixture).map((line) => line.level)).toEqual(Array(5).fill("error"));
    expect(silent.connections()).toBeGreaterThan(0);
  });

  it("denies within the budget when the config is readable but users and jti hang", async () => {
    const fixture = createAuthorizerFixture(silentStore(), {
      configSource: new DynamoConfigSource(dynamo.doc, dynamo.tables.config, () => undefined, ALL_CONFIG_ITEMS),
      storeBudgetMs: STORE_BUDGET_MS,
    });
    const tokens = await Promise.all(Array.from({ length: 5 }, mintAlice));

    const durations = await timedDenials(fixture, tokens);

    for (const ms of durations) expect(ms).toBeLessThan(STORE_BUDGET_MS + 1000);
    for (const decision of fixture.decisions)
      expect(decision).toMatchObject({
        outcome: "deny",
        // The jti write's own deadline, or the budget's, whichever ends first.
        reason: expect.stringMatching(/^(replay|user)_store_error$/),
        internal: true,
        provider: "corp",
      });
    expect(decisionLines(fixture)).toHaveLength(5);
  });

  it("ends each call at the store budget when the client would wait longer", async () => {
    const patient = { connectionTimeoutMs: 10_000, requestTimeoutMs: 10_000, maxAttempts: 1 };
    const fixture = createAuthorizerFixture(
      { ...dynamo, doc: deadlineClient(silent.endpoint, patient) },
      {
        configSource: new DynamoConfigSource(dynamo.doc, dynamo.tables.config, () => undefined, ALL_CONFIG_ITEMS),
        storeBudgetMs: STORE_BUDGET_MS,
      },
    );

    const [ms] = await timedDenials(fixture, [await mintAlice()]);

    expect(ms).toBeGreaterThanOrEqual(STORE_BUDGET_MS - 50);
    expect(ms).toBeLessThan(STORE_BUDGET_MS + 1000);
    expect(fixture.lastDecision()).toMatchObject({ reason: "user_store_error", internal: true });
    expect(fixture.lastDecision().detail).toContain(`${STORE_BUDGET_MS} ms budget`);
    expect(decisionLines(fixture)).toHaveLength(1);
  });

  it("ends each call by the client's own deadline, even with no store budget to stop it", async () => {
    const fixture = createAuthorizerFixture(silentStore(), {
      configSource: new DynamoConfigSource(dynamo.doc, dynamo.tables.config, () => undefined, ALL_CONFIG_ITEMS),
      storeBudgetMs: 60_000,
    });
    const startedMs = performance.now();

    await expect(fixture.authorize(await mintAlice())).rejects.toThrow("Unauthorized");

    // Two attempts of requestTimeoutMs each, plus the SDK's back-off between them.
    const attemptsMs = AUTHORIZER_CALL_DEADLINE.maxAttempts * AUTHORIZER_CALL_DEADLINE.requestTimeoutMs;
    expect(performance.now() - startedMs).toBeLessThan(attemptsMs + 1000);
    expect(fixture.lastDecision()).toMatchObject({ reason: "replay_store_error", internal: true });
    expect(fixture.lastDecision().detail).not.toContain("budget");
  });
});

describe("a config refresh that hangs", () => {
  it("serves requests from the last good copy without waiting for the refresh", async () => {
    const proxy = await startFreezableProxy(dynamo.endpoint);
    try {
      const clock = manualClock(Date.now());
      // Only the config goes through the proxy; users and jti stay on dynalite.
      const fixture = createAuthorizerFixture(dynamo, {
        clock,
        configTtlMs: undefined,
        storeBudgetMs: STORE_BUDGET_MS,
        configSource: new DynamoConfigSource(
          deadlineClient(proxy.endpoint, AUTHORIZER_CALL_DEADLINE),
          dynamo.tables.config,
          () => undefined,
          ALL_CONFIG_ITEMS,
        ),
      });
      const mint = () =>
        issuer.mint({ sub: "sub-alice", email: "alice@example.com" }, { nowSec: Math.floor(clock.nowMs() / 1000) });
      await fixture.authorize(await mint());

      proxy.freeze();
      clock.advance(DEFAULT_CONFIG_TTL_MS);
      const durations: number[] = [];
      for (let i = 0; i < 5; i++) {
        const startedMs = performance.now();
        const result = await fixture.authorize(await mint());
        durations.push(performance.now() - startedMs);
        expect(result.context).toMatchObject({ user_name: "alice", provider: "corp" });
      }

      // The first request waits for the refresh at most CONFIG_REFRESH_WAIT_MS; the others not at all.
      expect(durations[0]).toBeLessThan(CONFIG_REFRESH_WAIT_MS + 300);
      for (const ms of durations.slice(1)) expect(ms).toBeLessThan(CONFIG_REFRESH_WAIT_MS);
      expect(fixture.decisions.slice(1).map((decision) => decision.reason)).toEqual(Array(5).fill("authenticated"));
      expect(fixture.logger.lines.some((line) => line.message.startsWith("config table unreadable"))).toBe(true);
    } finally {
      await proxy.stop();
    }
  });
});
