// Which published key may verify a token (RFC 7517 4.2-4.4, RFC 8725 3.1): a signing key (use "sig" or no
// use, key_ops with "verify" or none) of the alg's key type, matching the key's own alg if it names one;
// by kid, or without a kid only when exactly one key qualifies.
import { describe, expect, it } from "vitest";
import type { Jwk } from "aws-jwt-verify/jwk";
import { JwtWithoutValidKidError, KidNotFoundInJwksError } from "aws-jwt-verify/error";
import { parseJwks, SnapshotJwksCache, selectJwk } from "../../functions/authorizer/key-set";
import { FetchFailedError } from "../../functions/authorizer/http";
import { decomposeToken, MAX_TOKEN_LENGTH } from "../../functions/authorizer/token";

const rsa = (kid: string, extra: Record<string, unknown> = {}): Jwk => ({
  kty: "RSA",
  kid,
  n: "n",
  e: "AQAB",
  ...extra,
});
const ec = (kid: string, extra: Record<string, unknown> = {}): Jwk => ({
  kty: "EC",
  kid,
  crv: "P-256",
  x: "x",
  y: "y",
  ...extra,
});
const okp = (kid: string): Jwk => ({ kty: "OKP", kid, crv: "Ed25519", x: "x" });

const pick = (keys: Jwk[], header: { alg: string; kid?: string }): string | undefined =>
  selectJwk({ keys }, header)?.kid;

describe("a key named by the token's kid", () => {
  it.each<[string, Jwk, string, boolean]>([
    ["with no use", rsa("k"), "RS256", true],
    ["for signing", rsa("k", { use: "sig" }), "RS256", true],
    ["for encryption", rsa("k", { use: "enc" }), "RS256", false],
    ["whose key_ops include verify", rsa("k", { key_ops: ["verify"] }), "RS256", true],
    ["whose key_ops lack verify", rsa("k", { key_ops: ["sign", "encrypt"] }), "RS256", false],
    ["naming the token's alg", rsa("k", { alg: "RS256" }), "RS256", true],
    ["naming another alg", rsa("k", { alg: "RS384" }), "RS256", false],
    ["RSA for PS256", rsa("k"), "PS256", true],
    ["RSA for ES256", rsa("k"), "ES256", false],
    ["EC for ES256", ec("k"), "ES256", true],
    ["EC for RS256", ec("k"), "RS256", false],
    ["OKP for EdDSA", okp("k"), "EdDSA", true],
  ])("%s: usable for %s = %s", (_, key, alg, usable) => {
    expect(pick([key], { alg, kid: "k" })).toBe(usable ? "k" : undefined);
  });

  it("is the one with that kid, never another usable key", () => {
    expect(pick([rsa("a"), rsa("b")], { alg: "RS256", kid: "b" })).toBe("b");
    expect(pick([rsa("a")], { alg: "RS256", kid: "b" })).toBeUndefined();
  });
});

describe("a token without kid", () => {
  it("gets the single usable key, counting only usable ones", () => {
    expect(pick([rsa("a")], { alg: "RS256" })).toBe("a");
    expect(pick([rsa("a"), rsa("enc", { use: "enc" }), ec("e")], { alg: "RS256" })).toBe("a");
  });

  it("gets none when several keys could verify it, or none could", () => {
    expect(pick([rsa("a"), rsa("b")], { alg: "RS256" })).toBeUndefined();
    expect(pick([ec("e")], { alg: "RS256" })).toBeUndefined();
  });
});

describe("SnapshotJwksCache", () => {
  const jwt = (header: { alg: string; kid?: string }) => ({ header }) as never;
  const cache = new SnapshotJwksCache({ keys: [rsa("a"), rsa("b")] });

  it("hands the verifier the chosen key, and refuses the rest by the error aws-jwt-verify expects", async () => {
    expect(cache.getCachedJwk("", jwt({ alg: "RS256", kid: "a" })).kid).toBe("a");
    await expect(cache.getJwk("", jwt({ alg: "RS256", kid: "b" }))).resolves.toMatchObject({ kid: "b" });
    expect(() => cache.getCachedJwk("", jwt({ alg: "RS256", kid: "c" }))).toThrow(KidNotFoundInJwksError);
    expect(() => cache.getCachedJwk("", jwt({ alg: "RS256" }))).toThrow(JwtWithoutValidKidError);
    expect(() => cache.addJwks()).toThrow(TypeError);
    await expect(cache.getJwks()).resolves.toEqual({ keys: [rsa("a"), rsa("b")] });
  });
});

describe("a key set document", () => {
  it.each([[{}], [{ keys: "x" }], [{ keys: [{ kty: "RSA" }, 1] }], [[]]])(
    "that is no JWKS (%o) is a failed fetch, never an empty set",
    (document) => {
      expect(() => parseJwks(document as never)).toThrow(FetchFailedError);
    },
  );
});

describe("decomposeToken on its own", () => {
  it("refuses a token past MAX_TOKEN_LENGTH before parsing it, whoever calls it", () => {
    const token = `${"a".repeat(MAX_TOKEN_LENGTH)}.b.c`;
    expect(() => decomposeToken(token)).toThrow(expect.objectContaining({ code: "token_too_large" }));
  });
});
