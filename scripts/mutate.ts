// `npm run mutate`: a mutation check of the security-relevant code, outside `npm test`. Applies the
// named mutations (scripts/mutation/named.ts) and generic ones (scripts/mutation/operators.ts) over the
// authorizer and the users directory, one at a time, in a copy of the repo; runs only the test files that
// reach each mutant (found by a probe pass first), with bail, within a time budget; reports which tests
// kill each mutant, the score per file and the survivors.
//
//   npm run mutate [-- --budget-minutes 45] [-- --filter provider.ts --filter replay] [-- --named-only]
//
// The report goes to reports/mutation/ (report.txt, report.json; not committed). Exits 1 when a named
// mutation survives.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { applyNamed, NAMED_MUTATIONS } from "./mutation/named";
import { genericMutants, instrument, probeAt, type Mutant } from "./mutation/operators";
import type { RunReply, TestSelection } from "./mutation/protocol";
import { genericTargets, relevantTestFiles } from "./mutation/targets";
import { TestWorker, TimedOut } from "./mutation/worker-client";

type Status = "killed" | "timeout" | "survived" | "uncovered" | "error" | "not run";

interface Result {
  readonly mutant: Mutant;
  readonly named: boolean;
  status: Status;
  killedBy: string[];
  testFiles: string[];
  durationMs: number;
  detail?: string;
}

const { values: args } = parseArgs({
  options: {
    "budget-minutes": { type: "string", default: "45" },
    filter: { type: "string", multiple: true, default: [] },
    "named-only": { type: "boolean", default: false },
    report: { type: "string", default: "reports/mutation" },
  },
});

const repo = resolve(dirname(new URL(import.meta.url).pathname), "..");
const budgetMs = Number(args["budget-minutes"]) * 60_000;
const reportDir = resolve(repo, args.report);
const startedMs = Date.now();
const elapsed = (): string => `${((Date.now() - startedMs) / 1000).toFixed(0)} s`;

/** The repo's tracked and unignored files, copied, with node_modules linked: mutants never touch the work tree. */
function makeSandbox(): string {
  const sandbox = mkdtempSync(join(tmpdir(), "oidc-mutation-"));
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repo,
    encoding: "utf8",
  });
  for (const file of listed.split("\0").filter(Boolean)) {
    mkdirSync(dirname(join(sandbox, file)), { recursive: true });
    try {
      copyFileSync(join(repo, file), join(sandbox, file));
    } catch {
      // Deleted in the work tree but still in the index.
    }
  }
  symlinkSync(join(repo, "node_modules"), join(sandbox, "node_modules"));
  return sandbox;
}

function allMutants(): { mutant: Mutant; named: boolean }[] {
  const named = NAMED_MUTATIONS.map((mutation) => {
    const original = readFileSync(join(repo, mutation.file), "utf8");
    const { mutated, firstOffset } = applyNamed(mutation, original);
    const mutant: Mutant = {
      id: mutation.id,
      file: mutation.file,
      line: original.slice(0, firstOffset).split("\n").length,
      operator: "named",
      description: mutation.description,
      mutated,
      probe: probeAt(mutation.file, original, firstOffset),
    };
    return { mutant, named: true };
  });
  let next = 1;
  const generic = args["named-only"]
    ? []
    : genericTargets(repo).flatMap((file) => {
        const mutants = genericMutants(file, readFileSync(join(repo, file), "utf8"), next);
        next += mutants.length;
        return mutants.map((mutant) => ({ mutant, named: false }));
      });
  const filters = args.filter;
  const wanted = (m: Mutant): boolean => filters.length === 0 || filters.some((f) => m.id === f || m.file.includes(f));
  return [...named, ...generic].filter(({ mutant }) => wanted(mutant));
}

interface Coverage {
  /** Probe -> test file -> ids of the tests that ran it ("*": it ran outside a test, at load or in a hook). */
  readonly hits: Map<string, Map<string, Set<string>>>;
  /** Test file -> its tests in declaration order, with durations, and the time its hooks and load took. */
  readonly files: Map<string, { tests: readonly { id: string; durationMs: number }[]; overheadMs: number }>;
}

