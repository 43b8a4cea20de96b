// README, Provider guides: one guide per provider kind, each ending in a provider item the authorizer's
// own schema accepts once its placeholders are filled in, with the quirk options each guide describes.
import { describe, expect, it } from "vitest";
import { providerKey, providerSchema, TENANT_PLACEHOLDER } from "../../functions/config/schema";
import { readmeSection } from "./readme-text";

const GUIDES = readmeSection("## Provider guides");
const items = [...GUIDES.matchAll(/```json\n([\s\S]*?)\n```/g)].map((match) => {
  let n = 0;
  // `<org>`, `<tenant id>`, ...: each placeholder becomes a plain, distinct value.
  const filled = (match[1] as string).replace(/<[^>]+>/g, () => `example-${++n}`);
  return JSON.parse(filled) as Record<string, unknown>;
});

describe("README provider guides", () => {
  it("has a guide and an item for Okta, Entra ID, Google, Auth0 and Keycloak", () => {
    for (const heading of ["### Okta", "### Entra ID", "### Google", "### Auth0", "### Keycloak"]) {
      expect(GUIDES).toContain(`\n${heading}`);
    }
    expect(items.map((item) => item["name"])).toEqual(["okta", "entra", "google", "auth0", "keycloak"]);
  });

  it.each(items.map((item) => [item["name"], item] as const))("gives a valid %s item, keyed by its name", (_, item) => {
    const { pk, ...fields } = item;
    const parsed = providerSchema.safeParse(fields);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(pk).toBe(providerKey(String(item["name"])));
  });

  it("shows each quirk as its option: Entra's tenant template and v1 alias, Google's bare issuer, Auth0's namespaced claims", () => {
    const byName = new Map(items.map(({ pk: _pk, ...item }) => [item["name"], providerSchema.parse(item)]));
    expect(byName.get("entra")).toMatchObject({
      issuer: `https://login.microsoftonline.com/${TENANT_PLACEHOLDER}/v2.0`,
      issuerAliases: [`https://sts.windows.net/${TENANT_PLACEHOLDER}/`],
    });
    expect(byName.get("entra")?.tenants).toHaveLength(2);
    expect(byName.get("google")?.issuerAliases).toEqual(["accounts.google.com"]);
    expect(byName.get("auth0")?.claimValidations[0]?.claim).toBe("https://example.com/roles");
    expect(byName.get("keycloak")?.claimValidations[0]?.claim).toBe("realm_access.roles");
  });
});
