// Which routes a verified token may call: its provider's allowed routes (ServiceNow's token restrictions),
// and what the shipped routes and the operators' route rules require (roles, scopes, claims). One set of
// globs serves both answers, so they cannot disagree: the decision for the route being called, and the IAM
// policy API Gateway caches for the token and applies to every route it is used on afterwards.
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { PolicyDocument, Statement } from "aws-lambda";
import { isAdmin } from "../config/acl";
import * as precompiled from "../config/precompiled";
import type { ProviderConfig, RoutePattern, RouteRequirements } from "../config/schema";
import { INVALID } from "../config/validation";
import { SHIPPED_ROUTE_RULES_ENV } from "../shared/env";
import { API_PREFIXES } from "../http/api-prefixes";
import { HTTP_METHODS } from "../http/route-types";
import { AuthError, type AuthReasonCode } from "../shared/errors";
import { checkClaimRules } from "./claims";
import { boundedText } from "./decision-log";

/** The method and path being called, as the method ARN names them. */
export interface RequestRoute {
  readonly method: string;
  readonly path: string;
}

/** A rule as the authorizer applies it: shipped with a route definition, or from the config table. */
export interface AppliedRouteRule {
  readonly name: string;
  readonly routes: readonly RoutePattern[];
  readonly requires?: RouteRequirements;
  /** A config item that did not validate: its routes are closed to every caller. */
  readonly broken?: string;
}

/**
 * The largest policy the authorizer returns (in JSON characters): API Gateway documents no limit for a
 * REST API's authorizer result (only WebSocket APIs have one, 8 KB), so this stays within that one.
 */
export const MAX_POLICY_CHARACTERS = 8 * 1024;

/** Who is calling, as far as the route requirements ask. */
export interface RouteSubject {
  readonly provider: Pick<ProviderConfig, "name" | "allowedRoutes">;
  readonly claims: JwtPayload;
  readonly scopes: ReadonlySet<string>;
  /** The user's roles; unset until the user is known, and role requirements are checked only then. */
  readonly roles?: readonly string[];
}

/** Why a route is refused: the reason code, the rule (none for a provider's allowed routes) and what failed. */
export interface RouteRefusal {
  readonly code: AuthReasonCode;
  readonly rule?: string;
  readonly detail: string;
  readonly claim?: string;
}

/**
 * A pattern's globs below `{apiId}/{stage}/`, as in an execute-api ARN: `METHOD/path`. A path covers
 * itself and everything below it (`/api/now/table` and `/api/now/table/*`); `{param}` is `*`. Allows name
 * each method (a `*` there could match across `/` into another route's path, through a greedy route);
 * denies may use `*` for all methods, since matching more only refuses more.
 */
function patternGlobs(pattern: RoutePattern, use: "allow" | "deny"): string[] {
  const paths =
    pattern.api !== undefined ? API_PREFIXES[pattern.api as keyof typeof API_PREFIXES] : [pattern.path ?? "/"];
  const pathGlobs = paths.flatMap((path) => {
    const glob = path.replace(/\{[^}]*\}/g, "*").replace(/\/+$/, "");
    if (glob === "") return ["/*"];
    return glob.endsWith("*") ? [glob] : [glob, `${glob}/*`];
  });
  const methods = pattern.methods ?? (use === "deny" ? ["*"] : HTTP_METHODS);
  return methods.flatMap((method) => pathGlobs.map((path) => `${method}${path}`));
}

