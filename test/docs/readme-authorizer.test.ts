// Every number the README promises about the authorizer (its caching table, the token size cap, the
// last_login_time interval), held twice: the README states the constant the code uses, and the running
// authorizer keeps it at the real default values, on the manual clock.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { LAST_LOGIN_INTERVAL_MS } from "../../functions/authorizer/provisioning";
import { DEFAULT_FETCH_POLICY, PolicyJsonFetcher } from "../../functions/authorizer/http";
import { MAX_LOGGED_VALUE_LENGTH } from "../../functions/authorizer/decision-log";
import { DEFAULT_PROVIDER_CACHE_OPTIONS, ProviderRuntime } from "../../functions/authorizer/provider";
import { decomposeToken, MAX_TOKEN_LENGTH, tokenDigest } from "../../functions/authorizer/token";
import { DecomposedJwtVerifier } from "../../functions/authorizer/verifier";
import type { AuthenticatorOptions } from "../../functions/authorizer/create-authenticator";
import { DEFAULT_MAX_STALE_SECONDS, providerSchema, type ProviderInput } from "../../functions/config/schema";
import {
  DEFAULT_CONFIG_MAX_STALE_MS,
  DEFAULT_CONFIG_TTL_MS,
  ALL_CONFIG_ITEMS,
  DynamoConfigSource,
  type ConfigSource,
} from "../../functions/config/store";
import { glideDateTime } from "../../functions/shared/glide-time";
import type { UserRecord } from "../../functions/users/store";
import {
  capturingLogger,
  createAuthorizerFixture,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import { manualClock, type ManualClock } from "../kit/clock";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type MintOptions, type TestIssuer } from "../kit/issuer";
import { durationMs, readmeCell, readmeMatch, readmeSection, readmeText, sizeBytes } from "./readme-text";

const CACHING = readmeSection("## Caching and availability");
const { discovery, keys, verifiedTokens } = DEFAULT_PROVIDER_CACHE_OPTIONS;

let dynamo: TestDynamo;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(() => dynamo?.stop());
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** One person, one loopback issuer, one authorizer, on a manual clock at a whole second (stamps have 1 s resolution). */
interface Scene {
  readonly issuer: TestIssuer;
  readonly clock: ManualClock;
  readonly fixture: AuthorizerFixture;
  readonly user: UserRecord;
  readonly provider: ProviderInput;
  /** A token for the person, issued now by the manual clock. */
  mint(claims?: Record<string, unknown>, opts?: MintOptions): Promise<string>;
}

let people = 0;

/**
 * Each scene has its own issuer (a new port, so a new issuer) and its own user, bound to that issuer's
 * `sub` at the first sign-in. `configTtlMs: undefined` leaves the config TTL at its default, as the
 * Lambda handler does; the provider cache is left at its defaults too.
 */
async function scene(overrides: Partial<AuthenticatorOptions> = {}): Promise<Scene> {
  people += 1;
  // A distinct client id too: should a later issuer get a closed one's port (and so its issuer), the two
  // providers still differ in client id, and neither is disabled as a clash.
  const clientId = `client-${people}`;
  const issuer = await startTestIssuer({ algs: ["RS256"], clientId });
  closers.push(() => issuer.close());
  const name = `person${people}`;
  const user = await putUser(dynamo, { user_name: name, email: `${name}@example.com` });
  const provider = { name: `idp${people}`, metadataUrl: issuer.metadataUrl, clientId };
  await putProvider(dynamo, provider);
  const clock = manualClock(Math.ceil(Date.now() / 1000) * 1000);
  const fixture = createAuthorizerFixture(dynamo, { clock, configTtlMs: undefined, ...overrides });
  return {
    issuer,
    clock,
    fixture,
    user,
    provider,
    mint: (claims = {}, opts = {}) =>
      issuer.mint(
        { sub: `sub-${name}`, email: user.email, ...claims },
        { nowSec: Math.floor(clock.nowMs() / 1000), ...opts },
      ),
  };
}

async function expectAllowedAs(fixture: AuthorizerFixture, token: string, user: UserRecord): Promise<void> {
  const result = await fixture.authorize(token);
  expect(result.principalId).toBe(user.sys_id);
  expect(result.context).toMatchObject({ sys_id: user.sys_id, user_name: user.user_name });
}

