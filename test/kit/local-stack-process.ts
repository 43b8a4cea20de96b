// Runs `npm start` as a child process in its own process group, the way a person runs it in a terminal.
// Every wait has a deadline, and a missed one fails with everything the process printed.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive, type LocalState } from "../../infra/local/state";

export const PROJECT_ROOT = new URL("../..", import.meta.url).pathname;

const START_TIMEOUT_MS = 45_000;
const EXIT_TIMEOUT_MS = 10_000;

export interface LocalStackProcess {
  readonly state: LocalState;
  readonly stateFile: string;
  readonly env: NodeJS.ProcessEnv;
  output(): string;
  /** SIGINT to the whole group, as Ctrl-C; resolves when npm has exited, throws (with the output) if it does not. */
  pressCtrlC(timeoutMs?: number): Promise<void>;
  /** Resolves when the server process itself (not npm) has finished its shutdown; throws if it has not in time. */
  waitForServerExit(timeoutMs?: number): Promise<void>;
}

/** Whether `promise` settles within `ms`; the deadline's timer is cleared either way. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const cancel = new AbortController();
  const deadline = sleep(ms, false, { signal: cancel.signal }).catch(() => false);
  try {
    return await Promise.race([promise.then(() => true), deadline]);
  } finally {
    cancel.abort();
  }
}

/** The state file's content once `npm start` has written all of it; undefined before (absent or half-written). */
function readState(stateFile: string): LocalState | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as LocalState;
    return Number.isInteger(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
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
  let spawnError: Error | undefined;
  child.on("error", (error) => {
    spawnError = error;
  });
  // Settles on exit, or on a spawn error (after which there is nothing left to wait for).
  const exited = once(child, "exit").catch(() => undefined);
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null || spawnError !== undefined;
  const howItExited = (): string =>
    spawnError !== undefined
      ? `could not run: ${spawnError.message}`
      : child.exitCode !== null
        ? `exit code ${child.exitCode}`
        : `signal ${child.signalCode}`;
  /** Ends whatever is left of the group, so a failed test leaves no server behind. */
  const killGroup = (): void => {
    try {
      process.kill(-(child.pid as number), "SIGKILL");
    } catch {
      // The group is gone already.
    }
  };
  /** A failure naming what did not happen, with the process's output (read when it is thrown). */
  const failure = (what: string): Error => new Error(`${what}; npm start printed:\n${output || "(nothing)"}`);

  const startedMs = Date.now();
  let state = readState(stateFile);
  while (state === undefined) {
    if (hasExited()) throw failure(`npm start ended (${howItExited()}) before the local stack started`);
    if (Date.now() - startedMs > START_TIMEOUT_MS) {
      killGroup();
      throw failure(`the local stack did not write ${stateFile} within ${START_TIMEOUT_MS} ms`);
    }
    await sleep(200);
    state = readState(stateFile);
  }
  const { pid } = state;

  return {
    state,
    stateFile,
    env,
    output: () => output,
    pressCtrlC: async (timeoutMs = EXIT_TIMEOUT_MS) => {
      if (hasExited()) return;
      process.kill(-(child.pid as number), "SIGINT");
      if (!(await settlesWithin(exited, timeoutMs))) {
        const error = failure(`npm start was still running ${timeoutMs} ms after Ctrl-C`);
        killGroup();
        throw error;
      }
    },
    waitForServerExit: async (timeoutMs = EXIT_TIMEOUT_MS) => {
      const deadlineMs = Date.now() + timeoutMs;
      while (isAlive(pid)) {
        if (Date.now() > deadlineMs) {
          const error = failure(`the server process ${pid} was still running after ${timeoutMs} ms`);
          killGroup();
          throw error;
        }
        await sleep(100);
      }
    },
  };
}

export { isAlive };
