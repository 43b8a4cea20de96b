// Messages between the mutation run (scripts/mutate.ts) and its test worker (scripts/mutate-worker.ts).

/** A test file (relative to the sandbox) and, unless all of it, the ids of the tests to run. */
export interface TestSelection {
  readonly file: string;
  readonly testIds?: readonly string[];
}

/** Run `tests` with `file` replaced by `content` (null: as it is). */
export interface RunRequest {
  readonly seq: number;
  readonly file: string | null;
  readonly content: string | null;
  readonly tests: readonly TestSelection[];
}

export interface FileOutcome {
  readonly file: string;
  readonly state: "passed" | "failed" | "skipped" | "pending" | "queued";
  readonly durationMs: number;
  /** Failed tests, by full name; a file that failed to load lists itself. */
  readonly failed: readonly string[];
  readonly failedIds: readonly string[];
  /** Every test of the file in declaration order, with its duration (0 when it did not run). */
  readonly tests: readonly { readonly id: string; readonly durationMs: number }[];
}

export interface RunReply {
  readonly seq: number;
  readonly files: readonly FileOutcome[];
  readonly unhandledErrors: number;
  readonly error?: string;
}

export type WorkerMessage = { readonly ready: true } | RunReply;
