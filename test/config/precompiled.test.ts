// The precompiled validators (functions/config/precompiled.ts) are the config schema's verdict without
// zod: held here to the schema itself on valid items and on hostile variations of them, and to the file
// the generator writes today.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as precompiled from "../../functions/config/precompiled";
import {
  aclSchema,
  describeIssues,
  propertySchema,
  providerSchema,
  routePatternListSchema,
  routeRuleSchema,
  shippedRouteRulesSchema,
  tableSchema,
} from "../../functions/config/schema";
import { INVALID, problemText } from "../../functions/config/validation";
import { SHIPPED_ROUTE_RULES } from "../../functions/http/routes";
import { userInputSchema } from "../../functions/users/input-schema";
import { GENERATED_PATH, generatedValidators } from "../../scripts/generate-validators";

interface Schema {
  safeParse(input: unknown): { success: true; data: unknown } | { success: false; error: { issues: unknown[] } };
}

const TENANT = "11111111-1111-4111-8111-111111111111";

/** Valid items of every kind, with the features each kind has: the seeds the variations start from. */
const SEEDS: Record<keyof typeof precompiled, readonly unknown[]> = {
  provider: [
    { name: "okta", metadataUrl: "https://okta.example/.well-known/openid-configuration", clientId: "abc" },
    {
      name: "entra",
      metadataUrl: "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration",
      issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
      issuerAliases: ["https://sts.windows.net/{tenantid}/"],
      tenants: [TENANT],
      clientId: "api://x",
      userClaim: "preferred_username",
      userField: "user_name",
      enableJtiVerification: true,
      claimValidations: [
        { claim: "groups", operator: "contains", value: "staff" },
        { claim: "realm_access.roles", operator: "oneOf", values: ["a", 2, true] },
        { claim: "email_verified", operator: "equals", value: true },
        { claim: "tid", operator: "exists" },
      ],
      autoProvision: {
        enabled: true,
        transformMap: {
          user_name: { claim: ["preferred_username", "sub"], default: "x" },
          first_name: "given_name",
          title: { value: "Engineer" },
          u_team: { template: "{given_name} {family_name|?}", default: "-" },
        },
        defaultRoles: ["itil"],
        roleMappings: [{ claim: "groups", value: "admins", roles: ["admin"] }],
        requireVerifiedEmail: false,
        updateOnLogin: true,
      },
      allowedAlgorithms: ["RS256", "ES256"],
      clockSkewSeconds: 0,
      maxStaleSeconds: 3600,
      acceptMissingEmailVerified: true,
      linkToProviders: ["okta"],
      allowedRoutes: [{ api: "now/table", methods: ["GET"] }, { path: "/api/x_oidc/*" }],
      clientSecretRef: "arn:aws:secretsmanager:eu-west-1:1:secret:x",
    },
    {
      name: "m2m",
      metadataUrl: "http://localhost:9/.well-known/openid-configuration",
      tokenType: "access",
      accessToken: { audience: "api://orders", clientIds: "all", caller: "service", acceptedTypes: ["JWT"] },
      active: false,
    },
  ],
  property: [{ name: "glide.auth.debug.enabled", value: "true" }],
  acl: [{ table: "incident", read: ["itil"], write: ["itil", "admin"] }],
  table: [
    {
      name: "u_asset",
      label: "Asset",
      extends: "task",
      numberPrefix: "AST",
      columns: {
        u_kind: { type: "choice", choices: [{ value: "a", label: "A" }], mandatory: true },
        u_owner: { type: "reference", reference: "sys_user" },
      },
    },
    { name: "incident", columns: { u_extra: { type: "string", default: "x", readOnly: false } } },
  ],
  routeRule: [
    { name: "readers", routes: [{ api: "now/table", methods: ["GET"] }], requires: { roles: ["itil"] } },
    {
      name: "scoped",
      description: "x",
      routes: [{ path: "/api/now/table/{table}" }],
      requires: { scopes: ["orders:read"], claims: [{ claim: "amr", operator: "contains", value: "mfa" }] },
    },
  ],
  routePatternList: [[{ api: "now/attachment" }, { path: "/api/*", methods: ["POST", "DELETE"] }]],
  shippedRouteRules: [SHIPPED_ROUTE_RULES],
  userInput: [
    { user_name: " Ada ", email: "ada@example.com", roles: ["itil"], active: true, u_badge: 7, title: "x" },
    { user_name: "bob", web_service_access_only: true, u_flag: false },
  ],
};

const VALIDATORS: Record<keyof typeof precompiled, (input: unknown) => unknown> = {
  provider: precompiled.provider,
  property: precompiled.property,
  acl: precompiled.acl,
  table: precompiled.table,
  routeRule: precompiled.routeRule,
  routePatternList: precompiled.routePatternList,
  shippedRouteRules: precompiled.shippedRouteRules,
  userInput: precompiled.userInput,
};

