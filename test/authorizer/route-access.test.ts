// The route decision and the policy agree on every route (unit, property-based): whatever check() answers
// for a call, API Gateway's evaluation of the policy (the local gateway's model of it) answers the same,
// so a policy cached on one route never lets a token through on another the authorizer would refuse.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_POLICY_CHARACTERS,
  parseShippedRouteRules,
  RouteAccess,
  type AppliedRouteRule,
  type RouteSubject,
} from "../../functions/authorizer/route-access";
import { routePatternSchema, routeRuleSchema, type RoutePattern } from "../../functions/config/schema";
import { API_NAMES, API_PREFIXES } from "../../functions/http/api-prefixes";
import { HTTP_METHODS } from "../../functions/http/route-types";
import { ROUTES, SHIPPED_ROUTE_RULES } from "../../functions/http/routes";
import { evaluatePolicy } from "../../infra/local/policy";

const BASE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/";

/** Concrete calls for every route of the manifest (parameters filled in), and a few paths no route has. */
const CALLS = ROUTES.flatMap((route) =>
  ["incident", "x_oidc"].map((value) => ({
    method: route.method,
    path: route.path.replace(/\{[^}]+\+\}/, `${value}/deeper/api/now/table`).replace(/\{[^}]+\}/g, value),
  })),
).concat([
  { method: "GET", path: "/" },
  { method: "GET", path: "/api/now/tablex" },
]);

const PATTERNS: readonly RoutePattern[] = [
  ...API_NAMES.map((api) => ({ api })),
  { path: "/api/now/table/incident" },
  { path: "/api/now/table/{table}/{sys_id}" },
  { path: "/api/now/*/table" },
  { path: "/api/x_oidc/incident_ops/incident/{id}/comment" },
  { path: "/api/now/table/" },
  { path: "/" },
];

const pattern = fc
  .tuple(fc.constantFrom(...PATTERNS), fc.option(fc.subarray([...HTTP_METHODS], { minLength: 1 }), { nil: undefined }))
  .map(([base, methods]) => routePatternSchema.parse({ ...base, ...(methods && { methods }) }));

const ROLES = ["itil", "admin", "knowledge"] as const;
const SCOPES = ["orders.read", "orders.write"] as const;

const rule = fc
  .record({
    routes: fc.array(pattern, { minLength: 1, maxLength: 3 }),
    roles: fc.option(fc.subarray([...ROLES], { minLength: 1 }), { nil: undefined }),
    scopes: fc.option(fc.subarray([...SCOPES], { minLength: 1 }), { nil: undefined }),
    claim: fc.option(fc.constantFrom("ops", "dev"), { nil: undefined }),
  })
  .filter(({ roles, scopes, claim }) => roles !== undefined || scopes !== undefined || claim !== undefined)
  .map(
    ({ routes, roles, scopes, claim }): AppliedRouteRule =>
      routeRuleSchema.parse({
        name: `rule-${roles?.join("") ?? ""}${scopes?.join("") ?? ""}${claim ?? ""}`,
        routes,
        requires: {
          ...(roles && { roles }),
          ...(scopes && { scopes }),
          ...(claim && { claims: [{ claim: "department", operator: "equals", value: claim }] }),
        },
      }),
  );

const subject = fc.record({
  allowedRoutes: fc.option(fc.array(pattern, { minLength: 1, maxLength: 4 }), { nil: undefined }),
  roles: fc.subarray([...ROLES]),
  scopes: fc.subarray([...SCOPES]),
  department: fc.constantFrom("ops", "dev", undefined),
});