/** Which tests of the relevant files reach each probe, and how long each takes, from one instrumented run. */
async function probeCoverage(sandbox: string, files: readonly string[], tests: readonly string[]): Promise<Coverage> {
  const hitsFile = join(reportDir, "probe-hits.tsv");
  writeFileSync(hitsFile, "");
  for (const file of files)
    writeFileSync(join(sandbox, file), instrument(file, readFileSync(join(repo, file), "utf8")));
  const worker = new TestWorker(
    sandbox,
    0,
    { ...process.env, MUTATION_HITS_FILE: hitsFile },
    join(reportDir, "worker.log"),
  );
  let reply: RunReply;
  try {
    reply = await worker.run({ file: null, content: null, tests: tests.map((file) => ({ file })) }, 15 * 60_000);
    // A test with a tight timeout can fail on a loaded machine: its file gets one more try, alone.
    const flaky = reply.files.filter((file) => file.failed.length > 0).map((file) => file.file);
    if (flaky.length > 0 && !reply.error) {
      console.log(`retrying ${flaky.join(", ")}`);
      const retry = await worker.run({ file: null, content: null, tests: flaky.map((file) => ({ file })) }, 5 * 60_000);
      const retried = new Map(retry.files.map((file) => [file.file, file]));
      reply = { ...reply, files: reply.files.map((file) => retried.get(file.file) ?? file) };
    }
  } finally {
    worker.stop();
    for (const file of files) copyFileSync(join(repo, file), join(sandbox, file));
  }
  const failing = reply.files.flatMap((file) => file.failed);
  if (reply.error || failing.length > 0 || reply.unhandledErrors > 0) {
    throw new Error(
      `the tests must pass before mutating (with probes in place); failing:\n  ${[reply.error, ...failing].filter(Boolean).join("\n  ")}`,
    );
  }
  const hits: Coverage["hits"] = new Map();
  for (const line of readFileSync(hitsFile, "utf8").split("\n")) {
    const [testPath, testId, probe] = line.split("\t");
    if (!testPath || !testId || !probe) continue;
    const test = testPath.startsWith(sandbox) ? testPath.slice(sandbox.length + 1) : testPath;
    const byFile = hits.get(probe) ?? new Map<string, Set<string>>();
    const ids = byFile.get(test) ?? new Set<string>();
    ids.add(testId);
    byFile.set(test, ids);
    hits.set(probe, byFile);
  }
  const sum = (values: readonly { durationMs: number }[]): number => values.reduce((t, v) => t + v.durationMs, 0);
  const byFile: Coverage["files"] = new Map(
    reply.files.map((file) => [
      file.file,
      { tests: file.tests, overheadMs: Math.max(0, file.durationMs - sum(file.tests)) },
    ]),
  );
  return { hits, files: byFile };
}

/**
 * The tests to try a mutant against, per file that reaches it: "covering" runs the tests that reach it,
 * "prefix" every test from the file's first to the last one that reaches it (some tests build on the
 * state earlier ones leave). The whole file when the mutant runs at load or in a hook.
 */
function selectionFor(
  coverage: Coverage,
  probe: string,
  allowed: readonly string[],
  mode: "covering" | "prefix",
): { tests: TestSelection[]; expectedMs: number } {
  const selections: { selection: TestSelection; expectedMs: number }[] = [];
  for (const [file, ids] of coverage.hits.get(probe) ?? []) {
    const info = coverage.files.get(file);
    if (!allowed.includes(file) || !info) continue;
    const whole = ids.has("*");
    const last = whole ? info.tests.length - 1 : Math.max(...info.tests.map((t, i) => (ids.has(t.id) ? i : -1)));
    if (last < 0) continue;
    const chosen = info.tests.slice(0, last + 1).filter((t) => whole || mode === "prefix" || ids.has(t.id));
    const expectedMs = info.overheadMs + chosen.reduce((t, test) => t + test.durationMs, 0);
    const selection = chosen.length === info.tests.length ? { file } : { file, testIds: chosen.map((t) => t.id) };
    selections.push({ selection, expectedMs });
  }
  // Quickest first: with bail, the first failure ends the run.
  selections.sort((a, b) => a.expectedMs - b.expectedMs);
  return {
    tests: selections.map((s) => s.selection),
    expectedMs: selections.reduce((t, s) => t + s.expectedMs, 0),
  };
}

/**
 * Whether a failure under a "covering" selection is the mutant's doing: the failing test, with the selected
 * tests before it, passes on the original code (or it ran with every test before it anyway). Cached: many
 * mutants share a selection.
 */
class KillCheck {
  private readonly passes = new Map<string, boolean>();

