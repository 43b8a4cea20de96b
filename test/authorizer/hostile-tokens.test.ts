// Tokens an attacker or a broken client sends (RFC 8725, OIDC Core 3.1.3.7): each is a 401, never a 500 or an Allow.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  createAuthorizerFixture,
  expectAllowedAs,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import type { UserRecord } from "../../functions/users/store";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
let alice: UserRecord;

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
const nowSec = (): number => Math.floor(Date.now() / 1000);
const claims = { email: "alice@example.com" };

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer()]);
  await putProvider(dynamo, {
    name: "local",
    metadataUrl: issuer.metadataUrl,
    clientId: "client-1",
    allowedAlgorithms: ["RS256", "ES256", "EdDSA"],
  });
  alice = await putUser(dynamo, { user_name: "alice", email: "alice@example.com" });
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), issuer?.close()]);
});

beforeEach(() => {
  fixture = createAuthorizerFixture(dynamo);
});

async function expectDenied(token: string, reason: string, header = `Bearer ${token}`): Promise<void> {
  await expect(fixture.authorize(token, header)).rejects.toThrow(/^Unauthorized$/);
  expect(fixture.lastDecision()).toMatchObject({ outcome: "deny", reason });
}

describe("algorithms (RFC 8725 3.1, 3.2)", () => {
  it("refuses alg none before fetching anything", async () => {
    const before = { ...issuer.requests };
    const token = `${b64({ alg: "none" })}.${b64({ iss: issuer.issuer, aud: "client-1", ...claims })}.AAAA`;
    await expectDenied(token, "alg_not_allowed");
    expect(issuer.requests).toEqual(before);
  });

  it("refuses HS256 signed with the provider's public key (key confusion) before fetching anything", async () => {
    const rsaKey = issuer.publicJwks().keys.find((key) => key["kty"] === "RSA");
    const header = b64({ alg: "HS256", kid: rsaKey?.["kid"] });
    const payload = b64({
      iss: issuer.issuer,
      sub: "s",
      aud: "client-1",
      exp: nowSec() + 60,
      iat: nowSec(),
      ...claims,
    });
    const signature = createHmac("sha256", JSON.stringify(rsaKey)).update(`${header}.${payload}`).digest("base64url");
    const before = { ...issuer.requests };

    await expectDenied(`${header}.${payload}.${signature}`, "alg_not_allowed");
    expect(issuer.requests).toEqual(before);
  });

  it("refuses an algorithm the provider's allow-list leaves out, even when it is supported", async () => {
    const other = await startTestIssuer({ algs: ["RS384"], clientId: "client-3" });
    try {
      await putProvider(dynamo, {
        name: "rs256-only",
        metadataUrl: other.metadataUrl,
        clientId: "client-3",
        allowedAlgorithms: ["RS256"],
      });
      await expectDenied(await other.mint(claims), "alg_not_allowed");
    } finally {
      await putProvider(dynamo, {
        name: "rs256-only",
        metadataUrl: other.metadataUrl,
        clientId: "client-3",
        active: false,
      });
      await other.close();
    }
  });

  it("refuses a token whose alg differs from its key's alg", async () => {
    const rsaKid = issuer.publicJwks().keys.find((key) => key["kty"] === "RSA")?.["kid"] as string;
    const token = await issuer.mint(claims, { alg: "ES256", kid: rsaKid });
    await expectDenied(token, "kid_unknown");
  });
});

describe("signatures and keys", () => {
  it("refuses a token signed by a key the provider never published", async () => {
    await expectDenied(await issuer.mint(claims, { key: "foreign" }), "signature_invalid");
  });

  it("refuses a token with one byte of its signature changed", async () => {
    const token = await issuer.mint(claims);
    const i = token.lastIndexOf(".") + 10;
    const tampered = token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
    await expectDenied(tampered, "signature_invalid");
  });

  it("refuses a token whose payload was changed after signing", async () => {
    const [header, , signature] = (await issuer.mint(claims)).split(".");
    const forged = b64({
      iss: issuer.issuer,
      sub: "admin",
      aud: "client-1",
      exp: nowSec() + 60,
      iat: nowSec(),
      ...claims,
    });
    await expectDenied(`${header}.${forged}.${signature}`, "signature_invalid");
  });

  it("refuses an unknown kid", async () => {
    await expectDenied(await issuer.mint(claims, { kid: "no-such-kid" }), "kid_unknown");
  });

  it("accepts a token without kid when exactly one published key can verify it", async () => {
    const rsaKeys = issuer.publicJwks().keys.filter((key) => key["kty"] === "RSA");
    expect(rsaKeys).toHaveLength(1);
    await expectAllowedAs(fixture, await issuer.mint(claims, { kid: null }), alice);
  });
});

