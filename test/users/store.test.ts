// The users table's read side (dynalite and unit): what counts as a binding, which index attributes a stored
// user gets, malformed links dropped, and a failing table reported as a store failure, never as "no user".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreError } from "../../functions/shared/errors";
import { boundIdentity, DynamoUserStore, linksOf, toUserItem, type UserRecord } from "../../functions/users/store";
import { startDynamo, type TestDynamo } from "../kit/dynamo";

const user: UserRecord = { sys_id: "a".repeat(32), user_name: "ann", active: true, locked_out: false, roles: [] };

describe("boundIdentity", () => {
  it("needs a non-empty issuer and a non-empty subject, both strings", () => {
    expect(boundIdentity({ ...user, oidc_issuer: "https://idp", oidc_subject: "s" })).toEqual({
      issuer: "https://idp",
      subject: "s",
    });
    for (const [issuer, subject] of [
      ["", "s"],
      ["https://idp", ""],
      [undefined, "s"],
      ["https://idp", 5],
    ]) {
      expect(boundIdentity({ ...user, oidc_issuer: issuer, oidc_subject: subject })).toBeUndefined();
    }
  });
});

describe("toUserItem", () => {
  it("indexes a non-empty email, even one character long, and no empty one", () => {
    expect(toUserItem({ ...user, email: "X" })["email_lower"]).toBe("x");
    expect(toUserItem({ ...user, email: "" })).not.toHaveProperty("email_lower");
    expect(toUserItem({ ...user, email: "Ann@Example.com" })["email_lower"]).toBe("ann@example.com");
  });
});

describe("linksOf", () => {
  it("keeps well-formed links and drops malformed ones", () => {
    const good = { issuer: "https://b", subject: "s", identity: "k".repeat(64) };
    const links = linksOf({ ...user, oidc_links: { b: good, c: { issuer: 5 }, d: "nonsense" } });
    expect(Object.keys(links)).toEqual(["b"]);
    expect(links["b"]).toMatchObject({ issuer: "https://b", subject: "s" });
  });
});

describe("a users table that cannot be read", () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(() => dynamo?.stop());

  it("fails every lookup with a StoreError, never with an empty answer", async () => {
    const store = new DynamoUserStore(dynamo.doc, "no-such-users-table");
    const identity = { issuer: "https://idp", subject: "s", provider: "p" };
    await expect(store.findBy("email", "ann@example.com")).rejects.toBeInstanceOf(StoreError);
    await expect(store.findBy("user_name", "ann")).rejects.toBeInstanceOf(StoreError);
    await expect(store.findBound(identity)).rejects.toBeInstanceOf(StoreError);
    await expect(store.findLinked(identity)).rejects.toBeInstanceOf(StoreError);
  });
});
