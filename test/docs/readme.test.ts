// The README's reason-code table against the codes the authorizer can log: the two cannot drift apart.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AUTH_REASON_CODES, INTERNAL_REASON_CODES } from "../../functions/shared/errors";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The rows of the table under `## Reason codes`: the codes of each row's first cell, and whether it says (internal). */
function reasonTable(): { codes: string[]; internal: boolean }[] {
  const section = README.split(/^## Reason codes$/m)[1]?.split(/^## /m)[0] ?? "";
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => {
      const first = line.split("|")[1] ?? "";
      return {
        codes: [...first.matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string),
        internal: first.includes("(internal)"),
      };
    });
}

describe("the README's reason codes", () => {
  it("list every code the authorizer logs, and no other", () => {
    const documented = reasonTable().flatMap((row) => row.codes);
    expect([...documented].sort()).toEqual(["authenticated", ...AUTH_REASON_CODES].sort());
    expect(new Set(documented).size).toBe(documented.length);
  });

  it("mark exactly the internal ones (internal)", () => {
    const marked = reasonTable()
      .filter((row) => row.internal)
      .flatMap((row) => row.codes);
    expect(marked.sort()).toEqual([...INTERNAL_REASON_CODES].sort());
  });
});
