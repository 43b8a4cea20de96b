// The authorizer's bundle has a byte budget: its size is deterministic, so the check is a test (its load
// time is not, and is measured by `npm run bench`). Built exactly as the stack bundles it.
import { describe, expect, it } from "vitest";
import { AUTHORIZER, BACKENDS } from "../../functions/http/routes";
import { AUTHORIZER_BUNDLE_BUDGET_BYTES, bundleBytes } from "../../scripts/lambda-bundle";

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
});
