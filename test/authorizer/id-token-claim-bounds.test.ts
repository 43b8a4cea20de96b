// The ID-token claim checks at their exact edges (OIDC Core 2 and 3.1.3.7): sub up to 255 characters,
// jti and the user claim up to 512, exp / nbf / iat with the provider's skew, one second either side.
import { describe, expect, it } from "vitest";
import { checkIdTokenClaims, userClaimValue } from "../../functions/authorizer/claims";
import { providerSchema } from "../../functions/config/schema";

const NOW = 1_700_000_000;
const provider = providerSchema.parse({
  name: "p",
  metadataUrl: "https://idp.example/.well-known/openid-configuration",
  clientId: "client-1",
  clockSkewSeconds: 60,
});
const token = (claims: Record<string, unknown> = {}) => ({
  iss: "https://idp.example",
  sub: "user-1",
  aud: "client-1",
  iat: NOW,
  exp: NOW + 300,
  ...claims,
});

/** The reason code the checks refuse the claims with, or "ok". */
function verdict(claims: Record<string, unknown>): string {
  try {
    checkIdTokenClaims(token(claims), provider, NOW);
    return "ok";
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe("lengths", () => {
  it.each([
    ["sub", "s".repeat(255), "ok"],
    ["sub", "s".repeat(256), "claim_invalid"],
    ["sub", "", "claim_invalid"],
    ["jti", "j".repeat(512), "ok"],
    ["jti", "j".repeat(513), "claim_invalid"],
    ["jti", "", "claim_invalid"],
  ])("%s of %# -> %s", (claim, value, expected) => {
    expect(verdict({ [claim]: value })).toBe(expected);
  });

  it("takes a user claim of up to 512 characters", () => {
    const byName = providerSchema.parse({ ...provider, userClaim: "preferred_username", userField: "user_name" });
    const refusal = (value: string) => {
      try {
        userClaimValue(token({ preferred_username: value }), byName);
        return "ok";
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    expect(refusal("u".repeat(512))).toBe("ok");
    expect(refusal("u".repeat(513))).toBe("user_claim_invalid");
    expect(refusal("")).toBe("user_claim_missing");
  });
});

describe("time, with 60 s of skew", () => {
  it.each([
    ["exp", NOW - 60, "ok"],
    ["exp", NOW - 61, "token_expired"],
    ["nbf", NOW + 60, "ok"],
    ["nbf", NOW + 61, "token_not_yet_valid"],
    ["iat", NOW + 60, "ok"],
    ["iat", NOW + 61, "token_issued_in_future"],
  ])("%s at %i -> %s", (claim, value, expected) => {
    expect(verdict({ [claim]: value })).toBe(expected);
  });
});

// The verifier and the provider choice refuse these earlier on the request path; the checks hold on their own.
describe("aud and azp (OIDC Core 3.1.3.7 steps 3-5), exp and iat types", () => {
  it.each([
    [{ aud: undefined }, "claim_missing"],
    [{ aud: [] }, "claim_missing"],
    [{ aud: ["client-1"] }, "ok"],
    [{ aud: "client-1" }, "ok"],
    [{ aud: ["client-1", "other"] }, "azp_mismatch"],
    [{ aud: ["client-1", "other"], azp: "client-1" }, "ok"],
    [{ aud: ["client-1"], azp: "other" }, "azp_mismatch"],
    // exp and iat must be numbers (RFC 7519 NumericDate), not numeric strings.
    [{ exp: String(NOW + 300) }, "claim_invalid"],
    [{ iat: String(NOW) }, "claim_invalid"],
  ])("%o: %s", (claims, expected) => {
    expect(verdict(claims)).toBe(expected);
  });
});
