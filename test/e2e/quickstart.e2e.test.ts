// The README quickstart, for real: `npm start` as a child process, a token through the real code + PKCE
// flow, calls through the local gateway to the real handlers.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNAUTHENTICATED_BODY } from "../../functions/shared/errors";
import type { LocalState } from "../../infra/local/state";
import { fetchIdToken } from "../../infra/local/token-flow";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { systemClock } from "../../functions/shared/clock";
import { providerKey, providerSchema } from "../../functions/config/schema";
import { createDocumentClient } from "../../functions/shared/dynamo";
import { UserDirectory } from "../../functions/users/directory";
import { startTestIssuer } from "../kit/issuer";
import { isAlive, PROJECT_ROOT, startLocalStackProcess, type LocalStackProcess } from "../kit/local-stack-process";

let stack: LocalStackProcess;
let state: LocalState;

/** Runs a command against the stack; a command still running after timeoutMs is killed and fails with its output. */
function run(
  command: string,
  args: string[],
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: stack.env });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} still running after ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  stack = await startLocalStackProcess();
  state = stack.state;
}, 60_000);

afterAll(async () => {
  await stack?.pressCtrlC();
});

const call = (token: string, path = "api/x_oidc/auth/me") =>
  fetch(`${state.apiUrl}${path}`, { headers: { Accept: "application/json", Authorization: `Bearer ${token}` } });

describe("npm start, then the README's commands", () => {
  it("prints the API URL, the provider's metadata URL and the next command", () => {
    expect(stack.output()).toContain(state.apiUrl);
    expect(stack.output()).toContain(state.metadataUrl);
    expect(stack.output()).toContain("TOKEN=$(npm run -s token -- alice)");
  });

  it("`npm run -s token -- alice` prints only a token, and the API answers 200 for alice", async () => {
    const { code, stdout } = await run("npm", ["run", "-s", "token", "--", "alice"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const response = await call(stdout.trim());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      result: { user: { user_name: "alice", email: "alice@example.com" }, roles: ["itil"], provider: "local" },
    });
  });

  it("serves the seed's incident to alice (role itil) through the Table API", async () => {
    const response = await call(
      await fetchIdToken(state.issuer, "alice"),
      "api/now/table/incident/897b04f2dbd4a300a135364e9d961952",
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ result: { sys_id: "897b04f2dbd4a300a135364e9d961952" } });
  });

  it("refuses the same token a second time with the seed's 401 (one-time use is on)", async () => {
    const token = await fetchIdToken(state.issuer, "admin");
    expect((await call(token)).status).toBe(200);

    const replay = await call(token);
    expect(replay.status).toBe(401);
    expect(replay.headers.get("www-authenticate")).toBe("Bearer");
    expect(await replay.json()).toEqual(UNAUTHENTICATED_BODY);
    // Each decision's EMF metric line is in the npm start output (CloudWatch reads the same from Lambda); the
    // child's stdout may reach us a moment after its answer does.
    const emf = () =>
      stack
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{") && line.includes('"_aws"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    await expect
      .poll(emf, { timeout: 10_000 })
      .toContainEqual(expect.objectContaining({ Decisions: 1, outcome: "deny", reason: "jti_replayed" }));
    expect(emf()).toContainEqual(expect.objectContaining({ Decisions: 1, outcome: "allow", reason: "authenticated" }));
  });

  it("refuses a person the users table does not know (no auto-provisioning for the bundled provider)", async () => {
    const response = await call(await fetchIdToken(state.issuer, "mallory"));
    expect(response.status).toBe(401);
  });

  it("uses any provider an operator registers, for example one on another loopback port", async () => {
    const other = await startTestIssuer({ clientId: "partner-app" });
    const client = new DynamoDBClient({
      endpoint: state.dynamoEndpoint,
      region: state.region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    try {
      const doc = createDocumentClient(client);
      const provider = providerSchema.parse({
        name: "partner",
        metadataUrl: other.metadataUrl,
        clientId: "partner-app",
      });
      await doc.send(
        new PutCommand({ TableName: state.tables.config, Item: { pk: providerKey("partner"), ...provider } }),
      );
      await new UserDirectory(doc, state.tables.users, systemClock).create(
        { user_name: "pat", email: "pat@partner.example", roles: ["itil"] },
        { by: "test" },
      );
      // The authorizer re-reads the config table within 30 s; poll rather than sleep the whole time.
      const token = await other.mint({ email: "pat@partner.example" });
      let status = 0;
      for (let waited = 0; status !== 200 && waited < 40_000; waited += 1_000) {
        status = (await call(token)).status;
        if (status !== 200) await sleep(1_000);
      }
      expect(status).toBe(200);
    } finally {
      client.destroy();
      await other.close();
    }
  }, 60_000);

  it("refuses a second `npm start` with a clear message, not a stack trace", async () => {
    const { code, stderr } = await run("npm", ["start", "--silent"]);
    expect(code).toBe(1);
    expect(stderr).toContain("a local stack is already running");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("stops cleanly on Ctrl-C: the server process exits and removes its state file", async () => {
    // A stack of its own, so the other tests keep theirs whatever order they run in.
    const own = await startLocalStackProcess();
    expect(isAlive(own.state.pid)).toBe(true);
    expect(existsSync(own.stateFile)).toBe(true);

    await own.pressCtrlC();
    await own.waitForServerExit();

    expect(isAlive(own.state.pid)).toBe(false);
    expect(existsSync(own.stateFile)).toBe(false);
  }, 90_000);
});
