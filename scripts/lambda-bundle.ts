// How a Lambda's code is bundled, in one place: as CDK's NodejsFunction bundles it for the stack
// (infra/functions.ts: CommonJS, minified, a source map without sources that Node does not load, the AWS
// SDK left to the runtime), and the variants the init benchmark compares it with. Used by `npm run build`,
// `npm run bench` and the bundle-size budget test.
import { type BuildOptions, build } from "esbuild";

export interface BundleVariant {
  readonly format: "cjs" | "esm";
  /** Leave `@aws-sdk/*` to the Lambda runtime (as deployed), or bundle and tree-shake it. */
  readonly sdk: "external" | "bundled";
}

/** What the stack deploys. */
export const DEPLOYED_VARIANT: BundleVariant = { format: "cjs", sdk: "external" };

/** The budget of the authorizer's minified JavaScript (without its map), checked by a test. */
export const AUTHORIZER_BUNDLE_BUDGET_BYTES = 150 * 1024;

export function lambdaBuildOptions(entry: string, variant: BundleVariant = DEPLOYED_VARIANT): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node22",
    format: variant.format,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: variant.sdk === "external" ? ["@aws-sdk/*"] : [],
    // ESM output: some dependencies still call require() for Node built-ins.
    ...(variant.format === "esm"
      ? {
          banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
          mainFields: ["module", "main"],
        }
      : {}),
    metafile: true,
    logLevel: "warning",
  };
}

/** Bytes of a bundle's JavaScript and of its map, built in memory. */
export async function bundleBytes(
  entry: string,
  variant: BundleVariant = DEPLOYED_VARIANT,
): Promise<{ js: number; map: number }> {
  const result = await build({ ...lambdaBuildOptions(entry, variant), outfile: "out/index.js", write: false });
  const bytesOf = (suffix: string): number =>
    result.outputFiles
      .filter((file) => file.path.endsWith(suffix))
      .reduce((sum, file) => sum + file.contents.length, 0);
  return { js: bytesOf(".js"), map: bytesOf(".js.map") };
}