/** IAM's `*` (any characters, `/` included) as a regular expression over `METHOD/path`. */
function globsRegex(globs: readonly string[]): RegExp {
  const alternatives = globs.map((glob) => glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*"));
  return new RegExp(`^(?:${alternatives.join("|")})$`, "s");
}

interface CompiledRule {
  readonly rule: AppliedRouteRule;
  readonly globs: readonly string[];
  readonly regex: RegExp;
}

interface CompiledAllowance {
  readonly globs: readonly string[];
  readonly regex: RegExp;
}

const uniqueGlobs = (patterns: readonly RoutePattern[], use: "allow" | "deny"): string[] => [
  ...new Set(patterns.flatMap((pattern) => patternGlobs(pattern, use))),
];

/** The route rules of one config snapshot, compiled once. */
export class RouteAccess {
  private readonly rules: readonly CompiledRule[];
  private readonly allowances = new WeakMap<readonly RoutePattern[], CompiledAllowance>();

  constructor(rules: readonly AppliedRouteRule[]) {
    this.rules = rules.map((rule) => {
      const globs = uniqueGlobs(rule.routes, "deny");
      return { rule, globs, regex: globsRegex(globs) };
    });
  }

  /** The refusal of `route` for `subject`, or undefined: the provider allows it and every rule covering it passes. */
  check(route: RequestRoute, subject: RouteSubject): RouteRefusal | undefined {
    const target = `${route.method}${route.path}`;
    const allowance = this.allowance(subject.provider);
    if (allowance !== undefined && !allowance.regex.test(target)) {
      return {
        code: "route_not_allowed",
        detail: `provider ${subject.provider.name} does not allow ${boundedText(route.method)} ${boundedText(route.path)}`,
      };
    }
    for (const compiled of this.rules) {
      if (!compiled.regex.test(target)) continue;
      const refusal = failedRequirement(compiled.rule, subject);
      if (refusal !== undefined) return refusal;
    }
    return undefined;
  }

  /**
   * The token's policy over the whole API (`base` is `arn:...:{apiId}/{stage}/`): Allow on what the
   * provider allows (everything, without allowed routes), Deny on every rule the subject fails. Exactly
   * what `check` answers for each route, so a cached policy never lets a token through where a call
   * without the cache would be refused.
   */
  policy(
    base: string,
    subject: RouteSubject & { readonly roles: readonly string[] },
    current?: RequestRoute,
  ): PolicyDocument {
    const whole = this.wholePolicy(base, subject);
    if (current === undefined || policyCharacters(whole) <= MAX_POLICY_CHARACTERS) return whole;
    // Too large to hand API Gateway: the route being called only (allowed, or check() would have refused
    // it), so a cached policy refuses the token's other routes until it expires, never allows one.
    if (/[*?]/.test(current.path))
      throw new AuthError("internal_error", "policy too large, and the path has wildcards");
    return {
      Version: "2012-10-17",
      Statement: [
        { Action: "execute-api:Invoke", Effect: "Allow", Resource: [`${base}${current.method}${current.path}`] },
      ],
    };
  }

  private wholePolicy(base: string, subject: RouteSubject & { readonly roles: readonly string[] }): PolicyDocument {
    const allowance = this.allowance(subject.provider);
    const statements: Statement[] = [
      {
        Action: "execute-api:Invoke",
        Effect: "Allow",
        Resource: allowance === undefined ? [`${base}*/*`] : allowance.globs.map((glob) => `${base}${glob}`),
      },
    ];
    let denied: Set<string> | undefined;
    for (const compiled of this.rules) {
      if (failedRequirement(compiled.rule, subject) === undefined) continue;
      denied ??= new Set();
      for (const glob of compiled.globs) denied.add(`${base}${glob}`);
    }
    if (denied !== undefined) statements.push({ Action: "execute-api:Invoke", Effect: "Deny", Resource: [...denied] });
    return { Version: "2012-10-17", Statement: statements };
  }

  /** Whether the provider allows `route`, and what each rule covering it answers for `subject` (the admin CLI's explain). */
  explain(
    route: RequestRoute,
    subject: RouteSubject,
  ): { allowedByProvider: boolean; rules: { rule: string; passed: boolean; detail?: string }[] } {
    const target = `${route.method}${route.path}`;
    const allowance = this.allowance(subject.provider);
    return {
      allowedByProvider: allowance === undefined || allowance.regex.test(target),
      rules: this.rules
        .filter((compiled) => compiled.regex.test(target))
        .map((compiled) => {
          const refusal = failedRequirement(compiled.rule, subject);
          return refusal === undefined
            ? { rule: compiled.rule.name, passed: true }
            : { rule: compiled.rule.name, passed: false, detail: refusal.detail };
        }),
    };
  }

  private allowance(provider: RouteSubject["provider"]): CompiledAllowance | undefined {
    const patterns = provider.allowedRoutes;
    if (patterns === undefined) return undefined;
    let compiled = this.allowances.get(patterns);
    if (compiled === undefined) {
      const globs = uniqueGlobs(patterns, "allow");
      compiled = { globs, regex: globsRegex(globs) };
      this.allowances.set(patterns, compiled);
    }
    return compiled;
  }
}

/**
 * The policy's JSON length, without serializing it on every call: its resources (quoted, with a comma)
 * and a bound on the rest of each statement (`{"Action":"execute-api:Invoke","Effect":"Allow","Resource":[]}`).
 */
function policyCharacters(policy: PolicyDocument): number {
  let characters = 40;
  for (const statement of policy.Statement) {
    characters += 80;
    const resources = (statement as { Resource?: string | string[] }).Resource ?? [];
    for (const resource of typeof resources === "string" ? [resources] : resources) characters += resource.length + 3;
  }
  return characters;
}

/** The first requirement of `rule` the subject does not meet: claims, then scopes, then roles (once known). */
function failedRequirement(rule: AppliedRouteRule, subject: RouteSubject): RouteRefusal | undefined {
  const name = rule.name;
  if (rule.broken !== undefined || rule.requires === undefined) {
    return {
      code: "route_rule_invalid",
      rule: name,
      detail: `route rule ${name} is invalid: ${boundedText(rule.broken ?? "no requirements", 256)}`,
    };
  }
  const { claims, scopes, roles } = rule.requires;
  if (claims !== undefined) {
    try {
      checkClaimRules(subject.claims, claims);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return {
        code: "route_claim_mismatch",
        rule: name,
        detail: `route rule ${name}: ${error.message}`,
        ...(error.claim !== undefined && { claim: error.claim }),
      };
    }
  }
  if (scopes !== undefined && !scopes.some((scope) => subject.scopes.has(scope))) {
    return {
      code: "route_scope_missing",
      rule: name,
      detail: `route rule ${name} requires one of the scopes ${scopes.join(" ")}`,
    };
  }
  const userRoles = subject.roles;
  if (roles !== undefined && userRoles !== undefined && !isAdmin(userRoles)) {
    if (!roles.some((role) => userRoles.includes(role))) {
      return {
        code: "route_role_missing",
        rule: name,
        detail: `route rule ${name} requires one of the roles ${roles.join(", ")}`,
      };
    }
  }
  return undefined;
}

/**
 * The shipped rules from the authorizer's environment; a missing or invalid value fails the cold start.
 * For JSON the precompiled validator answers as the schema (shippedRouteRulesSchema) does, and names the
 * first rule it refuses; the stack's tests hold the shipped rules to the schema.
 */
export function parseShippedRouteRules(json: string): AppliedRouteRule[] {
  const rules: unknown = JSON.parse(json);
  const valid = precompiled.shippedRouteRules(rules);
  if (valid !== INVALID) return valid;
  const at = Array.isArray(rules) ? rules.findIndex((rule) => precompiled.shippedRouteRules([rule]) === INVALID) : -1;
  throw new TypeError(
    `${SHIPPED_ROUTE_RULES_ENV} is invalid: ${at < 0 ? "not a list of route rules" : `rule ${at} does not match the route rule schema`}`,
  );
}