describe("claims (OIDC Core 3.1.3.7)", () => {
  it.each([
    ["another issuer's iss", { iss: "http://127.0.0.1:1/other" }, "unknown_issuer"],
    ["another audience", { aud: "someone-else" }, "audience_mismatch"],
    ["several audiences without azp", { aud: ["client-1", "client-9"] }, "azp_mismatch"],
    ["an azp of another client", { azp: "client-9" }, "azp_mismatch"],
    ["an expired token", { exp: nowSec() - 120, iat: nowSec() - 600 }, "token_expired"],
    ["a not-yet-valid token", { nbf: nowSec() + 600 }, "token_not_yet_valid"],
    ["an iat in the future", { iat: nowSec() + 600, exp: nowSec() + 900 }, "token_issued_in_future"],
    ["no exp", { exp: undefined }, "claim_missing"],
    ["no iat", { iat: undefined }, "claim_missing"],
    ["no sub", { sub: undefined }, "claim_missing"],
    ["an empty sub", { sub: "" }, "claim_invalid"],
    ["a sub over 255 characters", { sub: "x".repeat(256) }, "claim_invalid"],
    ["no aud", { aud: undefined }, "audience_mismatch"],
    ["no iss", { iss: undefined }, "claim_missing"],
    [
      "a logout token's events claim",
      { events: { "http://schemas.openid.net/event/backchannel-logout": {} } },
      "token_type_invalid",
    ],
  ])("refuses %s", async (_, override, reason) => {
    await expectDenied(await issuer.mint({ ...claims, ...override }), reason);
  });

  it("accepts several audiences when azp is our client id", async () => {
    const token = await issuer.mint({ ...claims, aud: ["client-1", "client-9"], azp: "client-1" });
    await expectAllowedAs(fixture, token, alice);
  });

  it("tolerates the configured clock skew and no more", async () => {
    await expectAllowedAs(fixture, await issuer.mint({ ...claims, exp: nowSec() - 30 }), alice);
    await expectDenied(await issuer.mint({ ...claims, exp: nowSec() - 90 }), "token_expired");
  });

  it.each([
    ["at+jwt", "token_type_invalid"],
    ["logout+jwt", "token_type_invalid"],
  ])("refuses typ %s (RFC 8725 3.11)", async (typ, reason) => {
    await expectDenied(await issuer.mint(claims, { header: { typ } }), reason);
  });

  it("accepts typ JWT", async () => {
    await expectAllowedAs(fixture, await issuer.mint(claims, { header: { typ: "JWT" } }), alice);
  });

  it("refuses crit header parameters it does not understand (RFC 7515 4.1.11)", async () => {
    await expectDenied(await issuer.mint(claims, { header: { crit: ["b64"], b64: true } }), "token_malformed");
  });
});

describe("malformed input", () => {
  it.each([
    ["no header at all", undefined, "token_missing"],
    ["another scheme", "Basic YWxpY2U6c2VjcmV0", "token_missing"],
    ["Bearer without a token", "Bearer ", "token_missing"],
    ["two parts", "Bearer abc.def", "token_malformed"],
    ["four parts", "Bearer a.b.c.d", "token_malformed"],
    ["a header that is not JSON", `Bearer ${Buffer.from("{").toString("base64url")}.${b64({})}.sig`, "token_malformed"],
    ["a payload that is an array", `Bearer ${b64({ alg: "RS256" })}.${b64([1])}.sig`, "token_malformed"],
    ["a numeric iss", `Bearer ${b64({ alg: "RS256" })}.${b64({ iss: 5 })}.sig`, "token_malformed"],
    ["an oversized token", `Bearer ${"a".repeat(20_000)}.b.c`, "token_too_large"],
  ])("refuses %s", async (_, header, reason) => {
    await expect(fixture.authorize("", header as string)).rejects.toThrow(/^Unauthorized$/);
    expect(fixture.lastDecision()).toMatchObject({ outcome: "deny", reason, internal: false });
  });

  it("never allows and never fails with anything but Unauthorized, whatever the header holds", async () => {
    const valid = await issuer.mint(claims);
    const [h, p, s] = valid.split(".") as [string, string, string];
    const part = fc.oneof(fc.string(), fc.base64String(), fc.constantFrom(h, p, s, "", "."));
    await fc.assert(
      fc.asyncProperty(
        fc.array(part, { minLength: 1, maxLength: 5 }),
        fc.constantFrom("Bearer ", "bearer ", ""),
        async (parts, scheme) => {
          const header = scheme + parts.join(".");
          fc.pre(header !== `Bearer ${valid}` && header !== `bearer ${valid}`);
          await expect(fixture.authorize("", header)).rejects.toThrow(/^Unauthorized$/);
          expect(fixture.lastDecision().internal).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
