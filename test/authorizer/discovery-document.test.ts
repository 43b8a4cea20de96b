// A discovery document's shape on its own (OpenID Connect Discovery 3 and 4.3): issuer and jwks_uri are
// required non-empty strings, named as what is missing; only string algorithms are kept; an issuer
// mismatch says what was expected, or that nothing could be.
import { describe, expect, it } from "vitest";
import { IssuerMismatchError, parseDiscoveryDocument } from "../../functions/authorizer/discovery";

const policy = { allowLoopbackHttp: false };
const valid = { issuer: "https://idp.example", jwks_uri: "https://idp.example/keys" };
const failure = (document: unknown): string => {
  try {
    parseDiscoveryDocument(document as never, policy);
    return "ok";
  } catch (error) {
    return (error as Error).message;
  }
};

describe("parseDiscoveryDocument", () => {
  it.each([
    [{ ...valid, issuer: "" }, "discovery document: issuer is missing"],
    [{ ...valid, issuer: 42 }, "discovery document: issuer is missing"],
    [{ ...valid, jwks_uri: "" }, "discovery document: jwks_uri is missing"],
    [{ ...valid, jwks_uri: ["https://idp.example/keys"] }, "discovery document: jwks_uri is missing"],
    [[valid], "discovery document: document is not a JSON object"],
  ])("refuses %o: %s", (document, message) => {
    expect(failure(document)).toBe(message);
  });

  it("keeps only the string entries of id_token_signing_alg_values_supported", () => {
    const parsed = parseDiscoveryDocument(
      { ...valid, id_token_signing_alg_values_supported: ["RS256", 7, null, "ES256"] },
      policy,
    );
    expect(parsed.idTokenSigningAlgs).toEqual(["RS256", "ES256"]);
  });
});

describe("IssuerMismatchError", () => {
  it("names the expected issuers, or (none) when the provider has none it can expect", () => {
    expect(new IssuerMismatchError(["https://a", "https://a/"], "https://b").message).toBe(
      "discovery document states issuer https://b, expected https://a or https://a/",
    );
    expect(new IssuerMismatchError([], "https://b").message).toBe(
      "discovery document states issuer https://b, expected (none)",
    );
  });
});
