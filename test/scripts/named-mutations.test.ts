// `npm run mutate` applies each named mutation by text: when the code it names changes, the mutation must
// be updated, not silently skipped. Each must still apply exactly once to the current source.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { applyNamed, NAMED_MUTATIONS } from "../../scripts/mutation/named";

describe("the named mutations of npm run mutate", () => {
  it.each(NAMED_MUTATIONS.map((mutation) => [mutation.id, mutation] as const))(
    "%s applies to the source",
    (_, mutation) => {
      const original = readFileSync(mutation.file, "utf8");
      const { mutated } = applyNamed(mutation, original);
      expect(mutated).not.toBe(original);
    },
  );
});