  constructor(
    private readonly coverage: Coverage,
    private readonly worker: TestWorker,
  ) {}

  async genuine(reply: RunReply, selection: readonly TestSelection[]): Promise<boolean> {
    for (const outcome of reply.files) {
      const chosen = selection.find((s) => s.file === outcome.file);
      const order = this.coverage.files.get(outcome.file)?.tests.map((t) => t.id) ?? [];
      const firstFailed = Math.min(...outcome.failedIds.map((id) => order.indexOf(id)).filter((i) => i >= 0));
      if (outcome.failed.length === 0) continue;
      if (!chosen?.testIds || !Number.isFinite(firstFailed)) return true;
      const upTo = chosen.testIds.filter((id) => order.indexOf(id) <= firstFailed);
      if (upTo.length === firstFailed + 1) return true;
      const key = `${outcome.file}#${upTo.join(",")}`;
      let passes = this.passes.get(key);
      if (passes === undefined) {
        try {
          const check = await this.worker.run(
            { file: null, content: null, tests: [{ file: outcome.file, testIds: upTo }] },
            120_000,
          );
          passes = !check.error && check.files.every((f) => f.failed.length === 0);
        } catch (error) {
          // A check that cannot finish proves nothing: the mutant is tried again on the whole prefix.
          if (!(error instanceof TimedOut)) throw error;
          passes = false;
        }
        this.passes.set(key, passes);
      }
      if (passes) return true;
    }
    return false;
  }
}

/**
 * A worker stopped in a run (a timeout) cannot put the file it mutated back: the sandbox would keep the
 * mutant, and every later run, the kill checks' included, would test it (a hanging one hangs them all).
 */
function restoreAfterStop(outcome: { status: Status }, mutant: Mutant, sandbox: string): void {
  if (outcome.status === "timeout" || outcome.status === "error") {
    copyFileSync(join(repo, mutant.file), join(sandbox, mutant.file));
  }
}

async function tryMutant(
  worker: TestWorker,
  mutant: Mutant,
  selection: { tests: TestSelection[]; expectedMs: number },
): Promise<{ reply?: RunReply; status: Status; detail?: string }> {
  try {
    const reply = await worker.run(
      { file: mutant.file, content: mutant.mutated, tests: selection.tests },
      60_000 + 3 * selection.expectedMs,
    );
    if (reply.error) return { reply, status: "error", detail: reply.error };
    const failed = reply.files.some((f) => f.failed.length > 0) || reply.unhandledErrors > 0;
    return { reply, status: failed ? "killed" : "survived" };
  } catch (error) {
    return { status: error instanceof TimedOut ? "timeout" : "error", detail: String(error) };
  }
}

async function main(): Promise<void> {
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(join(reportDir, "worker.log"), "");
  const mutants = allMutants();
  const sandbox = makeSandbox();
  const workers: TestWorker[] = [];
  const cleanUp = (): void => {
    for (const worker of workers) worker.stop();
    rmSync(sandbox, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    cleanUp();
    process.exit(130);
  });
  try {
    const tests = relevantTestFiles(repo);
    const mutatedFiles = [...new Set(mutants.map(({ mutant }) => mutant.file))];
    console.log(`${mutants.length} mutants in ${mutatedFiles.length} files; ${tests.length} test files; probing...`);
    const coverage = await probeCoverage(sandbox, mutatedFiles, tests);
    console.log(`probe run done (${elapsed()})`);

    const results: Result[] = [];
    const namedWorker = new TestWorker(sandbox, 0, process.env, join(reportDir, "worker.log"));
    const genericWorker = new TestWorker(sandbox, 1, process.env, join(reportDir, "worker.log"));
    workers.push(namedWorker, genericWorker);
    const killCheck = new KillCheck(coverage, genericWorker);
    for (const { mutant, named } of mutants) {
      // Named mutants run every test (no bail) to list all their killers; prefix selections need no check.
      const worker = named ? namedWorker : genericWorker;
      let selection = selectionFor(coverage, mutant.probe, tests, named ? "prefix" : "covering");
      const result: Result = { mutant, named, status: "not run", killedBy: [], testFiles: [], durationMs: 0 };
      results.push(result);
      if (Date.now() - startedMs > budgetMs) continue;
      if (selection.tests.length === 0) {
        result.status = "uncovered";
        continue;
      }
      const began = Date.now();
      let outcome = await tryMutant(worker, mutant, selection);
      restoreAfterStop(outcome, mutant, sandbox);
      if (outcome.status === "killed" && outcome.reply && !(await killCheck.genuine(outcome.reply, selection.tests))) {
        selection = selectionFor(coverage, mutant.probe, tests, "prefix");
        outcome = await tryMutant(worker, mutant, selection);
        restoreAfterStop(outcome, mutant, sandbox);
      }
      result.status = outcome.status;
      if (outcome.detail) result.detail = outcome.detail;
      result.killedBy = (outcome.reply?.files ?? []).flatMap((f) => f.failed.map((test) => `${f.file} > ${test}`));
      if (outcome.reply?.unhandledErrors) result.killedBy.push(`(${outcome.reply.unhandledErrors} unhandled errors)`);
      result.testFiles = selection.tests.map((s) => (s.testIds ? `${s.file} (${s.testIds.length} tests)` : s.file));
      result.durationMs = Date.now() - began;
      console.log(
        `[${elapsed()}] ${result.status.padEnd(8)} ${mutant.id} ${mutant.file}:${mutant.line} ${mutant.operator}: ${mutant.description}`,
      );
    }
    const report = render(results);
    writeFileSync(join(reportDir, "report.txt"), report);
    writeFileSync(
      join(reportDir, "report.json"),
      `${JSON.stringify(
        results.map(({ mutant: { mutated: _, ...mutant }, ...rest }) => ({ ...mutant, ...rest })),
        null,
        2,
      )}\n`,
    );
    console.log(`\n${report}\nreport: ${join(args.report, "report.txt")} (and report.json)`);
    if (results.some((r) => r.named && (r.status === "survived" || r.status === "uncovered"))) process.exitCode = 1;
  } finally {
    cleanUp();
  }
}

