// matchIssuer (issuer-match.ts) with a {tenantid} issuer: only a token's own `tid`, a well-formed tenant id
// of a string, fills the template; anything else the token says about its tenant matches nothing.
import { describe, expect, it } from "vitest";
import { matchIssuer } from "../../functions/authorizer/issuer-match";
import { providerSchema } from "../../functions/config/schema";

const entra = providerSchema.parse({
  name: "entra",
  metadataUrl: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
  clientId: "client-1",
  issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
  tenants: "all",
});
const issuerOf = (tenant: string) => `https://login.microsoftonline.com/${tenant}/v2.0`;

describe("matchIssuer with a {tenantid} issuer open to all tenants", () => {
  it("fills the template with the token's own well-formed tid", () => {
    const tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    expect(matchIssuer(entra, { iss: issuerOf(tid), tid })).toMatchObject({ tenant: tid, alias: false });
  });

  it.each<[string, unknown, string]>([
    ["a tid with a path in it", "a/b", "a/b"],
    ["a tid that is a number", 42, "42"],
    ["a tid that is a list", ["t1"], "t1"],
    ["an empty tid", "", ""],
  ])("matches nothing for %s, even where iss spells it", (_, tid, spelled) => {
    expect(matchIssuer(entra, { iss: issuerOf(spelled), tid })).toBeUndefined();
  });
});
