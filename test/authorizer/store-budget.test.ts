// The decision's store budget (store-budget.ts): every wait ends by what is left of its own budget, whichever
// budgets are in flight beside it and in whatever order they started; a wait that ends in time is never
// refused afterwards; and a budget nobody waits on does not keep the process alive.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { AuthError } from "../../functions/shared/errors";
import { StoreBudget } from "../../functions/authorizer/store-budget";

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const resolvesAfter = <T>(ms: number, value: T): Promise<T> => new Promise((done) => setTimeout(() => done(value), ms));

/** The wait's outcome and when it came, in ms since `startedMs`. */
async function outcome(wait: Promise<unknown>, startedMs: number): Promise<{ code: string; atMs: number }> {
  try {
    await wait;
    return { code: "resolved", atMs: performance.now() - startedMs };
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return { code: (error as AuthError).code, atMs: performance.now() - startedMs };
  }
}

describe("the store budget", () => {
  it("ends each wait at its own budget, also when a shorter budget starts after a longer one", async () => {
    const startedMs = performance.now();
    const long = outcome(new StoreBudget(600).wait(never(), "user_store_error"), startedMs);
    const short = outcome(new StoreBudget(80).wait(never(), "replay_store_error"), startedMs);
    const [longEnded, shortEnded] = await Promise.all([long, short]);
    expect(shortEnded.code).toBe("replay_store_error");
    expect(shortEnded.atMs).toBeGreaterThanOrEqual(79);
    expect(shortEnded.atMs).toBeLessThan(450);
    expect(longEnded.code).toBe("user_store_error");
    expect(longEnded.atMs).toBeGreaterThanOrEqual(599);
  });

  it("ends a wait started while an earlier one is pending at its own budget, not the earlier one's", async () => {
    const startedMs = performance.now();
    const first = outcome(new StoreBudget(100).wait(never(), "user_store_error"), startedMs);
    await resolvesAfter(50, undefined);
    const second = outcome(new StoreBudget(300).wait(never(), "user_store_error"), startedMs);
    const [firstEnded, secondEnded] = await Promise.all([first, second]);
    expect(firstEnded.atMs).toBeGreaterThanOrEqual(99);
    expect(firstEnded.atMs).toBeLessThan(340);
    expect(secondEnded.atMs).toBeGreaterThanOrEqual(349);
  });

  it("gives the waits of one budget what is left of it together", async () => {
    const budget = new StoreBudget(200);
    const startedMs = performance.now();
    expect(await budget.wait(resolvesAfter(120, "config"), "config_store_error")).toBe("config");
    const second = await outcome(budget.wait(never(), "user_store_error"), startedMs);
    expect(second.code).toBe("user_store_error");
    expect(second.atMs).toBeGreaterThanOrEqual(199);
    expect(second.atMs).toBeLessThan(400);
  });

  it("never refuses a wait that ended in time, when the deadline it was armed for passes", async () => {
    const startedMs = performance.now();
    const early = outcome(new StoreBudget(60).wait(resolvesAfter(10, "user"), "user_store_error"), startedMs);
    const late = outcome(new StoreBudget(60).wait(resolvesAfter(150, "late"), "user_store_error"), startedMs);
    const [earlyEnded, lateEnded] = await Promise.all([early, late]);
    expect(earlyEnded.code).toBe("resolved");
    expect(lateEnded.code).toBe("user_store_error");
    expect(lateEnded.atMs).toBeLessThan(140);
  });

  it("passes the work's own failure through", async () => {
    const failing = Promise.reject(new AuthError("user_store_error", "lookup failed"));
    await expect(new StoreBudget(1000).wait(failing, "user_store_error")).rejects.toThrow("lookup failed");
  });

  it("does not keep the process alive after every wait has ended", async () => {
    // A minute's budget, work that answers at once: the process exits as soon as its work is done.
    const run = await runScript(`
      const { StoreBudget } = await import("./functions/authorizer/store-budget.ts");
      process.stdout.write(await new StoreBudget(60_000).wait(Promise.resolve("done"), "user_store_error"));
    `);
    expect(run).toEqual({ code: 0, stdout: "done" });
  });

  it("keeps the process alive while a wait is pending, until its deadline", async () => {
    // The first wait arms the timer and ends; the second, later deadline is behind that same timer, and
    // nothing else keeps the process alive: it must still end at its deadline, refused.
    const run = await runScript(`
      const { StoreBudget } = await import("./functions/authorizer/store-budget.ts");
      await new StoreBudget(100).wait(Promise.resolve(), "user_store_error");
      try {
        await new StoreBudget(300).wait(new Promise(() => {}), "user_store_error");
      } catch (error) {
        process.stdout.write(error.code);
      }
    `);
    expect(run).toEqual({ code: 0, stdout: "user_store_error" });
  });
});

/** Runs an ES module script in a new node (tsx for our TypeScript) from the repository root. */
function runScript(script: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: resolve(__dirname, "../.."),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout });
    });
  });
}