describe("RouteAccess", () => {
  it("answers every call as the policy it returns does, for any rules, allowed routes and caller", () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 4 }), subject, (rules, who) => {
        const access = new RouteAccess(rules);
        const caller: RouteSubject & { roles: readonly string[] } = {
          provider: { name: "p", ...(who.allowedRoutes && { allowedRoutes: who.allowedRoutes }) },
          claims: who.department === undefined ? {} : { department: who.department },
          scopes: new Set(who.scopes),
          roles: who.roles,
        };
        const policy = access.policy(BASE, caller);
        for (const call of CALLS) {
          const refused = access.check(call, caller) !== undefined;
          const byPolicy = evaluatePolicy(policy, `${BASE}${call.method}${call.path}`);
          expect({ call, refused }).toEqual({ call, refused: byPolicy === "deny" });
        }
      }),
      { numRuns: 300 },
    );
  });

  it("names each method in an Allow: a greedy route's path never matches another API's pattern", () => {
    const access = new RouteAccess([]);
    const caller = {
      provider: { name: "partner", allowedRoutes: [routePatternSchema.parse({ api: "x_oidc/auth" })] },
      claims: {},
      scopes: new Set<string>(),
      roles: [],
    };
    const policy = access.policy(BASE, caller);
    expect(policy.Statement).toEqual([
      {
        Action: "execute-api:Invoke",
        Effect: "Allow",
        Resource: HTTP_METHODS.flatMap((method) =>
          API_PREFIXES["x_oidc/auth"].flatMap((prefix) => [`${BASE}${method}${prefix}`, `${BASE}${method}${prefix}/*`]),
        ),
      },
    ]);
    // incident_ops' greedy route with a path that spells the other API: not allowed.
    const sneaky = `${BASE}GET/api/x_oidc/incident_ops/api/x_oidc/auth/me`;
    expect(evaluatePolicy(policy, sneaky)).toBe("deny");
    expect(evaluatePolicy(policy, `${BASE}GET/api/x_oidc/v1/auth/me`)).toBe("allow");
  });

  it("reports the failing requirement: claims, then scopes, then roles once they are known", () => {
    const [scoped, roled, claimed] = [
      { scopes: ["orders.read"] },
      { roles: ["itil"] },
      { claims: [{ claim: "department", operator: "equals" as const, value: "ops" }] },
    ].map((requires, index) =>
      routeRuleSchema.parse({ name: `r${index}`, routes: [{ path: "/api/now/table" }], requires }),
    );
    const call = { method: "GET", path: "/api/now/table/incident" };
    const token: RouteSubject = { provider: { name: "p" }, claims: {}, scopes: new Set() };
    expect(new RouteAccess([roled as AppliedRouteRule]).check(call, token)).toBeUndefined();
    expect(new RouteAccess([roled as AppliedRouteRule]).check(call, { ...token, roles: ["knowledge"] })).toMatchObject({
      code: "route_role_missing",
      rule: "r1",
    });
    expect(new RouteAccess([roled as AppliedRouteRule]).check(call, { ...token, roles: ["admin"] })).toBeUndefined();
    expect(new RouteAccess([scoped as AppliedRouteRule]).check(call, token)).toMatchObject({
      code: "route_scope_missing",
    });
    expect(new RouteAccess([claimed as AppliedRouteRule]).check(call, token)).toMatchObject({
      code: "route_claim_mismatch",
      claim: "department",
    });
    expect(
      new RouteAccess([claimed as AppliedRouteRule]).check(call, { ...token, claims: { department: "ops" } }),
    ).toBeUndefined();
    // A rule never covers a sibling path that only starts with the same letters.
    expect(
      new RouteAccess([scoped as AppliedRouteRule]).check({ method: "GET", path: "/api/now/tablex" }, token),
    ).toBeUndefined();
  });

  it("closes a broken rule's routes to everyone", () => {
    const access = new RouteAccess([
      { name: "broken", routes: [{ path: "/api/now/table/problem" }], broken: "requires: give roles" },
    ]);
    const admin = { provider: { name: "p" }, claims: {}, scopes: new Set<string>(), roles: ["admin"] };
    expect(access.check({ method: "GET", path: "/api/now/table/problem" }, admin)).toMatchObject({
      code: "route_rule_invalid",
      rule: "broken",
    });
    expect(access.check({ method: "GET", path: "/api/now/table/incident" }, admin)).toBeUndefined();
  });

  it(`keeps a policy within ${MAX_POLICY_CHARACTERS} characters: past it, only the route being called is allowed`, () => {
    const many = Array.from({ length: 60 }, (_, index) =>
      routeRuleSchema.parse({
        name: `r${index}`,
        routes: [{ path: `/api/now/table/u_table_with_a_long_name_${index}` }],
        requires: { scopes: [`s${index}`] },
      }),
    );
    const access = new RouteAccess(many);
    const caller = { provider: { name: "p" }, claims: {}, scopes: new Set<string>(), roles: [] };
    const route = { method: "GET", path: "/" };
    const policy = access.policy(BASE, caller, route);
    expect(JSON.stringify(access.policy(BASE, caller)).length).toBeGreaterThan(MAX_POLICY_CHARACTERS);
    expect(JSON.stringify(policy).length).toBeLessThanOrEqual(MAX_POLICY_CHARACTERS);
    expect(policy.Statement).toHaveLength(1);
    expect(evaluatePolicy(policy, `${BASE}GET/`)).toBe("allow");
    expect(evaluatePolicy(policy, `${BASE}GET/api/x_oidc/auth/me`)).toBe("deny");
    // A realistic one stays whole: a partner limited to two APIs, with the shipped rules failing.
    const partner = {
      provider: {
        name: "partner",
        allowedRoutes: [
          routePatternSchema.parse({ api: "x_oidc/auth" }),
          routePatternSchema.parse({ api: "now/table" }),
        ],
      },
      claims: {},
      scopes: new Set<string>(),
      roles: [],
    };
    const realistic = new RouteAccess(SHIPPED_ROUTE_RULES).policy(BASE, partner, route);
    expect(realistic.Statement).toHaveLength(2);
    expect(JSON.stringify(realistic).length).toBeLessThan(MAX_POLICY_CHARACTERS);
  });
});