const SCHEMAS: Record<keyof typeof precompiled, Schema> = {
  provider: providerSchema,
  property: propertySchema,
  acl: aclSchema,
  table: tableSchema,
  routeRule: routeRuleSchema,
  routePatternList: routePatternListSchema,
  shippedRouteRules: shippedRouteRulesSchema,
  userInput: userInputSchema,
};

/** Values that sit on the schemas' edges: lengths, patterns, URLs, numbers, types. */
const EDGE_VALUES: readonly unknown[] = [
  "",
  " ",
  "a",
  "x".repeat(64),
  "x".repeat(65),
  "x".repeat(256),
  "x".repeat(257),
  "😀".repeat(128),
  "😀".repeat(129),
  "\uD83D".repeat(3),
  "https://idp.example/.well-known/openid-configuration",
  " https://idp.example/a\t/.well-known/openid-configuration ",
  "http:idp.example",
  "ftp://idp.example/",
  "https://login.microsoftonline.com/{tenantid}/v2.0",
  "{tenantid}",
  "{given_name}",
  "u_x",
  "user_name",
  "__proto__",
  "constructor",
  "now/table",
  "/api/*",
  "GET",
  "equals",
  "oneOf",
  "itil",
  "all",
  "id",
  "access",
  "service",
  "a@b.co",
  "ada@example",
  0,
  -0,
  1,
  59,
  60,
  600,
  601,
  1.5,
  86_400 * 7 + 1,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  false,
  null,
  [],
  {},
  " https://idp.example/.well-known/openid-configuration\n",
  // A surrogate pair first, at a length limit in code points (257 UTF-16 units).
  `😀${"x".repeat(255)}`,
  // A lone surrogate is one code point: 257 of them, one over the limit.
  `\uD83D${"x".repeat(256)}`,
  // No JSON, but what a caller's object may hold.
  Number.NaN,
  Number.POSITIVE_INFINITY,
];

/** Values that sit on the schemas' edges: lengths, patterns, URLs, numbers, types; and any JSON. */
const edge = fc.oneof(
  fc.constantFrom(...EDGE_VALUES),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }),
);

type Path = (string | number)[];

/** Every path into a JSON value, the value itself first. */
function paths(value: unknown, prefix: Path = []): Path[] {
  const found: Path[] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) found.push(...paths(item, [...prefix, i]));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) found.push(...paths(item, [...prefix, key]));
  }
  return found;
}

type Change = { kind: "set"; value: unknown } | { kind: "delete" } | { kind: "add"; key: string; value: unknown };

/** The value with one change at the path (a copy: JSON in, JSON out). */
function changed(value: unknown, path: Path, change: Change): unknown {
  const copy = structuredClone(value);
  if (path.length === 0) return change.kind === "set" ? change.value : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (change.kind === "set") parent[last] = change.value;
  else if (change.kind === "delete") {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (typeof target === "object" && target !== null && !Array.isArray(target)) {
      // An own key, as JSON.parse makes it (an assignment to __proto__ would set the prototype).
      Object.defineProperty(target, change.key, {
        value: change.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (Array.isArray(target)) target.push(change.value);
  }
  return copy;
}

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), value: edge }),
  fc.record({ kind: fc.constant("delete" as const) }),
  fc.record({
    kind: fc.constant("add" as const),
    key: fc.constantFrom("extra", "u_new", "__proto__", "constructor", "description", "default", "first_name"),
    value: edge,
  }),
);

/** A seed of the kind with one to three changes at random places. */
const variation = (kind: keyof typeof precompiled): fc.Arbitrary<unknown> =>
  fc
    .tuple(fc.constantFrom(...SEEDS[kind]), fc.array(fc.tuple(fc.nat(), change), { minLength: 0, maxLength: 3 }))
    .map(([seed, changes]) => {
      let value: unknown = seed;
      for (const [at, next] of changes) {
        const all = paths(value);
        value = changed(value, all[at % all.length] as Path, next);
      }
      return value;
    });

