// The mutation run's side of its test worker: starts it in its own process group, sends one run at a
// time, and kills the whole group when a run outlives its time limit (a mutant that hangs the tests).
import { type ChildProcess, fork } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import type { RunReply, RunRequest, WorkerMessage } from "./protocol";

export class TimedOut extends Error {
  override readonly name = "TimedOut";
}

export class TestWorker {
  private child: ChildProcess | undefined;
  private seq = 0;
  private pending: { seq: number; resolve: (reply: RunReply) => void; reject: (error: Error) => void } | undefined;

  constructor(
    private readonly sandbox: string,
    private readonly bail: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {}

  private start(): Promise<void> {
    const child = fork(join(this.sandbox, "scripts/mutate-worker.ts"), [String(this.bail)], {
      cwd: this.sandbox,
      execArgv: ["--import", "tsx"],
      env: this.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const log = createWriteStream(this.logFile, { flags: "a" });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    return new Promise((resolve, reject) => {
      child.on("message", (message: WorkerMessage) => {
        if ("ready" in message) return resolve();
        if (this.pending?.seq === message.seq) {
          const { resolve: done } = this.pending;
          this.pending = undefined;
          done(message);
        }
      });
      child.on("exit", (code, signal) => {
        if (this.child === child) this.child = undefined;
        const error = new Error(`test worker exited (${code ?? signal}); see ${this.logFile}`);
        reject(error);
        this.pending?.reject(error);
        this.pending = undefined;
      });
    });
  }

  async run(request: Omit<RunRequest, "seq">, timeoutMs: number): Promise<RunReply> {
    if (!this.child) await this.start();
    const child = this.child;
    if (!child) throw new Error("test worker did not start");
    const seq = ++this.seq;
    return new Promise<RunReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.stop();
        reject(new TimedOut(`no result within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending = {
        seq,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      child.send({ ...request, seq } satisfies RunRequest);
    });
  }

  /** Kills the worker and everything it started (Vitest's pool), by its process group. */
  stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child?.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
