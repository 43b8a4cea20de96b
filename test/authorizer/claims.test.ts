// Claim paths and the admin's claim rules (unit).
import { describe, expect, it } from "vitest";
import { checkClaimRules, checkIdTokenClaims, claimAt, userClaimValue } from "../../functions/authorizer/claims";
import { providerSchema, type ClaimValidation } from "../../functions/config/schema";

const payload = {
  name: "imran ali",
  email_verified: true,
  groups: ["staff", "admins"],
  realm_access: { roles: ["offline_access", "api-user"] },
  "https://example.com/tenant": "acme",
  level: 3,
};

describe("claimAt", () => {
  it.each([
    ["name", "imran ali"],
    ["realm_access.roles", ["offline_access", "api-user"]],
    ["https://example.com/tenant", "acme"],
    ["realm_access.missing", undefined],
    ["name.length", undefined],
    ["groups.0", undefined],
    ["__proto__", undefined],
    ["constructor", undefined],
  ])("%s -> %j", (path, expected) => {
    expect(claimAt(payload, path)).toEqual(expected);
  });
});

describe("checkClaimRules", () => {
  const passes = (rule: ClaimValidation): boolean => {
    try {
      checkClaimRules(payload, [rule]);
      return true;
    } catch (error) {
      expect(error).toMatchObject({ code: "claim_mismatch" });
      return false;
    }
  };

  it.each<[ClaimValidation, boolean]>([
    [{ claim: "name", operator: "equals", value: "imran ali" }, true],
    [{ claim: "name", operator: "equals", value: "someone else" }, false],
    [{ claim: "email_verified", operator: "equals", value: true }, true],
    [{ claim: "email_verified", operator: "equals", value: "true" }, false],
    [{ claim: "level", operator: "oneOf", values: [1, 2, 3] }, true],
    [{ claim: "level", operator: "oneOf", values: ["3"] }, false],
    [{ claim: "groups", operator: "contains", value: "admins" }, true],
    [{ claim: "realm_access.roles", operator: "contains", value: "api-user" }, true],
    [{ claim: "realm_access.roles", operator: "contains", value: "admin" }, false],
    [{ claim: "name", operator: "contains", value: "imran" }, false],
    [{ claim: "realm_access", operator: "exists" }, true],
    [{ claim: "missing", operator: "exists" }, false],
    [{ claim: "missing", operator: "equals", value: "x" }, false],
  ])("%j -> %s", (rule, expected) => {
    expect(passes(rule)).toBe(expected);
  });

  it("requires every rule to pass", () => {
    const rules: ClaimValidation[] = [
      { claim: "name", operator: "equals", value: "imran ali" },
      { claim: "groups", operator: "contains", value: "nobody" },
    ];
    expect(() => checkClaimRules(payload, rules)).toThrow(
      expect.objectContaining({ code: "claim_mismatch", claim: "groups" }),
    );
    expect(() => checkClaimRules(payload, rules.slice(0, 1))).not.toThrow();
  });
});

describe("userClaimValue: an email that identifies the user must be verified", () => {
  const provider = (userClaim: string, userField: string) =>
    providerSchema.parse({
      name: "p",
      metadataUrl: "https://idp.example/.well-known/openid-configuration",
      clientId: "c",
      userClaim,
      userField,
    });
  const unverified = {
    upn: "ann@example.com",
    email: "ann@example.com",
    preferred_username: "ann",
    email_verified: false,
  };

  it.each([
    ["a non-email claim matched against the email field", "upn", "email"],
    ["the email claim matched against another field", "email", "user_name"],
  ])("for %s (nOAuth)", (_, userClaim, userField) => {
    expect(() => userClaimValue(unverified, provider(userClaim, userField))).toThrow(
      expect.objectContaining({ code: "email_unverified", claim: "email_verified" }),
    );
    expect(userClaimValue({ ...unverified, email_verified: true }, provider(userClaim, userField))).toBe(
      "ann@example.com",
    );
  });

  it("but not for a claim and field that are no email", () => {
    expect(userClaimValue(unverified, provider("preferred_username", "user_name"))).toBe("ann");
  });
});

describe("checkIdTokenClaims for an access token: its client", () => {
  const accessProvider = providerSchema.parse({
    name: "api",
    metadataUrl: "https://idp.example/.well-known/openid-configuration",
    tokenType: "access",
    accessToken: { audience: "api://orders", clientIds: "all" },
  });
  const nowSec = 1_800_000_000;
  const token = (client: Record<string, unknown>) => ({
    sub: "svc",
    aud: "api://orders",
    exp: nowSec + 300,
    iat: nowSec - 10,
    ...client,
  });

  it.each([
    ["a number", { client_id: 42 }],
    ["an empty string", { client_id: "" }],
    ["an over-long string", { azp: "c".repeat(1000) }],
    ["an object", { cid: { id: "c" } }],
  ])("refuses a client that is %s, also from a provider that accepts every client", (_, client) => {
    expect(() => checkIdTokenClaims(token(client), accessProvider, nowSec)).toThrow(
      expect.objectContaining({ code: "claim_invalid" }),
    );
  });

  it("accepts a client that is a string", () => {
    expect(() => checkIdTokenClaims(token({ client_id: "orders-app" }), accessProvider, nowSec)).not.toThrow();
  });
});
