// Benchmark (not a test): what a cold start costs. Builds every Lambda as the stack bundles it and in the
// variants worth comparing (CommonJS or ESM; the AWS SDK left to the runtime or bundled and tree-shaken),
// prints each bundle's size, and times whole-process loads of each (a new `node` that loads the bundle,
// as Lambda's init does) against a minimal bundle of the same SDK clients plus aws-jwt-verify, built the
// same way, in the same run. Median CPU (user + system) of RUNS loads each, without and with
// --enable-source-maps interleaved. Run: npm run bench
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { AUTHORIZER, BACKENDS, type FunctionDefinition } from "../functions/http/routes";
import { BUCKETS } from "../functions/shared/s3";
import { TABLES } from "../functions/shared/tables";
import { type BundleVariant, DEPLOYED_VARIANT, lambdaBuildOptions } from "../scripts/lambda-bundle";

const RUNS = Number(process.env["INIT_BENCH_RUNS"] ?? 15);
// Under the project, so a bundle that leaves the SDK external finds it in node_modules as Lambda's runtime would.
const OUT = resolve("dist/bench-init");

const VARIANTS: readonly BundleVariant[] = [
  DEPLOYED_VARIANT,
  { format: "cjs", sdk: "bundled" },
  { format: "esm", sdk: "external" },
  { format: "esm", sdk: "bundled" },
];
const label = (v: BundleVariant): string => `${v.format}, SDK ${v.sdk}`;

// What Lambda sets, and what the handlers read at load.
const lambdaEnv: NodeJS.ProcessEnv = {
  PATH: process.env["PATH"],
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_LAMBDA_FUNCTION_NAME: "bench",
  POWERTOOLS_SERVICE_NAME: "bench",
  POWERTOOLS_LOG_LEVEL: "WARN",
  ...Object.fromEntries(Object.values(TABLES).map((table) => [table.envVar, "bench"])),
  ...Object.fromEntries(Object.values(BUCKETS).map((bucket) => [bucket.envVar, "bench"])),
  // Each function's own variables (the authorizer's shipped route rules), as the stack sets them.
  ...Object.assign(
    {},
    ...[AUTHORIZER, ...Object.values(BACKENDS)].map((definition: FunctionDefinition) => definition.environment),
  ),
};

async function buildVariant(id: string, entry: string, variant: BundleVariant): Promise<{ file: string; js: number }> {
  const file = join(
    OUT,
    `${id}-${variant.format}-${variant.sdk}`,
    variant.format === "esm" ? "index.mjs" : "index.cjs",
  );
  const result = await build({ ...lambdaBuildOptions(entry, variant), outfile: file });
  const js = Object.entries(result.metafile?.outputs ?? {})
    .filter(([path]) => !path.endsWith(".map"))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
  return { file, js };
}

/** CPU seconds of one fresh process that loads the bundle (bootstrap included, as in a cold start); no file: node alone. */
function loadCpuSeconds(file: string | undefined, sourceMaps: boolean): number {
  const report = "const u = process.cpuUsage(); console.log((u.user + u.system) / 1e6);";
  const esm = file?.endsWith(".mjs") === true;
  const load =
    file === undefined ? "" : esm ? `await import(${JSON.stringify(file)});` : `require(${JSON.stringify(file)});`;
  const args = [
    ...(sourceMaps ? ["--enable-source-maps"] : []),
    ...(esm ? ["--input-type=module"] : []),
    "-e",
    load + report,
  ];
  const child = spawnSync(process.execPath, args, { env: lambdaEnv, encoding: "utf8" });
  if (child.status !== 0) throw new Error(`loading ${file} failed: ${child.stderr.slice(-1000)}`);
  return Number(child.stdout.trim());
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

interface Loads {
  /** Median load CPU of each file, seconds. */
  readonly seconds: number[];
  /** Median, over the runs, of each file's load CPU divided by the first file's in the same run. */
  readonly ratios: number[];
}

/**
 * Load CPU of each file without and with --enable-source-maps, the runs interleaved (file by file, flag
 * by flag) so that drift in machine load hits all alike; each ratio is taken within one run, which
 * cancels the drift between runs too.
 */
function medianLoads(files: readonly string[]): { plain: Loads; mapped: Loads } {
  const plain = files.map(() => [] as number[]);
  const mapped = files.map(() => [] as number[]);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, file] of files.entries()) {
      plain[i]?.push(loadCpuSeconds(file, false));
      mapped[i]?.push(loadCpuSeconds(file, true));
    }
  }
  const summary = (loads: number[][]): Loads => ({
    seconds: loads.map(median),
    ratios: loads.map((runs) => median(runs.map((seconds, run) => seconds / (loads[0]?.[run] as number)))),
  });
  return { plain: summary(plain), mapped: summary(mapped) };
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const functions = [
  ["Minimal", "bench/fixtures/minimal-lambda.ts"],
  ...[AUTHORIZER, ...Object.values(BACKENDS)].map((definition) => [definition.id, definition.entry]),
] as const;

console.log(`Bundle sizes (minified JavaScript, without the map), KiB:`);
console.log(`${"".padEnd(22)}${VARIANTS.map((v) => label(v).padStart(20)).join("")}`);
const built = new Map<string, { file: string; js: number }>();
for (const [id, entry] of functions) {
  const row: string[] = [];
  for (const variant of VARIANTS) {
    const bundle = await buildVariant(id, entry, variant);
    built.set(`${id} ${label(variant)}`, bundle);
    row.push((bundle.js / 1024).toFixed(1).padStart(20));
  }
  console.log(`${id.padEnd(22)}${row.join("")}`);
}

console.log(
  `\nInit: median CPU of ${RUNS} whole-process loads, ms (median of the per-run ratios to the minimal bundle of the same variant):`,
);
console.log(
  `node alone: ${(median(Array.from({ length: RUNS }, () => loadCpuSeconds(undefined, false))) * 1000).toFixed(0)} ms`,
);
const ids = functions.map(([id]) => id);
const loadsByVariant = VARIANTS.map((variant) => {
  const files = ids.map((id) => built.get(`${id} ${label(variant)}`)?.file as string);
  return { variant, ...medianLoads(files) };
});
for (const sourceMaps of [false, true]) {
  // As deployed: a map in the bundle, not loaded (infra/functions.ts sets no --enable-source-maps).
  console.log(sourceMaps ? "with --enable-source-maps:" : "without --enable-source-maps (as deployed):");
  for (const { variant, plain, mapped } of loadsByVariant) {
    const { seconds, ratios } = sourceMaps ? mapped : plain;
    const cells = ids.map(
      (id, i) =>
        `${id} ${((seconds[i] as number) * 1000).toFixed(0)}${i === 0 ? "" : ` (${(ratios[i] as number).toFixed(2)}x)`}`,
    );
    console.log(`  ${label(variant).padEnd(18)} ${cells.join(" | ")}`);
  }
}
