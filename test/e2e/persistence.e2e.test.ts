// `npm start -- --data DIR`: DynamoDB data and the provider's keys survive a restart.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { fetchIdToken } from "../../infra/local/token-flow";
import { startLocalStackProcess, type LocalStackProcess } from "../kit/local-stack-process";

const dataDir = mkdtempSync(join(tmpdir(), "oidc-data-"));
let stack: LocalStackProcess | undefined;

afterAll(async () => {
  await stack?.pressCtrlC();
});

const api = async (running: LocalStackProcess, method: string, path: string, body?: unknown) => {
  const token = await fetchIdToken(running.state.issuer, "alice");
  return fetch(`${running.state.apiUrl}${path}`, {
    method,
    headers: { Accept: "application/json", "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
};

async function publishedKids(running: LocalStackProcess): Promise<string[]> {
  const discovery = (await (await fetch(running.state.metadataUrl)).json()) as { jwks_uri: string };
  const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid: string }[] };
  return jwks.keys.map((key) => key.kid);
}

it("keeps a record written before a restart, and the provider keeps its signing keys", async () => {
  stack = await startLocalStackProcess(["--data", dataDir]);
  const created = await api(stack, "POST", "api/now/table/incident", { short_description: "survives a restart" });
  expect(created.status).toBe(201);
  const { result } = (await created.json()) as { result: { sys_id: string } };
  const kidsBefore = await publishedKids(stack);
  await stack.pressCtrlC();
  await stack.waitForServerExit();

  // The same provider is the same issuer URL: the users' identity bindings name it, so its port stays.
  const oidcPort = new URL(stack.state.issuer).port;
  stack = await startLocalStackProcess(["--data", dataDir], undefined, { OIDC_PORT: oidcPort });
  const read = await api(stack, "GET", `api/now/table/incident/${result.sys_id}`);
  expect(read.status).toBe(200);
  expect(await read.json()).toMatchObject({ result: { short_description: "survives a restart" } });
  expect(await publishedKids(stack)).toEqual(kidsBefore);
}, 120_000);
