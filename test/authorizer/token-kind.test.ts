// ID token or access token (unit): what each kind of provider refuses, one sign at a time.
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import { describe, expect, it } from "vitest";
import { checkTokenType, grantedScopes, tokenKindOf } from "../../functions/authorizer/token-kind";
import { providerSchema } from "../../functions/config/schema";

const jwt = (header: Record<string, unknown>, payload: Record<string, unknown>): DecomposedJwt =>
  ({ header: { alg: "RS256", ...header }, payload: { iss: "https://idp", sub: "s", ...payload } }) as DecomposedJwt;

const idProvider = providerSchema.parse({
  name: "id",
  metadataUrl: "https://idp/.well-known/openid-configuration",
  clientId: "c",
});
const accessProvider = (acceptedTypes?: string[]) =>
  providerSchema.parse({
    name: "access",
    metadataUrl: "https://idp/.well-known/openid-configuration",
    tokenType: "access",
    accessToken: { audience: "api://x", clientIds: "all", ...(acceptedTypes && { acceptedTypes }) },
  });

const refusal = (check: () => void) => {
  try {
    check();
  } catch (error) {
    return error as { code: string; claim?: string; message: string };
  }
  return undefined;
};

describe("an ID-token provider", () => {
  it.each([
    ["no typ", {}, {}],
    ["typ JWT", { typ: "JWT" }, {}],
    ["typ application/jwt", { typ: "application/jwt" }, {}],
  ])("accepts %s", (_, header, payload) => {
    expect(refusal(() => checkTokenType(jwt(header, payload), idProvider))).toBeUndefined();
    expect(tokenKindOf(jwt(header, payload))).toBe("id");
  });

  const refused: [string, Record<string, unknown>, Record<string, unknown>, string | undefined][] = [
    ["typ at+jwt", { typ: "at+jwt" }, {}, undefined],
    ["typ application/at+jwt", { typ: "Application/AT+JWT" }, {}, undefined],
    ["typ logout+jwt", { typ: "logout+jwt" }, {}, undefined],
    ["a typ that is not a string", { typ: 5 }, {}, undefined],
    ...["client_id", "scope", "scp", "azpacr", "appidacr", "cid", "gty"].map(
      (claim): [string, Record<string, unknown>, Record<string, unknown>, string] => [
        `claim ${claim}`,
        {},
        { [claim]: "x" },
        claim,
      ],
    ),
    ["Cognito's token_use access", {}, { token_use: "access" }, "token_use"],
    ["Keycloak's payload typ Bearer", {}, { typ: "Bearer" }, "typ"],
  ];
  it.each(refused)("refuses %s", (_, header, payload, claim) => {
    const error = refusal(() => checkTokenType(jwt(header, payload), idProvider));
    expect(error).toMatchObject({ code: "token_type_invalid" });
    if (claim !== undefined) expect(error?.claim).toBe(claim);
  });
});

describe("an access-token provider", () => {
  it("accepts at+jwt by default, in any case, and JWT or no typ only when it lists JWT", () => {
    const rfc = jwt({ typ: "AT+JWT" }, { client_id: "c" });
    expect(refusal(() => checkTokenType(rfc, accessProvider()))).toBeUndefined();
    expect(tokenKindOf(rfc)).toBe("access");
    for (const header of [{ typ: "JWT" }, {}, { typ: "application/jwt" }]) {
      const token = jwt(header, { scp: "a" });
      expect(refusal(() => checkTokenType(token, accessProvider()))).toMatchObject({ code: "token_type_invalid" });
      expect(refusal(() => checkTokenType(token, accessProvider(["JWT"])))).toBeUndefined();
    }
    expect(refusal(() => checkTokenType(rfc, accessProvider(["JWT"])))).toMatchObject({ code: "token_type_invalid" });
  });

  it.each(["nonce", "at_hash", "c_hash", "s_hash"])("refuses a token with an ID token's %s", (claim) => {
    const token = jwt({ typ: "JWT" }, { scp: "a", [claim]: "x" });
    expect(refusal(() => checkTokenType(token, accessProvider(["JWT"])))).toMatchObject({
      code: "token_type_invalid",
      claim,
    });
  });

  it("refuses a JWT-typed token with no access-token claim: an ID token, whatever its audience", () => {
    const error = refusal(() => checkTokenType(jwt({ typ: "JWT" }, { aud: "api://x" }), accessProvider(["JWT"])));
    expect(error).toMatchObject({ code: "token_type_invalid" });
    expect(error?.message).toContain("no access-token claim");
  });

  it("refuses a typ that is not a string", () => {
    expect(refusal(() => checkTokenType(jwt({ typ: ["at+jwt"] }, { client_id: "c" }), accessProvider()))).toMatchObject(
      {
        code: "token_type_invalid",
      },
    );
  });
});

describe("granted scopes", () => {
  it("reads space-separated strings and arrays from the provider's scope claims, and nothing for ID tokens", () => {
    const provider = providerSchema.parse({
      name: "a",
      metadataUrl: "https://idp/.well-known/openid-configuration",
      tokenType: "access",
      accessToken: { audience: "api://x", clientIds: "all", scopeClaims: ["scp", "roles", "ext.perms"] },
    });
    const payload = { scp: "a  b", roles: ["c", 5, ""], ext: { perms: ["d"] }, scope: "not-read" };
    expect([...grantedScopes(payload, provider)].sort()).toEqual(["a", "b", "c", "d"]);
    expect(grantedScopes(payload, idProvider).size).toBe(0);
  });
});
