// Runs `npm start` as a child process in its own process group, the way a person runs it in a terminal.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive, type LocalState } from "../../infra/local/state";

export const PROJECT_ROOT = new URL("../..", import.meta.url).pathname;

export interface LocalStackProcess {
  readonly state: LocalState;
  readonly stateFile: string;
  readonly env: NodeJS.ProcessEnv;
  output(): string;
  /** SIGINT to the whole group, as Ctrl-C; resolves when npm has exited. */
  pressCtrlC(): Promise<void>;
}

export async function startLocalStackProcess(
  args: string[] = [],
  stateFile = join(mkdtempSync(join(tmpdir(), "oidc-local-")), "state.json"),
  envOverrides: NodeJS.ProcessEnv = {},
): Promise<LocalStackProcess> {
  const env = {
    ...process.env,
    PORT: "0",
    OIDC_PORT: "0",
    LOCAL_STATE_FILE: stateFile,
    LOG_LEVEL: "WARN",
    ...envOverrides,
  };
  const child: ChildProcess = spawn("npm", ["start", "--silent", ...(args.length > 0 ? ["--", ...args] : [])], {
    cwd: PROJECT_ROOT,
    env,
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  for (let waited = 0; !existsSync(stateFile); waited += 200) {
    if (waited > 45_000 || hasExited()) throw new Error(`local stack did not start:\n${output}`);
    await sleep(200);
  }
  return {
    state: JSON.parse(readFileSync(stateFile, "utf8")) as LocalState,
    stateFile,
    env,
    output: () => output,
    pressCtrlC: async () => {
      if (hasExited()) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-(child.pid as number), "SIGINT");
      await exited;
    },
  };
}

export { isAlive };

/** Waits for the server process itself (not npm) to finish its shutdown. */
export async function waitForExit(pid: number, timeoutMs = 10_000): Promise<void> {
  for (let waited = 0; isAlive(pid) && waited < timeoutMs; waited += 100) await sleep(100);
}
