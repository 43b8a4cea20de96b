// acl and property subcommands against dynalite: roles per table operation, and the seed's debug switches.
import { describe, expect, it } from "vitest";
import { aclKey, propertyKey } from "../../functions/config/schema";
import { useCliHarness } from "./cli-fixture";

const cli = useCliHarness();

describe("acl", () => {
  it("set stores the parsed ACL; a later set changes only the operations it names", async () => {
    const first = await cli.run(["acl", "set", "incident", "--read", "itil, admin", "--write", "itil"]);
    const second = await cli.run(["acl", "set", "incident", "--write", "", "--delete", "admin", "--json"]);

    expect(first.code).toBe(0);
    expect(second.json()).toEqual({
      acl: { table: "incident", read: ["itil", "admin"], create: [], write: [], delete: ["admin"] },
    });
    expect(await cli.items("config")).toEqual([
      { pk: aclKey("incident"), table: "incident", read: ["itil", "admin"], create: [], write: [], delete: ["admin"] },
    ]);
  });

  it("get, list and remove", async () => {
    await cli.run(["acl", "set", "problem", "--read", "itil"]);
    await cli.run(["acl", "set", "incident", "--create", "itil"]);

    const get = await cli.run(["acl", "get", "problem"]);
    const list = await cli.run(["acl", "list", "--json"]);
    const human = await cli.run(["acl", "list"]);
    const removed = await cli.run(["acl", "remove", "problem"]);
    const gone = await cli.run(["acl", "get", "problem"]);

    expect(get.stdout).toMatch(/read\s+itil/);
    expect(list.json<{ acls: { table: string }[] }>().acls.map((acl) => acl.table)).toEqual(["incident", "problem"]);
    expect(human.stdout).toMatch(/^TABLE\s+READ\s+CREATE\s+WRITE\s+DELETE\nincident/);
    expect(removed.code).toBe(0);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("Invalid table");
  });

  it("refuses an invalid table or role, naming it, and writes nothing", async () => {
    const table = await cli.run(["acl", "set", "Incident", "--read", "itil"]);
    const role = await cli.run(["acl", "set", "incident", "--read", "itil,bad role"]);

    expect(table.code).toBe(1);
    expect(table.stderr).toContain("table: a table name");
    expect(role.code).toBe(1);
    expect(role.stderr).toContain("read.1: a role name");
    expect(await cli.items("config")).toEqual([]);
  });

  it("set without any operation is a usage error", async () => {
    const result = await cli.run(["acl", "set", "incident"]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("usage: oidc-admin acl set <table>");
  });
});

describe("property", () => {
  it("set, get, list and remove", async () => {
    const set = await cli.run(["property", "set", "glide.auth.debug.enabled", "true"]);
    const get = await cli.run(["property", "get", "glide.auth.debug.enabled"]);
    const list = await cli.run(["property", "list"]);
    const json = await cli.run(["property", "list", "--json"]);
    const removed = await cli.run(["property", "remove", "glide.auth.debug.enabled"]);
    const after = await cli.run(["property", "list", "--json"]);

    expect(set.code).toBe(0);
    expect(get.stdout).toBe("true\n");
    expect(list.stdout).toContain(
      "debug log (glide.auth.debug.enabled or com.snc.platform.security.oauth.debug = true): on",
    );
    expect(json.json()).toEqual({
      properties: [{ name: "glide.auth.debug.enabled", value: "true" }],
      debugLog: true,
      invalid: [],
    });
    expect(removed.code).toBe(0);
    expect(after.json()).toMatchObject({ properties: [], debugLog: false });
  });

  it("stores {pk, name, value}", async () => {
    await cli.run(["property", "set", "com.snc.platform.security.oauth.debug", "false"]);

    expect(await cli.items("config")).toEqual([
      {
        pk: propertyKey("com.snc.platform.security.oauth.debug"),
        name: "com.snc.platform.security.oauth.debug",
        value: "false",
      },
    ]);
  });

  it("warns when a debug switch gets a value other than true or false", async () => {
    const result = await cli.run(["property", "set", "glide.auth.debug.enabled", "ture"]);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('only "true" turns it on');
  });

  it("refuses a value over the schema's limit and writes nothing; unknown names fail", async () => {
    const long = await cli.run(["property", "set", "x", "v".repeat(5000)]);
    const missing = await cli.run(["property", "get", "nope"]);
    const removeMissing = await cli.run(["property", "remove", "nope"]);

    expect(long.code).toBe(1);
    expect(long.stderr).toContain("value: Too big");
    expect(await cli.items("config")).toEqual([]);
    expect(missing.code).toBe(1);
    expect(removeMissing.code).toBe(1);
  });
});
