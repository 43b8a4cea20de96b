// The quirk options of a provider item (README, Configure a provider): a {tenantid} issuer needs its
// tenants, tenants need a {tenantid} issuer, aliases follow the issuer's template, maxStaleSeconds is bounded.
import { describe, expect, it } from "vitest";
import { describeIssues, providerSchema } from "../../functions/config/schema";

const base = {
  name: "entra",
  metadataUrl: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
  clientId: "client-1",
};
const template = "https://login.microsoftonline.com/{tenantid}/v2.0";
const problems = (input: Record<string, unknown>): string => {
  const parsed = providerSchema.safeParse({ ...base, ...input });
  return parsed.success ? "" : describeIssues(parsed.error);
};

describe("provider quirk options", () => {
  it("requires tenants with a {tenantid} issuer, as a list of ids or exactly all", () => {
    expect(problems({ issuer: template })).toContain("tenants: required with {tenantid}");
    expect(problems({ issuer: template, tenants: "all" })).toBe("");
    expect(problems({ issuer: template, tenants: ["11111111-1111-4111-8111-111111111111"] })).toBe("");
    expect(problems({ issuer: template, tenants: [] })).toContain("tenants");
    expect(problems({ issuer: template, tenants: "*" })).toContain("tenants");
    expect(problems({ issuer: template, tenants: ["../x"] })).toContain("tenants");
  });

  it("refuses tenants without a {tenantid} issuer", () => {
    expect(problems({ tenants: "all", issuer: "https://login.microsoftonline.com/t/v2.0" })).toContain(
      "tenants: only for an issuer with {tenantid}",
    );
  });

  it("takes a {tenantid} alias only with a {tenantid} issuer, and requires one there", () => {
    expect(problems({ issuer: template, tenants: "all", issuerAliases: ["https://sts.windows.net/{tenantid}/"] })).toBe(
      "",
    );
    expect(problems({ issuer: template, tenants: "all", issuerAliases: ["https://sts.windows.net/fixed/"] })).toContain(
      "issuerAliases.0: must have {tenantid}",
    );
    expect(problems({ issuer: "https://x.example", issuerAliases: ["https://sts.windows.net/{tenantid}/"] })).toContain(
      "issuerAliases.0",
    );
    expect(problems({ issuer: "https://x.example", issuerAliases: ["has space"] })).toContain("issuerAliases.0");
  });

  it("bounds maxStaleSeconds from 60 s to 7 days, 24 h by default", () => {
    expect(providerSchema.parse({ ...base, issuer: template, tenants: "all" }).maxStaleSeconds).toBe(86_400);
    expect(problems({ issuer: template, tenants: "all", maxStaleSeconds: 59 })).toContain("maxStaleSeconds");
    expect(problems({ issuer: template, tenants: "all", maxStaleSeconds: 7 * 86_400 + 1 })).toContain(
      "maxStaleSeconds",
    );
  });
});
