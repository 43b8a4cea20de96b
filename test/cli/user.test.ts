// user show and user unbind against dynalite, with users bound by real sign-ins through the authorizer.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { identityKey } from "../../functions/users/store";
import { createAuthorizerFixture, putUser } from "../kit/authorizer-fixture";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { useCliHarness } from "./cli-fixture";

const cli = useCliHarness();
let idp: TestIssuer;
beforeAll(async () => {
  idp = await startTestIssuer({ algs: ["RS256"] });
});
afterAll(() => idp?.close());

const EMAIL = "ann@example.com";

/** Signs in through the authorizer (which binds and writes); resolves to the decision's reason. */
async function signIn(sub: string): Promise<string> {
  const authorizer = createAuthorizerFixture(cli.testDynamo);
  await authorizer.authorize(await idp.mint({ sub, email: EMAIL })).catch(() => undefined);
  return authorizer.lastDecision().reason;
}

const storedUser = async (sysId: string) => (await cli.items("users")).find((item) => item["sys_id"] === sysId);
const errorOf = (stderr: string) => (JSON.parse(stderr) as { error: { code: string } }).error;

describe("user show and unbind", () => {
  let sysId: string;
  beforeEach(async () => {
    await cli.run(["provider", "add", "local", "--metadata-url", idp.metadataUrl, "--client-id", "client-1"]);
    ({ sys_id: sysId } = await putUser(cli.testDynamo, { user_name: "ann", email: EMAIL, roles: ["itil"] }));
  });

  it("shows the identity a sign-in bound the user to, by user_name or sys_id", async () => {
    expect(await signIn("ann-at-idp")).toBe("authenticated");

    const byName = await cli.run(["user", "show", "ann", "--json"]);
    const bySysId = await cli.run(["user", "show", sysId]);

    expect(byName.code).toBe(0);
    expect(byName.json()).toEqual({
      user: { sys_id: sysId, user_name: "ann", email: EMAIL, active: true, locked_out: false, roles: ["itil"] },
      binding: { issuer: idp.issuer, subject: "ann-at-idp", provider: "local", links: {} },
    });
    expect(bySysId.code).toBe(0);
    expect(bySysId.stdout).toMatch(/subject\s+ann-at-idp/);
    expect(bySysId.stdout).toMatch(/provider\s+local/);
  });

  it("says a user is not bound", async () => {
    const result = await cli.run(["user", "show", "ann", "--json"]);

    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ binding: null });
  });

  it("unbind removes the binding and its guard, so another identity the user claim matches can bind", async () => {
    await signIn("ann-at-idp");
    expect(await signIn("ann-elsewhere")).toBe("identity_conflict");

    const result = await cli.run(["user", "unbind", "ann", "--json"]);

    expect(result.code).toBe(0);
    expect(result.json()).toEqual({
      sys_id: sysId,
      user_name: "ann",
      removed: { issuer: idp.issuer, subject: "ann-at-idp", provider: "local", links: {} },
    });
    const user = await storedUser(sysId);
    for (const field of ["oidc_issuer", "oidc_subject", "oidc_provider", "oidc_identity", "oidc_links"]) {
      expect(user).not.toHaveProperty(field);
    }
    expect(user).toMatchObject({ sys_updated_by: "oidc-admin" });
    const guard = `unique#identity#${identityKey({ issuer: idp.issuer, subject: "ann-at-idp" })}`;
    expect((await cli.items("users")).map((item) => item["sys_id"])).not.toContain(guard);

    expect(await signIn("ann-elsewhere")).toBe("authenticated");
    expect(await storedUser(sysId)).toMatchObject({ oidc_subject: "ann-elsewhere", oidc_provider: "local" });
  });

  it("unbind prints what it removed, linked identities included", async () => {
    const link = { issuer: "https://other.example", subject: "ann-there" };
    await putUser(cli.testDynamo, {
      user_name: "bo",
      oidc_issuer: idp.issuer,
      oidc_subject: "bo-at-idp",
      oidc_provider: "local",
      oidc_links: { other: { ...link, identity: identityKey(link) } },
    });

    const result = await cli.run(["user", "unbind", "bo"]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^user bo \(sys_id [0-9a-f]{32}\) unbound; removed:\n/);
    expect(result.stdout).toMatch(/subject\s+bo-at-idp/);
    expect(result.stdout).toMatch(/linked\s+other: https:\/\/other\.example ann-there/);
    expect((await cli.run(["user", "show", "bo", "--json"])).json()).toMatchObject({ binding: null });
  });

  it("unbind of a user that is not bound changes nothing", async () => {
    const before = await cli.items("users");
    expect(before.find((item) => item["sys_id"] === sysId)).toMatchObject({ user_name: "ann" });

    const result = await cli.run(["user", "unbind", sysId]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`user ann (sys_id ${sysId}) was not bound: nothing to remove\n`);
    expect(await cli.items("users")).toEqual(before);
  });

  it("exits 1 with not_found for a user that does not exist, by either kind of name", async () => {
    const unbind = await cli.run(["user", "unbind", "nobody", "--json"]);
    const show = await cli.run(["user", "show", "0123456789abcdef0123456789abcdef", "--json"]);

    expect([unbind.code, show.code]).toEqual([1, 1]);
    expect([errorOf(unbind.stderr).code, errorOf(show.stderr).code]).toEqual(["not_found", "not_found"]);
  });
});
