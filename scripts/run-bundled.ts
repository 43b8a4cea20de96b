// Runs benchmark scripts as the Lambdas run our code: each script is bundled and minified with a
// function's own build options (scripts/lambda-bundle.ts), then run by a plain `node`. Under tsx the same code runs
// through tsx's development transform (every function wrapped to keep its name, its module loader),
// which costs the warm path microseconds per call that no deployed function pays.
// Run: tsx scripts/run-bundled.ts bench/a.bench.ts [bench/b.ts ...]
import { spawnSync } from "node:child_process";
import { basename, resolve } from "node:path";
import { build } from "esbuild";
import { lambdaBuildOptions } from "./lambda-bundle";

const OUT = resolve("dist/bench-run");

for (const script of process.argv.slice(2)) {
  const outfile = `${OUT}/${basename(script, ".ts")}.mjs`;
  await build({
    ...lambdaBuildOptions(script, { format: "esm", sdk: "external" }),
    // Dependencies load from node_modules, the same copy for the baseline (aws-jwt-verify) and for us.
    packages: "external",
    sourcemap: false,
    metafile: false,
    outfile,
  });
  const run = spawnSync(process.execPath, [outfile], { stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