describe("precompiled validators", () => {
  it("are the generator's output for today's schemas (run `npm run generate` after a schema change)", () => {
    expect(readFileSync(GENERATED_PATH, "utf8")).toBe(generatedValidators());
  });

  for (const kind of Object.keys(SEEDS) as (keyof typeof precompiled)[]) {
    it(`${kind}: take what the schema takes, with the value it gives, and refuse what it refuses`, () => {
      let refused = 0;
      fc.assert(
        fc.property(variation(kind), (input) => {
          const expected = SCHEMAS[kind].safeParse(input);
          const actual = VALIDATORS[kind](input);
          if (expected.success) {
            expect(actual).not.toBe(INVALID);
            expect(actual).toStrictEqual(expected.data);
            expect(JSON.stringify(actual)).toBe(JSON.stringify(expected.data));
          } else {
            refused++;
            expect(actual).toBe(INVALID);
            expect(problemText()).not.toBe("");
          }
        }),
        { numRuns: 1500 },
      );
      // The variations reach the refusals, not only the seeds.
      expect(refused).toBeGreaterThan(100);
    });
  }

  it("answer as the schema does for every edge value at every place of every seed", () => {
    const constants = fc.sample(edge, { numRuns: 40, seed: 7 });
    for (const kind of Object.keys(SEEDS) as (keyof typeof precompiled)[]) {
      for (const seed of SEEDS[kind]) {
        for (const path of paths(seed)) {
          for (const value of [...EDGE_VALUES, ...constants]) {
            const input = changed(seed, path, { kind: "set", value });
            const expected = SCHEMAS[kind].safeParse(input);
            const actual = VALIDATORS[kind](input);
            if (expected.success) expect(actual, `${kind} ${path.join(".")}`).toStrictEqual(expected.data);
            else expect(actual, `${kind} ${path.join(".")} = ${JSON.stringify(value)}`).toBe(INVALID);
          }
        }
      }
    }
  });

  it("take every seed as the schema does", () => {
    for (const kind of Object.keys(SEEDS) as (keyof typeof precompiled)[]) {
      for (const seed of SEEDS[kind]) {
        const expected = SCHEMAS[kind].safeParse(seed);
        expect(expected.success, `${kind} seed`).toBe(true);
        expect(VALIDATORS[kind](seed)).toStrictEqual(expected.success ? expected.data : undefined);
      }
    }
  });

  it("say where and what in zod's words, for the first problem", () => {
    const cases: [keyof typeof precompiled, unknown][] = [
      ["provider", { name: "x", metadataUrl: "ftp://x/.well-known/openid-configuration", clientId: "a" }],
      ["provider", { name: "x", metadataUrl: "https://x/.well-known/openid-configuration", clientId: "a", extra: 1 }],
      ["provider", { name: "x", metadataUrl: "https://x/.well-known/openid-configuration" }],
      // A discovery URL with a fragment or a query is no issuer's: the issuer must be given.
      ["provider", { name: "x", metadataUrl: "https://x/.well-known/openid-configuration#a", clientId: "a" }],
      ["provider", { name: "x", metadataUrl: "https://x/.well-known/openid-configuration?a=1", clientId: "a" }],
      [
        "provider",
        { name: "x", metadataUrl: "https://x/.well-known/openid-configuration", clientId: "a", clockSkewSeconds: 601 },
      ],
      ["provider", { name: "has space", metadataUrl: "https://x/.well-known/openid-configuration", clientId: "a" }],
      ["routeRule", { name: "r", routes: [{ api: "now/nothing" }], requires: { roles: ["itil"] } }],
      ["routeRule", { name: "r", routes: [{ path: "/x" }], requires: {} }],
      ["acl", { table: "incident", read: "itil" }],
      ["userInput", { user_name: "x".repeat(401) }],
      ["userInput", { user_name: "ok", favourite: "x" }],
    ];
    for (const [kind, input] of cases) {
      const expected = SCHEMAS[kind].safeParse(input);
      expect(expected.success).toBe(false);
      expect(VALIDATORS[kind](input)).toBe(INVALID);
      const first = expected.success ? "" : describeIssues(expected.error as never).split("; ")[0];
      expect(problemText(), JSON.stringify(input)).toBe(first);
    }
  });

  it("refuse, as zod does, inputs no JSON item can be: a class instance or a symbol key in a record", () => {
    class Map2 {
      user_name = { claim: "sub" };
    }
    const symbolKeyed = { user_name: { claim: "sub" }, [Symbol("x")]: "email" };
    for (const transformMap of [new Map2(), symbolKeyed]) {
      const input = { ...(SEEDS.provider[0] as object), autoProvision: { transformMap } };
      expect(providerSchema.safeParse(input).success).toBe(false);
      expect(precompiled.provider(input)).toBe(INVALID);
    }
  });

  it("take a record as zod's isPlainObject does: an object made from a plain one, or without a prototype", () => {
    const inherited = Object.assign(Object.create({ inherited: true }), { user_name: "sub" });
    const bare = Object.assign(Object.create(null), { email: "email" });
    const hidden = Object.defineProperty({ email: "email" }, Symbol("x"), { value: 1, enumerable: false });
    for (const transformMap of [inherited, bare, hidden]) {
      const input = { ...(SEEDS.provider[0] as object), autoProvision: { transformMap } };
      const expected = providerSchema.safeParse(input);
      expect(expected.success).toBe(true);
      expect(precompiled.provider(input)).toStrictEqual(expected.success ? expected.data : undefined);
    }
  });

  it("name a value that is no JSON as zod does", () => {
    const seed = SEEDS.property[0] as object;
    for (const value of [Number.NaN, Number.NEGATIVE_INFINITY, new Date(0), new Map(), null, [], 1]) {
      const input = { ...seed, value };
      const expected = propertySchema.safeParse(input);
      expect(precompiled.property(input)).toBe(INVALID);
      expect(problemText()).toBe(expected.success ? "" : describeIssues(expected.error));
    }
  });
});
