// The real Okta ID tokens of 2018 (test/fixtures/okta-2018, copied from the seed material), with the provider's own discovery document and keys.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Json } from "aws-jwt-verify/safe-json-parse";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import {
  createAuthorizerFixture,
  expectAllowedAs,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import type { UserRecord } from "../../functions/users/store";
import { FetchFailedError, type JsonFetcher } from "../../functions/authorizer/http";
import type { ProviderInput } from "../../functions/config/schema";

const FIXTURES = fileURLToPath(new URL("../fixtures/okta-2018/", import.meta.url));
const read = (name: string): string => readFileSync(`${FIXTURES}${name}`, "utf8").trim();

const METADATA_URL = "https://dev-934121-admin.oktapreview.com/.well-known/openid-configuration";
const token1 = read("id-token-1.jwt");
const token2 = read("id-token-2.jwt");
const discovery = JSON.parse(read("openid-configuration.json")) as Record<string, unknown>;
const jwks = JSON.parse(read("jwks.json")) as { keys: Record<string, unknown>[] };
const SIGNING_KID = "c56me9WSLOVv7PS0q88C9uoIs61Pa7fPn2dUE9oQ5H8";

/**
 * Serves the provider's real documents at their real URLs, and nothing else: the tests run offline, and a
 * fetch of any other URL (the token's issuer host, say) fails the way an unreachable host would.
 */
class OktaDocuments implements JsonFetcher {
  readonly fetched: string[] = [];
  constructor(private readonly keySet: unknown = jwks) {}
  async fetchJson(url: string): Promise<Json> {
    this.fetched.push(url);
    if (url === METADATA_URL) return discovery as Json;
    if (url === discovery["jwks_uri"]) return this.keySet as Json;
    throw new FetchFailedError("fetch_failed", `unreachable: ${url}`);
  }
}

const OKTA_ISSUER = "https://dev-934121.oktapreview.com";

/** The metadata URL is on Okta's -admin host, so the issuer the document must state is pinned. */
const okta: ProviderInput = {
  name: "okta",
  metadataUrl: METADATA_URL,
  issuer: OKTA_ISSUER,
  clientId: "0oagd8o97kiBOwpwB0h7",
  userClaim: "email",
  userField: "email",
};

const pinClock = (token: string): void => {
  const { iat } = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { iat: number };
  vi.setSystemTime((iat + 60) * 1000);
};

let dynamo: TestDynamo;
let fixture: AuthorizerFixture;
let documents: OktaDocuments;
let admin: UserRecord;

beforeAll(async () => {
  dynamo = await startDynamo();
  admin = await putUser(dynamo, { user_name: "oauth.admin", email: "imron543@gmail.com", roles: ["admin"] });
});
afterAll(() => dynamo?.stop());

beforeEach(async () => {
  await putProvider(dynamo, okta);
  documents = new OktaDocuments();
  fixture = createAuthorizerFixture(dynamo, { fetcher: documents });
  // aws-jwt-verify reads Date.now itself, so the pinned clock is the system clock (timers stay real).
  vi.useFakeTimers({ toFake: ["Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the Okta tokens, clock pinned inside their lifetime", () => {
  it("1. token 1 authenticates the user whose email matches", async () => {
    pinClock(token1);
    const result = await expectAllowedAs(fixture, token1, admin);
    expect(result.context).toMatchObject({ user_name: "oauth.admin", roles: "admin", provider: "okta" });
    expect(fixture.lastDecision()).toMatchObject({ alg: "RS256", kid: SIGNING_KID });
  });

  it("trusts the pinned issuer, though the metadata URL's host differs, and nothing else", async () => {
    expect(new URL(METADATA_URL).host).not.toBe(new URL(discovery["issuer"] as string).host);
    pinClock(token1);
    await expectAllowedAs(fixture, token1, admin);
    expect(documents.fetched).toEqual([METADATA_URL, discovery["jwks_uri"]]);

    // Unpinned, the document served at the -admin host may only state the -admin issuer (OIDC Discovery 4.3).
    const { issuer: _pinned, ...unpinned } = okta;
    await putProvider(dynamo, unpinned);
    const unpinnedDocuments = new OktaDocuments();
    const strict = createAuthorizerFixture(dynamo, { fetcher: unpinnedDocuments });
    await expect(strict.authorize(token1)).rejects.toThrow("Unauthorized");
    expect(strict.lastDecision().reason).toBe("unknown_issuer");
    expect(unpinnedDocuments.fetched).toEqual([]);
  });

  it("2. with JTI verification on, token 1 is refused the second time and token 2 still passes", async () => {
    await putProvider(dynamo, { ...okta, enableJtiVerification: true });
    pinClock(token1);
    await expectAllowedAs(fixture, token1, admin);
    await expect(fixture.authorize(token1)).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("jti_replayed");

    pinClock(token2);
    await expectAllowedAs(fixture, token2, admin);
  });

  it("3. a claim validation name = 'imran ali' passes; name = 'someone else' fails", async () => {
    pinClock(token1);
    await putProvider(dynamo, {
      ...okta,
      claimValidations: [{ claim: "name", operator: "equals", value: "imran ali" }],
    });
    await expectAllowedAs(fixture, token1, admin);

    await putProvider(dynamo, {
      ...okta,
      claimValidations: [{ claim: "name", operator: "equals", value: "someone else" }],
    });
    const strict = createAuthorizerFixture(dynamo, { fetcher: new OktaDocuments() });
    await expect(strict.authorize(token1)).rejects.toThrow("Unauthorized");
    // The decision line names the claim the rule checked, as a field, and never its value.
    expect(strict.lastDecision()).toMatchObject({ reason: "claim_mismatch", claim: "name" });
    expect(JSON.stringify(strict.decisions)).not.toContain("imran ali");
  });

  it("5a. one byte of the signature changed: refused", async () => {
    pinClock(token1);
    const i = token1.length - 20;
    const tampered = token1.slice(0, i) + (token1[i] === "A" ? "B" : "A") + token1.slice(i + 1);
    await expect(fixture.authorize(tampered)).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("signature_invalid");
  });

  it("5b. a key set without key c56me9WS…: refused", async () => {
    pinClock(token1);
    const without = { keys: jwks.keys.filter((key) => key["kid"] !== SIGNING_KID) };
    const keyless = createAuthorizerFixture(dynamo, { fetcher: new OktaDocuments(without) });
    await expect(keyless.authorize(token1)).rejects.toThrow("Unauthorized");
    expect(keyless.lastDecision().reason).toBe("kid_unknown");
  });
});

describe("the Okta tokens at today's clock", () => {
  it.each([
    ["token 1", token1],
    ["token 2", token2],
  ])("4. %s is refused as expired", async (_, token) => {
    vi.useRealTimers();
    await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("token_expired");
  });
});
