// Providers as they are in the wild, each quirk a documented provider option (README, Provider guides),
// against loopback issuers shaped like each: Entra ID's multi-tenant `{tenantid}` issuer and its v1
// issuers, Google's two issuer spellings, Auth0's trailing slash and namespaced claims, keys without
// `alg`/`use`, RSA keys published only as an `x5c` certificate chain.
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { importPKCS8, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProviderInput } from "../../functions/config/schema";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  createAuthorizerFixture,
  expectAllowedAs,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
let people = 0;

const TENANT_A = "11111111-1111-4111-8111-111111111111";
const TENANT_B = "22222222-2222-4222-8222-222222222222";
const TENANT_C = "33333333-3333-4333-8333-333333333333";

beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(() => dynamo?.stop());
afterEach(() => issuer?.close());

/** A fresh person (unbound user) whose email the tokens carry. */
async function person() {
  people += 1;
  const email = `p${people}@example.com`;
  const user = await putUser(dynamo, { user_name: `p${people}`, email });
  return { user, email, sub: `sub-${people}` };
}

async function boundIssuer(sysId: string): Promise<unknown> {
  const { Item } = await dynamo.doc.send(new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: sysId } }));
  return Item?.["oidc_issuer"];
}

async function expectDenied(token: string, reason: string): Promise<void> {
  await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
  expect(fixture.lastDecision().reason).toBe(reason);
}

const origin = () => new URL(issuer.issuer).origin;

describe("Entra ID, multi-tenant: a {tenantid} issuer and the allowed tenants", () => {
  const template = () => `${origin()}/{tenantid}/v2.0`;
  const tenantIssuer = (tid: string) => `${origin()}/${tid}/v2.0`;
  const entra = (extra: Partial<ProviderInput> = {}): ProviderInput => ({
    name: "entra",
    metadataUrl: issuer.metadataUrl,
    issuer: template(),
    clientId: "client-1",
    tenants: [TENANT_A, TENANT_B],
    ...extra,
  });

  beforeEach(async () => {
    issuer = await startTestIssuer({ algs: ["RS256"], issuerPath: "/common/v2.0" });
    // Entra's common document states the template, which no token's iss equals.
    issuer.setDiscoveryOverride({ issuer: template(), jwks_uri: issuer.jwksUri });
    await putProvider(dynamo, entra());
    fixture = createAuthorizerFixture(dynamo);
  });

  it("accepts a token of an allowed tenant, and binds the user to the token's own issuer", async () => {
    const { user, email, sub } = await person();
    await expectAllowedAs(fixture, await issuer.mint({ iss: tenantIssuer(TENANT_A), tid: TENANT_A, sub, email }), user);
    expect(await boundIssuer(user.sys_id)).toBe(tenantIssuer(TENANT_A));

    // The same sub in another tenant is another person (OIDC Core 5.7: iss + sub).
    await expectDenied(
      await issuer.mint({ iss: tenantIssuer(TENANT_B), tid: TENANT_B, sub, email }),
      "identity_conflict",
    );
  });

  it("refuses a tenant not on the list, a token whose iss names another tenant than tid, and one without tid", async () => {
    const { email, sub } = await person();
    await expectDenied(await issuer.mint({ iss: tenantIssuer(TENANT_C), tid: TENANT_C, sub, email }), "unknown_issuer");
    await expectDenied(await issuer.mint({ iss: tenantIssuer(TENANT_A), tid: TENANT_B, sub, email }), "unknown_issuer");
    await expectDenied(await issuer.mint({ iss: tenantIssuer(TENANT_A), sub, email }), "unknown_issuer");
    await expectDenied(await issuer.mint({ iss: template(), tid: "{tenantid}", sub, email }), "unknown_issuer");
  });

  it("accepts every tenant only when the provider says all", async () => {
    const { user, email, sub } = await person();
    await putProvider(dynamo, entra({ tenants: "all" }));
    await expectAllowedAs(fixture, await issuer.mint({ iss: tenantIssuer(TENANT_C), tid: TENANT_C, sub, email }), user);
  });

  it("accepts v1 issuers (sts.windows.net) only when the provider lists them, binding to the v2 issuer", async () => {
    const { user, email, sub } = await person();
    const v1 = `https://sts.windows.net/${TENANT_A}/`;
    await expectDenied(await issuer.mint({ iss: v1, tid: TENANT_A, sub, email }), "unknown_issuer");

    await putProvider(dynamo, entra({ issuerAliases: ["https://sts.windows.net/{tenantid}/"] }));
    await expectAllowedAs(fixture, await issuer.mint({ iss: v1, tid: TENANT_A, sub, email }), user);
    expect(await boundIssuer(user.sys_id)).toBe(tenantIssuer(TENANT_A));
    await expectAllowedAs(fixture, await issuer.mint({ iss: tenantIssuer(TENANT_A), tid: TENANT_A, sub, email }), user);
    await expectDenied(
      await issuer.mint({ iss: `https://sts.windows.net/${TENANT_C}/`, tid: TENANT_C, sub, email }),
      "unknown_issuer",
    );
  });
});

