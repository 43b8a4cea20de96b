// The transform map's claim values (unit): what counts as a present claim, and how values become text.
import { describe, expect, it } from "vitest";
import { planUser } from "../../functions/authorizer/provisioning";
import { providerSchema } from "../../functions/config/schema";

const provider = providerSchema.parse({
  name: "jit",
  metadataUrl: "https://idp/.well-known/openid-configuration",
  clientId: "c",
  userClaim: "sub",
  userField: "user_name",
  autoProvision: {
    enabled: true,
    transformMap: {
      user_name: "sub",
      title: { claim: ["nickname", "preferred_username"], default: "none" },
      department: "dept",
      u_level: "level",
      u_flag: "flag",
      u_groups: "groups",
    },
  },
});

const plan = (claims: Record<string, unknown>) =>
  planUser(provider, { iss: "https://idp", sub: "s-1", ...claims }, "s-1").fields;

describe("transform map values", () => {
  it("skips an empty string for the next claim, and takes a one-character one", () => {
    expect(plan({ nickname: "", preferred_username: "ann" })["title"]).toBe("ann");
    expect(plan({ nickname: "x", preferred_username: "ann" })["title"]).toBe("x");
    expect(plan({ nickname: "", preferred_username: "" })["title"]).toBe("none");
  });

  it("writes numbers and booleans as text, scalar arrays comma-separated, and nothing for objects", () => {
    const fields = plan({ dept: { name: "ops" }, level: 3, flag: false, groups: ["a", 2, true] });
    expect(fields["u_level"]).toBe("3");
    expect(fields["u_flag"]).toBe("false");
    expect(fields["u_groups"]).toBe("a,2,true");
    expect(fields).not.toHaveProperty("department");
    expect(plan({ groups: [] })).not.toHaveProperty("u_groups");
    expect(plan({ groups: ["a", { b: 1 }] })).not.toHaveProperty("u_groups");
  });
});
