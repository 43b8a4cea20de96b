// Proves the local test issuer serves real discovery and JWKS documents and signs verifiable tokens.
import { describe, it, expect, afterAll } from "vitest";
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { startTestIssuer, type KeyAlg } from "./issuer";

const idp = await startTestIssuer();
afterAll(() => idp.close());

// A fresh key-set client per call, so jose's own cache never hides a rotation.
const verify = (token: string) =>
  jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), { issuer: idp.issuer, audience: "client-1" });

describe("startTestIssuer", () => {
  it.each<KeyAlg>(["RS256", "ES256", "EdDSA"])("mints %s tokens that verify against the served JWKS", async (alg) => {
    const token = await idp.mint({ email: "a@example.com" }, { alg });

    const { payload, protectedHeader } = await verify(token);

    expect(protectedHeader.alg).toBe(alg);
    expect(payload).toMatchObject({ sub: "user-1", email: "a@example.com" });
    expect(payload.exp! - payload.iat!).toBe(300);
  });

  it("serves a discovery document that points at the JWKS", async () => {
    const res = await fetch(idp.metadataUrl);

    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toMatchObject({ issuer: idp.issuer, jwks_uri: idp.jwksUri });
  });

  it("signs with an unpublished key when asked for a foreign one", async () => {
    const token = await idp.mint({}, { key: "foreign" });

    await expect(verify(token)).rejects.toMatchObject({ code: errors.JWSSignatureVerificationFailed.code });
  });

  it("omits the kid when kid is null and removes claims set to undefined", async () => {
    const token = await idp.mint({ jti: undefined }, { kid: null });

    expect(decodeProtectedHeader(token)).not.toHaveProperty("kid");
    expect((await verify(token)).payload).not.toHaveProperty("jti");
  });

  it("counts requests and answers 503 while down", async () => {
    const before = { ...idp.requests };
    idp.setDown(true);
    try {
      const res = await fetch(idp.jwksUri);
      expect(res.status).toBe(503);
    } finally {
      idp.setDown(false);
    }
    await fetch(idp.metadataUrl);

    expect(idp.requests).toEqual({ discovery: before.discovery + 1, jwks: before.jwks + 1 });
  });

  it("publishes a new key on rotate and drops the old ones with dropOld", async () => {
    const local = await startTestIssuer({ algs: ["ES256"] });
    try {
      const [first] = local.publicJwks().keys;

      await local.rotate();
      const afterRotate = local.publicJwks().keys.map((k) => k.kid);
      await local.rotate({ dropOld: true });
      const afterDrop = local.publicJwks().keys.map((k) => k.kid);

      expect(afterRotate).toHaveLength(2);
      expect(afterRotate[0]).toBe(first?.kid);
      expect(afterDrop).toHaveLength(1);
      expect(afterRotate).not.toContain(afterDrop[0]);
    } finally {
      await local.close();
    }
  });
});