async function expectDenied(fixture: AuthorizerFixture, token: string, reason: string): Promise<void> {
  await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
  expect(fixture.lastDecision().reason).toBe(reason);
}

describe("provider reads and persisted state: 3 s deadline, 512 KiB cap, copies kept up to 24 h", () => {
  it("is what the README states", () => {
    const reads = readmeCell(CACHING, "provider reads", "refreshed");
    expect(durationMs(readmeText(/has a (\d+ s) deadline/, reads))).toBe(DEFAULT_FETCH_POLICY.timeoutMs);
    expect(sizeBytes(readmeText(/and a (\d+ KiB) cap/, reads))).toBe(DEFAULT_FETCH_POLICY.maxBytes);
    const kept = readmeCell(CACHING, "last good copies", "kept");
    expect(durationMs(readmeText(/\(default (\d+ h)\)/, kept))).toBe(DEFAULT_MAX_STALE_SECONDS * 1000);
    expect(Number(readmeText(/\| `maxStaleSeconds` \| `(\d+)` \(24 h\)/))).toBe(DEFAULT_MAX_STALE_SECONDS);
    expect(
      providerSchema.parse({
        name: "x",
        metadataUrl: "https://x.example/.well-known/openid-configuration",
        clientId: "c",
      }).maxStaleSeconds,
    ).toBe(DEFAULT_MAX_STALE_SECONDS);
  });
});

describe("log lines: every unverified value cut to 64 characters", () => {
  it("is what the README states", () => {
    expect(Number(readmeText(/is cut to its first (\d+) characters/))).toBe(MAX_LOGGED_VALUE_LENGTH);
    expect(Number(readmeText(/so a 16 KiB `kid` costs the log (\d+)/))).toBe(MAX_LOGGED_VALUE_LENGTH);
    expect(durationMs(readmeText(/reads back off (\d+ s) doubling/))).toBe(keys.backoffBaseMs);
    expect(durationMs(readmeText(/reads back off \d+ s doubling to (\d+ min)/))).toBe(keys.backoffMaxMs);
    expect(discovery.backoffMaxMs).toBe(keys.backoffMaxMs);
  });
});

describe("config table: kept 30 s; if unreadable, the last good copy serves for up to 15 min", () => {
  it("is what the README states, in its caching table, request path and provider section", () => {
    expect(durationMs(readmeCell(CACHING, "config table", "kept"))).toBe(DEFAULT_CONFIG_TTL_MS);
    const refreshed = readmeCell(CACHING, "config table", "refreshed");
    expect(durationMs(readmeText(/the last good copy serves for up to (\d+ min)/, refreshed))).toBe(
      DEFAULT_CONFIG_MAX_STALE_MS,
    );
    expect(durationMs(readmeText(/config table \(cached (\d+ s)\)/))).toBe(DEFAULT_CONFIG_TTL_MS);
    expect(durationMs(readmeText(/Changes apply within (\d+ seconds); no redeploy/))).toBe(DEFAULT_CONFIG_TTL_MS);
    expect(durationMs(readmeText(/a config Scan every (\d+ s)/))).toBe(DEFAULT_CONFIG_TTL_MS);
  });

  it("re-reads the table at 30 s and not before: a provider switched off stays on until then", async () => {
    const { fixture, clock, user, provider, mint } = await scene();
    await expectAllowedAs(fixture, await mint(), user);
    const started = clock.t;
    clock.advance(1_000);
    await putProvider(dynamo, { ...provider, active: false });

    clock.t = started + DEFAULT_CONFIG_TTL_MS - 1;
    await expectAllowedAs(fixture, await mint(), user);

    clock.t = started + DEFAULT_CONFIG_TTL_MS;
    await expectDenied(fixture, await mint(), "unknown_issuer");
  });

  it("serves the last good copy while the table is unreadable, until it is 15 min old, then denies", async () => {
    // The real config table, and a table that does not exist: the same DynamoDB failure an outage gives.
    const table = new DynamoConfigSource(dynamo.doc, dynamo.tables.config, () => undefined, ALL_CONFIG_ITEMS);
    const missing = new DynamoConfigSource(dynamo.doc, "no-such-config-table", () => undefined, ALL_CONFIG_ITEMS);
    let readable = true;
    const configSource: ConfigSource = { load: () => (readable ? table : missing).load() };
    const { fixture, clock, user, mint } = await scene({ configSource });
    await expectAllowedAs(fixture, await mint(), user);
    const loadedAt = clock.t;
    readable = false;

    clock.t = loadedAt + DEFAULT_CONFIG_MAX_STALE_MS - 1;
    await expectAllowedAs(fixture, await mint(), user);
    const warned = fixture.logger.lines.filter(
      (line) => line.message === "config table unreadable, serving the last good config",
    );
    expect(warned.at(-1)?.attributes[0]).toMatchObject({ ageMs: DEFAULT_CONFIG_MAX_STALE_MS - 1 });

    clock.t = loadedAt + DEFAULT_CONFIG_MAX_STALE_MS;
    await expectDenied(fixture, await mint(), "config_store_error");
    expect(fixture.lastDecision().internal).toBe(true);

    readable = true;
    await expectAllowedAs(fixture, await mint(), user);
  });
});

