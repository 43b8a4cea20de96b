// export and import: a byte-identical round trip, all-or-nothing validation, merge by default and --replace.
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { providerKey } from "../../functions/config/schema";
import { cliHarness, useCliHarness, writeTemp as writeTempFile, type CliHarness } from "./cli-fixture";

const cli = useCliHarness();
const writeTemp = (content: unknown): string => writeTempFile("config.json", content);

const provider = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  metadataUrl: `https://${name}.example/.well-known/openid-configuration`,
  clientId: `${name}-client`,
  ...extra,
});

async function populate(target: CliHarness): Promise<void> {
  await target.run([
    "provider",
    "add",
    "zeta",
    "--file",
    writeTemp(
      provider("zeta", {
        claimValidations: [{ claim: "groups", operator: "contains", value: "api" }],
        // A free-form map in an order of its own: the export must not depend on it.
        autoProvision: {
          enabled: true,
          transformMap: { user_name: "preferred_username", email: "email", u_team: { value: "ops" } },
        },
      }),
    ),
  ]);
  await target.run(["provider", "add", "alpha", "--file", writeTemp(provider("alpha"))]);
  await target.run(["property", "set", "glide.auth.debug.enabled", "true"]);
  await target.run(["acl", "set", "incident", "--read", "itil"]);
  await target.run([
    "table",
    "set",
    "--file",
    writeTemp({ name: "incident", columns: { u_team: { type: "string" } } }),
  ]);
  await target.run([
    "route",
    "set",
    "writers",
    "--path",
    "/api/now/table/incident",
    "--methods",
    "POST",
    "--roles",
    "itil",
  ]);
}

describe("export", () => {
  it("prints every kind sorted by name, in the stored (parsed) form", async () => {
    await populate(cli);

    const result = await cli.run(["export"]);

    expect(result.code).toBe(0);
    const document = result.json<{
      version: number;
      providers: { name: string }[];
      properties: unknown[];
      acls: unknown[];
      tables: unknown[];
      routeRules: unknown[];
    }>();
    expect(document.version).toBe(1);
    expect(document.providers.map((p) => p.name)).toEqual(["alpha", "zeta"]);
    expect(document.providers[0]).toMatchObject({ userClaim: "email", clockSkewSeconds: 60, active: true });
    expect(document.properties).toEqual([{ name: "glide.auth.debug.enabled", value: "true" }]);
    expect(document.acls).toEqual([{ table: "incident", read: ["itil"], create: [], write: [], delete: [] }]);
    expect(document.tables).toEqual([{ name: "incident", columns: { u_team: { type: "string" } } }]);
    expect(document.routeRules).toEqual([
      {
        name: "writers",
        routes: [{ path: "/api/now/table/incident", methods: ["POST"] }],
        requires: { roles: ["itil"] },
      },
    ]);
  });

  it("round-trips: export, import into an empty table, export again gives the same bytes", async () => {
    await populate(cli);
    const first = await cli.run(["export"]);
    const empty = await cliHarness(cli.dynamo);

    const imported = await empty.run(["import", writeTemp(first.stdout)]);
    const second = await empty.run(["export"]);

    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("imported: 6 created, 0 updated, 0 unchanged, 0 deleted");
    expect(second.stdout).toBe(first.stdout);
    expect(await empty.items("config")).toEqual(await cli.items("config"));
  });

  it("leaves out items the authorizer ignores, warns about each, and exits 1", async () => {
    await populate(cli);
    await cli.dynamo.doc.send(
      new PutCommand({ TableName: cli.tables.config, Item: { pk: providerKey("typo"), name: "typo" } }),
    );

    const result = await cli.run(["export"]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("not exported, the authorizer ignores it: provider#typo");
    expect(result.json<{ providers: unknown[] }>().providers).toHaveLength(2);
  });
});

describe("import", () => {
  it("validates everything first: one bad item and nothing is written, every bad item named", async () => {
    await cli.run(["property", "set", "keep", "me"]);
    const before = await cli.items("config");
    const document = {
      version: 1,
      providers: [provider("good"), provider("bad", { userField: "phone" }), provider("good")],
      properties: [{ name: "p", value: 1 }],
      acls: [{ table: "incident", read: ["itil"], extra: true }],
    };

    const result = await cli.run(["import", writeTemp(document)]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("nothing was imported");
    expect(result.stderr).toContain("providers[1] (bad): userField");
    expect(result.stderr).toContain("providers[2] (good): a second provider with this name");
    expect(result.stderr).toContain("properties[0] (p): value");
    expect(result.stderr).toContain('acls[0] (incident): (item): Unrecognized key: "extra"');
    expect(await cli.items("config")).toEqual(before);
  });

  it("refuses a document of another shape", async () => {
    const result = await cli.run(["import", writeTemp({ version: 2, providers: [], colour: "red" })]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("version");
    expect(result.stderr).toContain("colour");
  });

  it("merges by default, and with --replace deletes what the document lacks", async () => {
    await populate(cli);
    const document = { version: 1, providers: [provider("alpha", { clientId: "changed" }), provider("new")] };

    const merged = await cli.run(["import", writeTemp(document), "--json"]);
    const replaced = await cli.run(["import", writeTemp(document), "--replace", "--json"]);
    const after = await cli.run(["export"]);

    expect(merged.json()).toEqual({
      dryRun: false,
      created: [providerKey("new")],
      updated: [providerKey("alpha")],
      unchanged: [],
      deleted: [],
    });
    expect(replaced.json()).toMatchObject({
      unchanged: [providerKey("alpha"), providerKey("new")],
      deleted: [
        providerKey("zeta"),
        "property#glide.auth.debug.enabled",
        "acl#incident",
        "table#incident",
        "route#writers",
      ],
    });
    expect(after.json()).toMatchObject({
      providers: [{ name: "alpha", clientId: "changed" }, { name: "new" }],
      properties: [],
      acls: [],
      tables: [],
      routeRules: [],
    });
  });

  it("--dry-run reports the plan and writes nothing", async () => {
    await populate(cli);
    const before = await cli.items("config");

    const result = await cli.run(["import", writeTemp({ version: 1 }), "--replace", "--dry-run"]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain("would import: 0 created, 0 updated, 0 unchanged, 6 deleted");
    expect(await cli.items("config")).toEqual(before);
  });

  it("reads the document from standard input with -", async () => {
    const result = await cli.run(["import", "-"], {
      stdinText: JSON.stringify({ version: 1, providers: [provider("okta")] }),
    });

    expect(result.code).toBe(0);
    expect(await cli.items("config")).toHaveLength(1);
  });
});