const KILLED: readonly Status[] = ["killed", "timeout"];

function score(results: readonly Result[]): string {
  const ran = results.filter((r) => r.status !== "not run" && r.status !== "error");
  const killed = ran.filter((r) => KILLED.includes(r.status)).length;
  const pct = ran.length === 0 ? "-" : `${((100 * killed) / ran.length).toFixed(1)}%`;
  const skipped = results.length - ran.length;
  return `${killed}/${ran.length} killed (${pct})${skipped > 0 ? `, ${skipped} not run or errored` : ""}`;
}

function lineOf(mutant: Mutant): string {
  return (mutant.mutated.split("\n")[mutant.line - 1] ?? "").trim();
}

function render(results: readonly Result[]): string {
  const out: string[] = [];
  out.push("Named mutations:");
  for (const r of results.filter((x) => x.named)) {
    out.push(`  ${r.mutant.id} (${r.mutant.file}): ${r.status.toUpperCase()}`);
    out.push(`    ${r.mutant.description}`);
    for (const test of r.killedBy) out.push(`    killed by ${test}`);
    if (r.detail) out.push(`    ${r.detail}`);
  }
  out.push("", "Generic mutants, score per file (killed / total; a timeout counts as killed):");
  const generic = results.filter((r) => !r.named);
  for (const file of [...new Set(generic.map((r) => r.mutant.file))]) {
    out.push(`  ${file.padEnd(44)} ${score(generic.filter((r) => r.mutant.file === file))}`);
  }
  out.push(`  ${"overall (generic)".padEnd(44)} ${score(generic)}`);
  out.push(`  ${"overall (named + generic)".padEnd(44)} ${score(results)}`);
  const survivors = results.filter((r) => r.status === "survived" || r.status === "uncovered");
  out.push("", `Survivors (${survivors.length}):`);
  for (const r of survivors) {
    const tag = r.status === "uncovered" ? " [no relevant test reaches it]" : "";
    out.push(`  ${r.mutant.id} ${r.mutant.file}:${r.mutant.line} ${r.mutant.operator}: ${r.mutant.description}${tag}`);
    if (!r.named) out.push(`      ${lineOf(r.mutant)}`);
  }
  const errors = results.filter((r) => r.status === "error");
  if (errors.length > 0) {
    out.push("", "Errors:");
    for (const r of errors) out.push(`  ${r.mutant.id} ${r.mutant.file}:${r.mutant.line}: ${r.detail ?? ""}`);
  }
  const notRun = results.filter((r) => r.status === "not run").length;
  if (notRun > 0) out.push("", `${notRun} mutants not run: the time budget ran out.`);
  return `${out.join("\n")}\n`;
}

await main();
