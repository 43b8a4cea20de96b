// Provisioning's pure steps (unit): the transform map's claim values (what counts as a present claim, how
// values become text) and the binding step for a user already bound to the identity.
import { describe, expect, it } from "vitest";
import { bindingStep, planUser } from "../../functions/authorizer/provisioning";
import { identityKey } from "../../functions/users/store";
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
    expect(plan({ groups: ["solo"] })["u_groups"]).toBe("solo");
    expect(plan({ groups: ["a", { b: 1 }] })).not.toHaveProperty("u_groups");
  });
});

describe("bindingStep for a user already bound to the token's identity", () => {
  const identity = { issuer: "https://idp", subject: "s-1", provider: "jit" };
  const bound = {
    sys_id: "b".repeat(32),
    user_name: "ann",
    active: true,
    locked_out: false,
    roles: [],
    oidc_issuer: identity.issuer,
    oidc_subject: identity.subject,
    oidc_provider: "jit",
  };

  it("uses it when its identity index attribute is in place, and rebinds it (repairing the index) when not", () => {
    expect(bindingStep(provider, { ...bound, oidc_identity: identityKey(identity) }, identity)).toBe("use");
    expect(bindingStep(provider, bound, identity)).toBe("bind");
    expect(bindingStep(provider, { ...bound, oidc_identity: "0".repeat(64) }, identity)).toBe("bind");
  });
});
