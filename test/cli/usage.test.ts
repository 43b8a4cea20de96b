// Usage errors exit 2 with a usage line; help exits 0; neither touches a table.
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    // A target that does not exist: usage errors must be found before any target is needed.
    localStateFile: "/nonexistent/state.json",
  });
  return { code, stdout, stderr };
}

describe("usage", () => {
  it.each([
    [[], "no command given"],
    [["frobnicate"], "unknown command: frobnicate"],
    [["provider"], "unknown command: provider"],
    [["provider", "rename", "a"], "unknown command: provider rename"],
    [["provider", "list", "--colour"], "Unknown option '--colour'"],
    [["provider", "add", "okta", "--client-id"], "argument missing"],
    [["provider", "show"], "takes 1 argument(s), got 0"],
    [["provider", "remove", "a", "b"], "takes 1 argument(s), got 2"],
    [["property", "set", "only-a-name"], "takes 2 argument(s), got 1"],
    [["acl", "list", "--read", "itil"], "Unknown option '--read'"],
  ])("%j exits 2: %s", async (args, message) => {
    const result = await run(args);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("usage: ");
    expect(result.stdout).toBe("");
  });

  it("lists the known subcommands of a group for an unknown one", async () => {
    const result = await run(["acl", "grant"]);

    expect(result.stderr).toContain("acl commands: acl list, acl get, acl set, acl remove");
  });

  it("reports a usage error as JSON with --json", async () => {
    const result = await run(["provider", "show", "--json"]);

    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr)).toEqual({
      error: { code: "usage", message: expect.stringContaining("takes 1") },
    });
  });

  it("prints help to stdout and exits 0", async () => {
    const all = await run(["--help"]);
    const word = await run(["help"]);
    const one = await run(["provider", "add", "--help"]);
    const needsArgument = await run(["user", "unbind", "--help"]);

    expect([all.code, word.code, one.code, needsArgument.code]).toEqual([0, 0, 0, 0]);
    expect(needsArgument.stdout).toContain("usage: oidc-admin user unbind <sys_id|user_name>");
    expect(all.stdout).toContain("explain <token>|-");
    expect(all.stdout).toContain("exit codes: 0 done, 1 refused or failed, 2 usage");
    expect(word.stdout).toBe(all.stdout);
    expect(one.stdout).toContain("usage: oidc-admin provider add <name>");
  });

  it("accepts global flags before the command words", async () => {
    const result = await run(["--json", "--config-table", "t", "provider", "bogus"]);

    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { message: "unknown command: provider bogus" } });
  });
});