describe("discovery document: kept 1 h; failures back off 1 s doubling to 5 min", () => {
  it("is what the README states", () => {
    expect(durationMs(readmeCell(CACHING, "discovery document", "kept"))).toBe(discovery.maxAgeMs);
    const refreshed = readmeCell(CACHING, "discovery document", "refreshed");
    const [base = "", max = ""] = readmeMatch(/failures back off (\d+ s) doubling to (\d+ min)/, refreshed);
    expect(durationMs(base)).toBe(discovery.backoffBaseMs);
    expect(durationMs(max)).toBe(discovery.backoffMaxMs);
  });

  it("is re-read at 1 h, not a millisecond before", async () => {
    const { fixture, clock, user, issuer, mint } = await scene();
    await expectAllowedAs(fixture, await mint(), user);
    const fetchedAt = clock.t;
    expect(issuer.requests.discovery).toBe(1);

    clock.t = fetchedAt + discovery.maxAgeMs - 1;
    await expectAllowedAs(fixture, await mint(), user);
    expect(issuer.requests.discovery).toBe(1);

    clock.t = fetchedAt + discovery.maxAgeMs;
    await expectAllowedAs(fixture, await mint(), user);
    expect(issuer.requests.discovery).toBe(2);
  });

  it("is retried after 1 s, 2 s, 4 s ... 5 min, 5 min while the provider fails, never sooner", async () => {
    const { fixture, clock, user, issuer, mint } = await scene();
    issuer.setDown(true);
    await expectDenied(fixture, await mint(), "provider_unavailable");
    expect(issuer.requests.discovery).toBe(1);

    // 1 s, 2 s, 4 s ... 256 s, then 5 min for good.
    const waits = [discovery.backoffBaseMs];
    while (waits.at(-1)! < discovery.backoffMaxMs) waits.push(Math.min(waits.at(-1)! * 2, discovery.backoffMaxMs));
    waits.push(discovery.backoffMaxMs);

    for (const [attempt, wait] of waits.entries()) {
      clock.advance(wait - 1);
      await expectDenied(fixture, await mint(), "provider_unavailable");
      expect(issuer.requests.discovery, `${wait - 1} ms after failure ${attempt + 1}`).toBe(attempt + 1);
      clock.advance(1);
      await expectDenied(fixture, await mint(), "provider_unavailable");
      expect(issuer.requests.discovery, `${wait} ms after failure ${attempt + 1}`).toBe(attempt + 2);
    }
    expect(fixture.lastDecision().internal).toBe(true);

    issuer.setDown(false);
    clock.advance(discovery.backoffMaxMs);
    await expectAllowedAs(fixture, await mint(), user);
  });
});

