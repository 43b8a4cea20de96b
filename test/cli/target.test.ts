// Target resolution: flags > environment > a deployed stack's outputs > the running local stack's state file > error.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveTarget, STACK_OUTPUT_KEYS, type Target, type TargetFlags } from "../../cli/target";
import { writeLocalState, type LocalState } from "../../infra/local/state";
import { tableConstructId } from "../../infra/tables";
import { useCliHarness } from "./cli-fixture";

const noFlags: TargetFlags = { tables: {}, allowLoopbackHttp: false };
const tempStateFile = (): string => join(mkdtempSync(join(tmpdir(), "oidc-admin-state-")), "state.json");

function localState(overrides: Partial<LocalState> = {}): LocalState {
  return {
    pid: process.pid,
    apiUrl: "http://127.0.0.1:3000/",
    issuer: "http://127.0.0.1:3001",
    metadataUrl: "http://127.0.0.1:3001/.well-known/openid-configuration",
    dynamoEndpoint: "http://127.0.0.1:8000",
    s3Endpoint: "http://127.0.0.1:8001",
    attachmentsBucket: "local-attachments",
    region: "local",
    tables: {
      config: "local-config",
      users: "local-users",
      jti: "local-jti",
      records: "local-records",
      providerState: "local-provider-state",
    },
    startedAt: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}

describe("resolveTarget", () => {
  it("uses the running local stack when nothing else is named: its endpoint, region, tables, dummy credentials", async () => {
    const file = tempStateFile();
    writeLocalState(localState(), file);

    const target = await resolveTarget(noFlags, { env: {}, localStateFile: file });

    expect(target).toEqual<Target>({
      origin: "local stack",
      endpoint: "http://127.0.0.1:8000",
      region: "local",
      stack: undefined,
      tables: { config: "local-config", users: "local-users", jti: "local-jti", providerState: "local-provider-state" },
      local: true,
      allowLoopbackHttp: true,
    });
  });

  it("ignores a state file left by a local stack that is no longer running", async () => {
    const file = tempStateFile();
    writeLocalState(localState({ pid: 2 ** 22 + 12345 }), file);

    await expect(resolveTarget(noFlags, { env: {}, localStateFile: file })).rejects.toMatchObject({
      code: "no_target",
    });
  });

  it("without any target, fails saying how to point the CLI somewhere", async () => {
    const error = await resolveTarget(noFlags, { env: {}, localStateFile: tempStateFile() }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "no_target", message: expect.stringContaining("--stack <name>") });
  });

  it("prefers the environment to the local stack, and flags to the environment", async () => {
    const file = tempStateFile();
    writeLocalState(localState(), file);
    const env = { CONFIG_TABLE: "env-config", USERS_TABLE: "env-users", AWS_REGION: "eu-west-1" };

    const fromEnv = await resolveTarget(noFlags, { env, localStateFile: file });
    const fromFlags = await resolveTarget(
      { ...noFlags, region: "us-east-1", tables: { config: "flag-config" } },
      { env, localStateFile: file },
    );

    expect(fromEnv).toMatchObject({
      origin: "environment",
      endpoint: undefined,
      region: "eu-west-1",
      local: false,
      allowLoopbackHttp: false,
    });
    expect(fromEnv.tables).toEqual({ config: "env-config", users: "env-users" });
    expect(fromFlags).toMatchObject({
      origin: "flags",
      region: "us-east-1",
      tables: { config: "flag-config", users: "env-users" },
    });
  });

  it("reads table names from a deployed stack's outputs, under names the stack really gives them", async () => {
    const asked: unknown[] = [];
    const outputs = {
      ApiUrl: "https://x/",
      ConfigTableName: "Stack-Config",
      UsersTableName: "Stack-Users",
      JtiTableName: "Stack-Jti",
    };

    const target = await resolveTarget(
      { ...noFlags, stack: "OidcAuth", region: "eu-west-1", tables: { jti: "flag-jti" } },
      {
        env: {},
        stackOutputs: async (...args) => {
          asked.push(args);
          return outputs;
        },
      },
    );

    expect(asked).toEqual([["OidcAuth", "eu-west-1"]]);
    expect(target).toMatchObject({
      origin: "stack",
      stack: "OidcAuth",
      local: false,
      tables: { config: "Stack-Config", users: "Stack-Users", jti: "flag-jti" },
    });
    for (const table of ["config", "users", "jti"] as const)
      expect(STACK_OUTPUT_KEYS[table]).toBe(`${tableConstructId(table)}Name`);
  });

  it("allows loopback http against AWS only when asked", async () => {
    const flags = { ...noFlags, tables: { config: "c" } };

    expect((await resolveTarget(flags, { env: {} })).allowLoopbackHttp).toBe(false);
    expect((await resolveTarget({ ...flags, allowLoopbackHttp: true }, { env: {} })).allowLoopbackHttp).toBe(true);
    expect((await resolveTarget(flags, { env: { OIDC_ALLOW_LOOPBACK_HTTP: "true" } })).allowLoopbackHttp).toBe(true);
  });

  it("does not pair the local stack's tables with another endpoint", async () => {
    const file = tempStateFile();
    writeLocalState(localState(), file);

    await expect(
      resolveTarget({ ...noFlags, endpoint: "http://127.0.0.1:9999" }, { env: {}, localStateFile: file }),
    ).rejects.toMatchObject({ code: "no_target" });
  });
});

describe("the CLI against a local stack found by its state file", () => {
  const cli = useCliHarness();

  it("works with no target flags at all", async () => {
    const file = tempStateFile();
    writeLocalState(localState({ dynamoEndpoint: cli.dynamo.endpoint, tables: cli.tables }), file);

    const added = await cli.runBare(
      [
        "provider",
        "add",
        "okta",
        "--metadata-url",
        "https://okta.example/.well-known/openid-configuration",
        "--client-id",
        "c",
      ],
      { localStateFile: file },
    );
    const shown = await cli.runBare(["target"], { localStateFile: file });

    expect(added.code).toBe(0);
    expect(await cli.items("config")).toHaveLength(1);
    expect(shown.stdout).toMatch(/found from\s+local stack/);
    expect(shown.stdout).toContain(cli.tables.config);
  });

  it("exits 1 with the how-to when there is no target", async () => {
    const result = await cli.runBare(["provider", "list"], { localStateFile: tempStateFile() });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: no target");
  });
});
