// The authorizer's bundle has a byte budget: its size is deterministic, so the check is a test (its load
// time is not, and is measured by `npm run bench`). Built exactly as the stack bundles it.
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { AUTHORIZER, BACKENDS } from "../../functions/http/routes";
import { AUTHORIZER_BUNDLE_BUDGET_BYTES, bundleBytes, lambdaBuildOptions } from "../../scripts/lambda-bundle";

/** The packages a bundle holds code of. */
async function packagesIn(entry: string): Promise<Set<string>> {
  const result = await build({ ...lambdaBuildOptions(entry), outfile: "out/index.js", write: false });
  const output = Object.values(result.metafile?.outputs ?? {}).find((candidate) => candidate.entryPoint);
  return new Set(
    Object.keys(output?.inputs ?? {})
      .filter((path) => path.startsWith("node_modules/"))
      .map((path) =>
        path
          .split("/")
          .slice(1, path.startsWith("node_modules/@") ? 3 : 2)
          .join("/"),
      ),
  );
}

describe("Lambda bundles", () => {
  it(`keeps the authorizer within ${AUTHORIZER_BUNDLE_BUDGET_BYTES / 1024} KiB of minified JavaScript`, async () => {
    const { js, map } = await bundleBytes(AUTHORIZER.entry);
    expect(js).toBeGreaterThan(10 * 1024); // a real bundle, not an empty build
    expect(js).toBeLessThanOrEqual(AUTHORIZER_BUNDLE_BUDGET_BYTES);
    expect(map).toBeGreaterThan(0); // a logged stack can still be mapped (the map ships, unloaded)
  });

  it("keeps every backend within the same budget", async () => {
    for (const definition of Object.values(BACKENDS)) {
      const { js } = await bundleBytes(definition.entry);
      expect({ id: definition.id, js: js <= AUTHORIZER_BUNDLE_BUDGET_BYTES }).toEqual({ id: definition.id, js: true });
    }
  });

  it("reads the config without zod: the authorizer bundles the precompiled validators, not the schema", async () => {
    const packages = await packagesIn(AUTHORIZER.entry);
    expect(packages.has("aws-jwt-verify")).toBe(true); // the check sees packages at all
    expect(packages.has("zod")).toBe(false);
  });
});
