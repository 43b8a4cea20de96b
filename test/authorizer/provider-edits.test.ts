// A provider edited while the authorizer runs: each change (client id, algorithms, one-time use, active)
// applies once the config is re-read, with no restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProviderInput } from "../../functions/config/schema";
import { DEFAULT_CONFIG_TTL_MS } from "../../functions/config/store";
import type { UserRecord } from "../../functions/users/store";
import { createAuthorizerFixture, putProvider, putUser, type AuthorizerFixture } from "../kit/authorizer-fixture";
import { manualClock } from "../kit/clock";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type KeyAlg, type TestIssuer } from "../kit/issuer";

let dynamo: TestDynamo;
let issuer: TestIssuer;

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer({ algs: ["RS256", "ES256"] })]);
});
afterAll(async () => {
  await Promise.all([dynamo?.stop(), issuer?.close()]);
});

describe("a provider edited on a running authorizer", () => {
  it("applies a new client id, a narrower algorithm list, one-time use and deactivation, each in turn", async () => {
    const clock = manualClock(Date.now());
    // The default config TTL, as the Lambda handler has it: each edit applies once the clock is past it.
    const fixture: AuthorizerFixture = createAuthorizerFixture(dynamo, { clock, configTtlMs: undefined });
    let provider: ProviderInput = { name: "corp", metadataUrl: issuer.metadataUrl, clientId: "client-1" };
    await putProvider(dynamo, provider);
    const edit = async (changes: Partial<ProviderInput>) => {
      provider = { ...provider, ...changes };
      await putProvider(dynamo, provider);
      clock.advance(DEFAULT_CONFIG_TTL_MS);
    };
    // Two people, each bound at the first sign-in to their own sub at this issuer.
    const alice = await putUser(dynamo, { user_name: "alice", email: "alice@example.com" });
    const bob = await putUser(dynamo, { user_name: "bob", email: "bob@example.com" });
    const tokenOf = (user: UserRecord, opts: { aud?: string; alg?: KeyAlg } = {}) =>
      issuer.mint(
        { sub: `sub-${user.user_name}`, email: user.email, aud: opts.aud ?? provider.clientId },
        { alg: opts.alg ?? "RS256", nowSec: Math.floor(clock.nowMs() / 1000) },
      );
    const expectAllowedAs = async (token: string, user: UserRecord) => {
      const result = await fixture.authorize(token);
      expect(result.principalId).toBe(user.sys_id);
      expect(result.context).toMatchObject({ sys_id: user.sys_id, user_name: user.user_name, provider: "corp" });
    };
    const expectDenied = async (token: string, reason: string) => {
      await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
      expect(fixture.lastDecision().reason).toBe(reason);
    };

    await expectAllowedAs(await tokenOf(alice), alice);
    await expectAllowedAs(await tokenOf(bob, { alg: "ES256" }), bob);

    // A new client id: tokens for the old one no longer name this provider's client.
    await edit({ clientId: "client-2" });
    await expectDenied(await tokenOf(alice, { aud: "client-1" }), "audience_mismatch");
    await expectAllowedAs(await tokenOf(alice, { aud: "client-2" }), alice);
    await expectAllowedAs(await tokenOf(bob, { alg: "ES256" }), bob);

    // Narrowed to RS256: bob's ES256 token, accepted a moment ago, is refused before any key is used.
    await edit({ allowedAlgorithms: ["RS256"] });
    await expectDenied(await tokenOf(bob, { alg: "ES256" }), "alg_not_allowed");
    await expectAllowedAs(await tokenOf(bob), bob);

    // One-time use off (the default): a token serves twice. On: a fresh token serves once.
    const reusable = await tokenOf(alice);
    await expectAllowedAs(reusable, alice);
    await expectAllowedAs(reusable, alice);
    await edit({ enableJtiVerification: true });
    const once = await tokenOf(alice);
    await expectAllowedAs(once, alice);
    await expectDenied(once, "jti_replayed");

    // Deactivated: the issuer names no active provider any more.
    await edit({ active: false });
    await expectDenied(await tokenOf(alice), "unknown_issuer");
    await expectDenied(await tokenOf(bob), "unknown_issuer");
  });
});