describe("key set: kept 10 min; an unknown kid re-reads it at once, then not again for 10 s; the last good set verifies while the provider is down", () => {
  it("is what the README states", () => {
    expect(durationMs(readmeCell(CACHING, "key set", "kept"))).toBe(keys.maxAgeMs);
    const refreshed = readmeCell(CACHING, "key set", "refreshed");
    expect(durationMs(readmeText(/read for an unknown `kid` in the last (\d+ s)/, refreshed))).toBe(keys.minIntervalMs);
    expect(refreshed).toContain("while the provider is down the last good set keeps verifying");
  });

  it("is re-read at 10 min, not a millisecond before", async () => {
    const { fixture, clock, user, issuer, mint } = await scene();
    await expectAllowedAs(fixture, await mint(), user);
    const fetchedAt = clock.t;
    expect(issuer.requests.jwks).toBe(1);

    clock.t = fetchedAt + keys.maxAgeMs - 1;
    await expectAllowedAs(fixture, await mint(), user);
    expect(issuer.requests.jwks).toBe(1);

    clock.t = fetchedAt + keys.maxAgeMs;
    await expectAllowedAs(fixture, await mint(), user);
    expect(issuer.requests.jwks).toBe(2);
  });

  it("is re-read for an unknown kid at once after a read that was not for one, then not for 10 s, not a millisecond less", async () => {
    const { fixture, clock, user, issuer, mint } = await scene();
    await expectAllowedAs(fixture, await mint(), user);
    await issuer.rotate(); // the provider publishes a new key right after the first read
    clock.advance(1);

    await expectAllowedAs(fixture, await mint(), user);
    const missReadAt = clock.t;
    expect(issuer.requests.jwks).toBe(2);

    await issuer.rotate();
    const rotated = await mint();
    clock.t = missReadAt + keys.minIntervalMs - 1;
    await expectDenied(fixture, rotated, "kid_unknown");
    expect(issuer.requests.jwks).toBe(2);

    clock.t = missReadAt + keys.minIntervalMs;
    await expectAllowedAs(fixture, rotated, user);
    expect(issuer.requests.jwks).toBe(3);

    clock.t = missReadAt + 2 * keys.minIntervalMs - 1;
    await expectDenied(fixture, await mint({}, { kid: "never-published" }), "kid_unknown");
    expect(issuer.requests.jwks).toBe(3);
    clock.t = missReadAt + 2 * keys.minIntervalMs;
    await expectDenied(fixture, await mint({}, { kid: "never-published" }), "kid_unknown");
    expect(issuer.requests.jwks).toBe(4);
  });

  it("keeps verifying new tokens with the last good set while the provider is down, for hours", async () => {
    const { fixture, clock, user, issuer, mint } = await scene();
    await expectAllowedAs(fixture, await mint(), user);
    const fetchedAt = clock.t;
    issuer.setDown(true);

    for (const later of [keys.maxAgeMs, discovery.maxAgeMs, 3 * discovery.maxAgeMs]) {
      clock.t = fetchedAt + later;
      await expectAllowedAs(fixture, await mint(), user);
    }
    expect(issuer.requests.jwks).toBeGreaterThan(1); // it did try to refresh, and failed
    // The kept set really checks signatures: a published kid with an unpublished key is refused.
    await expectDenied(fixture, await mint({}, { key: "foreign" }), "signature_invalid");
  });
});

