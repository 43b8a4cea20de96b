// The running local stack's address book (.local/state.json): written by `npm start`, read by the
// admin CLI and tests to find it whatever ports it was started on.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TableName } from "../../functions/shared/tables";

export const LOCAL_STATE_FILE = join(fileURLToPath(new URL("../..", import.meta.url)), ".local", "state.json");

export interface LocalState {
  readonly pid: number;
  /** e.g. http://127.0.0.1:3000/ : routes are `${apiUrl}api/...`. */
  readonly apiUrl: string;
  /** The local OpenID provider's issuer and metadata URL. */
  readonly issuer: string;
  readonly metadataUrl: string;
  /** dynalite's endpoint (AWS_ENDPOINT_URL_DYNAMODB) and the physical table names. */
  readonly dynamoEndpoint: string;
  /** s3rver's endpoint (AWS_ENDPOINT_URL_S3) and the attachment bucket. */
  readonly s3Endpoint: string;
  readonly attachmentsBucket: string;
  readonly region: string;
  readonly tables: Record<TableName, string>;
  readonly startedAt: string;
}

/** Whether a process exists (EPERM: it does, but belongs to someone else). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** The running local stack, or undefined when none runs (a stale file from a crashed run is ignored). */
export function readLocalState(file = LOCAL_STATE_FILE): LocalState | undefined {
  let state: LocalState;
  try {
    state = JSON.parse(readFileSync(file, "utf8")) as LocalState;
  } catch {
    return undefined;
  }
  return Number.isInteger(state.pid) && isAlive(state.pid) ? state : undefined;
}

export function writeLocalState(state: LocalState, file = LOCAL_STATE_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

export function removeLocalState(file = LOCAL_STATE_FILE): void {
  rmSync(file, { force: true });
}