describe("Google: two spellings of one issuer", () => {
  beforeEach(async () => {
    issuer = await startTestIssuer({ algs: ["RS256"] });
    fixture = createAuthorizerFixture(dynamo);
  });

  it("accepts the bare spelling only when listed, and binds both to the stated issuer", async () => {
    const bare = new URL(issuer.issuer).host; // as accounts.google.com is to https://accounts.google.com
    await putProvider(dynamo, { name: "google", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
    const { user, email, sub } = await person();
    await expectDenied(await issuer.mint({ iss: bare, sub, email }), "unknown_issuer");

    await putProvider(dynamo, {
      name: "google",
      metadataUrl: issuer.metadataUrl,
      clientId: "client-1",
      issuerAliases: [bare],
    });
    await expectAllowedAs(fixture, await issuer.mint({ iss: bare, sub, email }), user);
    expect(await boundIssuer(user.sys_id)).toBe(issuer.issuer);
    await expectAllowedAs(fixture, await issuer.mint({ sub, email }), user);
  });
});

describe("Auth0: a trailing slash, and namespaced claims", () => {
  const slashed = () => `${issuer.issuer}/`;

  beforeEach(async () => {
    issuer = await startTestIssuer({ algs: ["RS256"] });
    issuer.setDiscoveryOverride({ issuer: slashed(), jwks_uri: issuer.jwksUri });
    fixture = createAuthorizerFixture(dynamo);
  });

  it("accepts the stated spelling, never the other one silently, and both when the provider lists the other", async () => {
    await putProvider(dynamo, { name: "auth0", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
    const { user, email, sub } = await person();
    await expectAllowedAs(fixture, await issuer.mint({ iss: slashed(), sub, email }), user);
    await expectDenied(await issuer.mint({ sub, email }), "issuer_mismatch");

    await putProvider(dynamo, {
      name: "auth0",
      metadataUrl: issuer.metadataUrl,
      clientId: "client-1",
      issuerAliases: [issuer.issuer],
    });
    await expectAllowedAs(fixture, await issuer.mint({ sub, email }), user);
    expect(await boundIssuer(user.sys_id)).toBe(slashed());
  });

  it("matches namespaced claims by their full name in claim rules and transform maps", async () => {
    const roles = "https://example.com/roles";
    await putProvider(dynamo, {
      name: "auth0",
      metadataUrl: issuer.metadataUrl,
      clientId: "client-1",
      claimValidations: [{ claim: roles, operator: "contains", value: "api-users" }],
      autoProvision: {
        enabled: true,
        transformMap: { user_name: "nickname", email: "email", u_department: "https://example.com/department" },
        roleMappings: [{ claim: roles, value: "api-admins", roles: ["admin"] }],
      },
    });
    people += 1;
    const email = `p${people}@example.com`;
    const claims = { iss: slashed(), sub: `auth0|${people}`, email, nickname: `nick${people}` };
    await expectDenied(await issuer.mint({ ...claims, [roles]: ["others"] }), "claim_mismatch");

    const result = await fixture.authorize(
      await issuer.mint({ ...claims, [roles]: ["api-users", "api-admins"], "https://example.com/department": "ops" }),
    );
    expect(result.context).toMatchObject({ user_name: `nick${people}` });
    const { Item } = await dynamo.doc.send(
      new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: result.principalId } }),
    );
    expect(Item).toMatchObject({ u_department: "ops", roles: ["admin"] });
  });
});

describe("keys as providers publish them", () => {
  beforeEach(async () => {
    issuer = await startTestIssuer({ algs: ["RS256"] });
    await putProvider(dynamo, { name: "keys", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
    fixture = createAuthorizerFixture(dynamo);
  });

  it("verifies with a key that has neither alg nor use (Entra, Auth0)", async () => {
    const { user, email, sub } = await person();
    const bare = issuer.publicJwks().keys.map(({ alg: _alg, use: _use, ...key }) => key);
    expect(bare[0]).not.toHaveProperty("alg");
    issuer.setJwksOverride({ keys: bare });
    await expectAllowedAs(fixture, await issuer.mint({ sub, email }), user);
  });

  const certificate = readFileSync(new URL("../fixtures/x5c/signing-cert.pem", import.meta.url), "utf8");
  const x5c = new X509Certificate(certificate).raw.toString("base64");
  /** The n and e of the certificate's own key, as a JWK states them beside its x5c. */
  const own = new X509Certificate(certificate).publicKey.export({ format: "jwk" });
  const signWithCertificateKey = async (claims: Record<string, unknown>, kid = "cert-1") => {
    const key = await importPKCS8(
      readFileSync(new URL("../fixtures/x5c/signing-key.pem", import.meta.url), "utf8"),
      "RS256",
    );
    const nowSec = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: issuer.issuer,
      aud: "client-1",
      iat: nowSec,
      exp: nowSec + 300,
      email_verified: true,
      ...claims,
    })
      .setProtectedHeader({ alg: "RS256", kid })
      .sign(key);
  };

  it("verifies with an RSA key published only as an x5c certificate chain", async () => {
    const { user, email, sub } = await person();
    issuer.setJwksOverride({ keys: [{ kty: "RSA", kid: "cert-1", use: "sig", x5c: [x5c] }] });
    await expectAllowedAs(fixture, await signWithCertificateKey({ sub, email }), user);
  });

  it("verifies with an RSA key that has n, e and its own certificate (as Entra ID and Okta publish them)", async () => {
    const { user, email, sub } = await person();
    issuer.setJwksOverride({ keys: [{ kty: "RSA", kid: "cert-1", use: "sig", n: own.n, e: own.e, x5c: [x5c] }] });
    await expectAllowedAs(fixture, await signWithCertificateKey({ sub, email }), user);
  });

  it("refuses a key whose x5c certificate holds another key than its n and e (RFC 7517 4.7)", async () => {
    const { email, sub } = await person();
    const other = issuer.publicJwks().keys[0] as Record<string, unknown>;
    issuer.setJwksOverride({ keys: [{ kty: "RSA", kid: "cert-1", n: other["n"], e: other["e"], x5c: [x5c] }] });
    await expectDenied(await signWithCertificateKey({ sub, email }), "kid_unknown");
  });

  it("refuses a key with n and e whose x5c is not a certificate: nothing shows that they match (RFC 7517 4.7)", async () => {
    const { email, sub } = await person();
    issuer.setJwksOverride({ keys: [{ kty: "RSA", kid: "cert-1", n: own.n, e: own.e, x5c: ["bm90IGEgY2VydA=="] }] });
    await expectDenied(await signWithCertificateKey({ sub, email }), "kid_unknown");
  });

  it("refuses a key with its certificate's n but no e, rather than completing it from the certificate", async () => {
    const { email, sub } = await person();
    issuer.setJwksOverride({ keys: [{ kty: "RSA", kid: "cert-1", n: own.n, x5c: [x5c] }] });
    await expectDenied(await signWithCertificateKey({ sub, email }), "kid_unknown");
  });

  it("reads a certificate of exactly 16 KiB of text, and not one character more", async () => {
    const { user, email, sub } = await person();
    // Base64 ignores whitespace: the same certificate, padded to the bound.
    const padded = (length: number) => x5c + " ".repeat(length - x5c.length);
    issuer.setJwksOverride({ keys: [{ kty: "RSA", kid: "cert-1", x5c: [padded(16 * 1024)] }] });
    await expectAllowedAs(fixture, await signWithCertificateKey({ sub, email }), user);
    issuer.setJwksOverride({ keys: [{ kty: "RSA", kid: "cert-2", x5c: [padded(16 * 1024 + 1)] }] });
    await expectDenied(await signWithCertificateKey({ sub, email }, "cert-2"), "kid_unknown");
  });

  it("refuses a key whose x5c is not a certificate", async () => {
    const { email, sub } = await person();
    issuer.setJwksOverride({ keys: [{ kty: "RSA", kid: "cert-1", x5c: ["bm90IGEgY2VydA=="] }] });
    await expectDenied(await signWithCertificateKey({ sub, email }), "kid_unknown");
  });
});