describe("the shipped routes' rules", () => {
  it("require the roles the scripted resources name, on both mount paths, and survive the environment", () => {
    expect(SHIPPED_ROUTE_RULES).toEqual([
      {
        name: "x_oidc/incident_ops POST /incident/{id}/comment",
        routes: [
          { path: "/api/x_oidc/incident_ops/incident/{id}/comment", methods: ["POST"] },
          { path: "/api/x_oidc/v1/incident_ops/incident/{id}/comment", methods: ["POST"] },
        ],
        requires: { roles: ["itil"] },
      },
    ]);
    expect(parseShippedRouteRules(JSON.stringify(SHIPPED_ROUTE_RULES))).toEqual(SHIPPED_ROUTE_RULES);
    expect(() => parseShippedRouteRules('[{"name":"x","routes":[],"requires":{}}]')).toThrow(/SHIPPED_ROUTE_RULES/);
  });

  it("every API name's prefixes are where the manifest mounts that API", () => {
    for (const [api, prefixes] of Object.entries(API_PREFIXES)) {
      for (const prefix of prefixes) {
        expect({ api, prefix, routes: ROUTES.some((route) => route.path.startsWith(`${prefix}/`)) }).toEqual({
          api,
          prefix,
          routes: true,
        });
      }
    }
    // And every route belongs to one named API.
    const all = Object.values(API_PREFIXES).flat();
    for (const route of ROUTES)
      expect(all.some((prefix) => route.path.startsWith(`${prefix}/`) || route.path === prefix)).toBe(true);
  });
});

describe("the policy's size", () => {
  it("is estimated at or above its JSON length, so the 8 KiB bound holds for the text API Gateway gets", () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 6 }), subject, (rules, who) => {
        const caller = {
          provider: { name: "p", ...(who.allowedRoutes && { allowedRoutes: who.allowedRoutes }) },
          claims: {},
          scopes: new Set<string>(),
          roles: [],
        };
        const policy = new RouteAccess(rules).policy(BASE, caller, { method: "GET", path: "/" });
        expect(JSON.stringify(policy).length).toBeLessThanOrEqual(MAX_POLICY_CHARACTERS);
      }),
      { numRuns: 200 },
    );
  });
});