describe("verified tokens: 1000 per provider; a reused token's signature is checked once", () => {
  it("is what the README states", () => {
    expect(Number(readmeText(/^(\d+) per provider$/, readmeCell(CACHING, "verified tokens", "kept")))).toBe(
      verifiedTokens,
    );
    expect(readmeCell(CACHING, "verified tokens", "refreshed")).toContain("a reused token's signature is checked once");
  });

  it("checks the signature of a token used three times once, and lets the same user in each time", async () => {
    const verifications = vi.spyOn(DecomposedJwtVerifier.prototype, "verifyDecomposed");
    const { fixture, user, mint } = await scene();
    const token = await mint();
    for (let call = 0; call < 3; call++) await expectAllowedAs(fixture, token, user);
    expect(verifications).toHaveBeenCalledTimes(1);

    await expectAllowedAs(fixture, await mint(), user);
    expect(verifications).toHaveBeenCalledTimes(2);
  });

  it("remembers the last 1000 tokens of a provider: the 1001st new one makes it forget the oldest", async () => {
    const issuer = await startTestIssuer({ algs: ["ES256"] });
    closers.push(() => issuer.close());
    const clock = manualClock(Math.ceil(Date.now() / 1000) * 1000);
    const policy = { ...DEFAULT_FETCH_POLICY, allowLoopbackHttp: true };
    const config = providerSchema.parse({ name: "idp", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
    // Default cache options, as the registry builds every provider's runtime.
    const runtime = new ProviderRuntime(config, new PolicyJsonFetcher(policy), policy, clock, capturingLogger());
    const verify = (token: string) => runtime.verify(decomposeToken(token), tokenDigest(token));
    const verifications = vi.spyOn(DecomposedJwtVerifier.prototype, "verifyDecomposed");
    const nowSec = Math.floor(clock.nowMs() / 1000);
    const tokens = await Promise.all(
      Array.from({ length: verifiedTokens + 1 }, (_, i) => issuer.mint({ sub: `sub-${i}` }, { nowSec })),
    );
    const [oldest, newest] = [tokens[0] as string, tokens[verifiedTokens] as string];

    for (const token of tokens.slice(0, verifiedTokens)) await verify(token);
    expect(verifications).toHaveBeenCalledTimes(verifiedTokens);
    expect((await verify(oldest)).payload.sub).toBe("sub-0");
    expect(verifications).toHaveBeenCalledTimes(verifiedTokens); // 1000 remembered: the oldest too

    await verify(newest);
    expect(verifications).toHaveBeenCalledTimes(verifiedTokens + 1);
    expect((await verify(oldest)).payload.sub).toBe("sub-0");
    expect(verifications).toHaveBeenCalledTimes(verifiedTokens + 2); // forgotten, so checked again
  });
});

/**
 * A real token of exactly `length` characters, padded with a claim (and, to reach every length, a
 * header parameter: an unpadded base64url segment is never 1 more than a multiple of 4 long).
 */
async function tokenOfLength(length: number, mint: Scene["mint"]): Promise<string> {
  for (const headerPad of ["", "x", "xx"]) {
    const withPad = (chars: number) => mint({ pad: "p".repeat(chars) }, { header: { x: headerPad } });
    let chars = Math.max(0, Math.floor(((length - (await withPad(0)).length) * 3) / 4) - 3);
    let token = await withPad(chars);
    while (token.length < length) token = await withPad(++chars);
    if (token.length === length) return token;
  }
  throw new Error(`no token of ${length} characters`);
}

describe("token: at most 16 KiB", () => {
  it("is what the README states, in the request path and the reason codes", () => {
    expect(sizeBytes(readmeText(/`Authorization: Bearer <token>`; at most (\d+ KiB)/))).toBe(MAX_TOKEN_LENGTH);
    const meaning = readmeCell(readmeSection("## Reason codes"), "token_too_large", "meaning");
    expect(sizeBytes(readmeText(/^over (\d+ KiB)$/, meaning))).toBe(MAX_TOKEN_LENGTH);
  });

  it("lets a valid token of exactly 16384 characters in, and refuses one of 16385 as token_too_large", async () => {
    const { fixture, user, mint, issuer } = await scene();
    const largest = await tokenOfLength(MAX_TOKEN_LENGTH, mint);
    const tooLarge = await tokenOfLength(MAX_TOKEN_LENGTH + 1, mint);
    expect([largest.length, tooLarge.length]).toEqual([MAX_TOKEN_LENGTH, MAX_TOKEN_LENGTH + 1]);

    await expectAllowedAs(fixture, largest, user);
    const fetches = { ...issuer.requests };
    await expectDenied(fixture, tooLarge, "token_too_large");
    expect(issuer.requests).toEqual(fetches); // refused unread: no fetch
  });
});

describe("last_login_time: at most one write per user per hour", () => {
  it("is what the README states", () => {
    const per = readmeText(/`last_login_time` is kept current with at most one write per user per (hour)/);
    expect(durationMs(`1 ${per}`)).toBe(LAST_LOGIN_INTERVAL_MS);
    // Performance: "... and a `last_login_time` update at most hourly per user".
    const often = readmeText(/a `last_login_time` update at most (hour)ly per user/);
    expect(durationMs(`1 ${often}`)).toBe(LAST_LOGIN_INTERVAL_MS);
  });

  it("records the first sign-in, not the next ones within the hour, and the first one after it", async () => {
    const { fixture, clock, user, mint } = await scene();
    const lastLogin = async () =>
      (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: user.sys_id } }))).Item?.[
        "last_login_time"
      ];
    const first = clock.t;
    await expectAllowedAs(fixture, await mint(), user);
    expect(await lastLogin()).toBe(glideDateTime(first));

    for (const later of [60_000, LAST_LOGIN_INTERVAL_MS - 1]) {
      clock.t = first + later;
      await expectAllowedAs(fixture, await mint(), user);
      expect(await lastLogin()).toBe(glideDateTime(first));
    }

    // Stamps have 1 s resolution: the first sign-in a second past the hour writes.
    clock.t = first + LAST_LOGIN_INTERVAL_MS + 1_000;
    await expectAllowedAs(fixture, await mint(), user);
    expect(await lastLogin()).toBe(glideDateTime(clock.t));
  });
});
