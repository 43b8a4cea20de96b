// The mutation run's test worker: one warm Vitest in the sandbox (its cwd), which writes each mutant
// over its file, runs the chosen test files, puts the file back and reports which tests failed. Started
// by scripts/mutate.ts (`npm run mutate`), never by hand; argv[2] is vitest's bail (0: run every test).
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createVitest, type TestModule } from "vitest/node";
import type { FileOutcome, RunReply, RunRequest, WorkerMessage } from "./mutation/protocol";

const root = process.cwd();
const bail = Number(process.argv[2] ?? "1");
const send = (message: WorkerMessage): void => {
  process.send?.(message);
};

// A reporter object with no hooks: results come back from runTestSpecifications, nothing is printed.
const vitest = await createVitest("test", {
  root,
  watch: false,
  project: ["unit"],
  bail,
  reporters: [{}],
  silent: true,
});
const project = vitest.getProjectByName("unit");

function outcomeOf(module: TestModule): FileOutcome {
  const tests = [...module.children.allTests()];
  const failedTests = tests.filter((test) => test.result().state === "failed");
  const failed = failedTests.map((test) => test.fullName);
  const loadFailed = module.state() === "failed" && failed.length === 0;
  return {
    file: module.relativeModuleId,
    state: module.state(),
    durationMs: module.diagnostic().duration,
    failed: loadFailed ? [`${module.relativeModuleId} (failed outside a test: load or hook)`] : failed,
    failedIds: failedTests.map((test) => test.id),
    tests: tests.map((test) => ({ id: test.id, durationMs: test.diagnostic()?.duration ?? 0 })),
  };
}

async function run(request: RunRequest): Promise<RunReply> {
  const path = request.file === null ? undefined : resolve(root, request.file);
  const original = path === undefined ? undefined : readFileSync(path, "utf8");
  try {
    if (path !== undefined && request.content !== null) {
      writeFileSync(path, request.content);
      vitest.invalidateFile(path);
    }
    const specs = request.tests.map(({ file, testIds }) =>
      project.createSpecification(resolve(root, file), testIds === undefined ? undefined : { testIds: [...testIds] }),
    );
    const result = await vitest.runTestSpecifications(specs);
    return {
      seq: request.seq,
      files: result.testModules.map(outcomeOf),
      unhandledErrors: result.unhandledErrors.length,
    };
  } catch (error) {
    return { seq: request.seq, files: [], unhandledErrors: 0, error: String(error) };
  } finally {
    if (path !== undefined && original !== undefined && request.content !== null) {
      writeFileSync(path, original);
      vitest.invalidateFile(path);
    }
  }
}

process.on("message", (request: RunRequest) => {
  void run(request).then(send);
});
send({ ready: true });
