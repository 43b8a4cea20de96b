// What the mutation run mutates and which tests may kill it: the authorizer, the config's validators and the
// users directory, tried against the tests of those parts only (the rest of the suite cannot reach them and
// would only cost time).
import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Files whose every generic mutant is tried. */
export function genericTargets(root: string): string[] {
  const authorizer = readdirSync(join(root, "functions/authorizer"))
    .filter((name) => name.endsWith(".ts"))
    .sort()
    .map((name) => `functions/authorizer/${name}`);
  return [
    ...authorizer,
    // What a config item or a user input must be to be taken: the precompiled validators' parts and rules.
    "functions/config/validation.ts",
    "functions/config/rules.ts",
    "functions/config/items.ts",
    "functions/users/input-rules.ts",
    "functions/users/directory.ts",
    "functions/users/guards.ts",
    "functions/users/store.ts",
  ];
}

/** The test files a mutant may be tried against: folders whole, and single files from others. */
const RELEVANT_TESTS: readonly { readonly folder: string; readonly only?: readonly string[] }[] = [
  { folder: "test/authorizer" },
  { folder: "test/users" },
  { folder: "test/config" },
  // The admin CLI: explain, route rules, and user unbind/delete (directory writes through the CLI).
  { folder: "test/cli", only: ["explain.test.ts", "route.test.ts", "user.test.ts"] },
  // The README's numbers, read from the same constants the code uses (cache lifetimes, back-offs, limits).
  { folder: "test/docs", only: ["readme-authorizer.test.ts", "readme-token-restrictions.test.ts"] },
  // The Table API's sys_user and its ACL cache (the named ACL-TTL mutation lives in its wiring).
  { folder: "test/table-api", only: ["sys-user.test.ts", "acl-changes-apply-within-seconds.test.ts"] },
];

export function relevantTestFiles(root: string): string[] {
  const files: string[] = [];
  for (const { folder, only } of RELEVANT_TESTS) {
    for (const entry of readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })) {
      const name = entry.split("/").at(-1) ?? entry;
      if (!entry.endsWith(".test.ts") || (only !== undefined && !only.includes(name))) continue;
      files.push(`${folder}/${entry}`);
    }
  }
  return files.sort();
}