describe("the policy's size at its bound", () => {
  const caller = (patterns: RoutePattern[]) => ({
    provider: { name: "p", allowedRoutes: patterns },
    claims: {},
    scopes: new Set<string>(),
    roles: [] as string[],
  });
  /** Allowed routes whose whole policy is exactly `length` characters of JSON (one resource per pattern). */
  function patternsOfLength(length: number): RoutePattern[] {
    const fixed = (count: number) =>
      Array.from({ length: count }, (_, i) =>
        routePatternSchema.parse({ path: `/api/x_oidc/auth/${i}${"a".repeat(250)}*`, methods: ["GET"] }),
      );
    const whole = (count: number, extra: number) => [
      ...fixed(count),
      routePatternSchema.parse({ path: `/api/x_oidc/auth/z${"b".repeat(extra)}*`, methods: ["GET"] }),
    ];
    const size = (count: number, extra: number) =>
      JSON.stringify(new RouteAccess([]).policy(BASE, caller(whole(count, extra)))).length;
    let count = 0;
    while (size(count + 1, 0) <= length) count++;
    const extra = length - size(count, 0);
    expect(size(count, extra)).toBe(length);
    return whole(count, extra);
  }
  const route = { method: "GET", path: "/api/x_oidc/auth/me" };

  it.each([1, 2, 40, 100])("falls back to the route called when the JSON is %i character(s) over", (over) => {
    const patterns = patternsOfLength(MAX_POLICY_CHARACTERS + over);
    const policy = new RouteAccess([]).policy(BASE, caller(patterns), route);
    expect(policy.Statement).toEqual([
      { Action: "execute-api:Invoke", Effect: "Allow", Resource: [`${BASE}GET/api/x_oidc/auth/me`] },
    ]);
  });

  it("keeps the whole policy well under the bound", () => {
    const patterns = patternsOfLength(MAX_POLICY_CHARACTERS - 100);
    const policy = new RouteAccess([]).policy(BASE, caller(patterns), route);
    expect(JSON.stringify(policy).length).toBe(MAX_POLICY_CHARACTERS - 100);
  });
});

describe("RouteAccess.explain and the oversize fallback's edge", () => {
  const rule = routeRuleSchema.parse({
    name: "r",
    routes: [{ path: "/api/now/table" }],
    requires: { roles: ["itil"] },
  });
  const provider = { name: "p", allowedRoutes: [routePatternSchema.parse({ api: "now/table", methods: ["GET"] })] };
  const who = { provider, claims: {}, scopes: new Set<string>(), roles: ["knowledge"] };

  it("answers per route: the provider's allowance, and each covering rule with its failing requirement", () => {
    const access = new RouteAccess([rule]);
    expect(access.explain({ method: "GET", path: "/api/now/table/incident" }, who)).toEqual({
      allowedByProvider: true,
      rules: [{ rule: "r", passed: false, detail: "route rule r requires one of the roles itil" }],
    });
    expect(access.explain({ method: "POST", path: "/api/now/table/incident" }, { ...who, roles: ["itil"] })).toEqual({
      allowedByProvider: false,
      rules: [{ rule: "r", passed: true }],
    });
    expect(
      access.explain({ method: "GET", path: "/api/x_oidc/auth/me" }, { ...who, provider: { name: "open" } }),
    ).toEqual({ allowedByProvider: true, rules: [] });
  });

  it("refuses to fall back to a route whose path has wildcards", () => {
    const many = Array.from({ length: 60 }, (_, index) =>
      routeRuleSchema.parse({
        name: `r${index}`,
        routes: [{ path: `/api/now/table/u_table_with_a_long_name_${index}` }],
        requires: { scopes: [`s${index}`] },
      }),
    );
    const caller = { provider: { name: "p" }, claims: {}, scopes: new Set<string>(), roles: [] };
    expect(() => new RouteAccess(many).policy(BASE, caller, { method: "GET", path: "/api/x*" })).toThrow(
      expect.objectContaining({ code: "internal_error" }),
    );
  });
});
