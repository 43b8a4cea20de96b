// `cdk synth` through the real CLI and cdk.json, offline and without AWS credentials.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("cdk synth", () => {
  // A fresh output directory, so a template left over from an earlier synth cannot pass the test.
  const scratch = mkdtempSync(join(tmpdir(), "oidc-auth-synth-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("works with no AWS credentials, no account lookup and no network", { timeout: 180_000 }, () => {
    const outdir = join(scratch, "cdk.out");
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")));
    const result = spawnSync(
      "npx",
      ["cdk", "synth", "--quiet", "--no-notices", "--no-version-reporting", "--output", outdir],
      {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        env: {
          ...env,
          // No profile, no instance metadata: any attempt to find credentials comes up empty, quickly.
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_CONFIG_FILE: join(scratch, "no-config"),
          AWS_SHARED_CREDENTIALS_FILE: join(scratch, "no-credentials"),
          CDK_DISABLE_VERSION_CHECK: "1",
        },
      },
    );

    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const templatePath = join(outdir, "OidcAuthStack.template.json");
    expect(existsSync(templatePath)).toBe(true);
    const template = JSON.parse(readFileSync(templatePath, "utf8")) as { Resources: Record<string, { Type: string }> };
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types).toContain("AWS::ApiGateway::Authorizer");
    expect(types).toContain("AWS::DynamoDB::Table");
  });
});
