// The config table's items and their one schema: what the admin CLI validates its writes with, and what
// the functions' validators are precompiled from (scripts/generate-validators.ts, precompiled.ts).
import * as z from "zod/mini";
import { en } from "zod/locales";
import { COLUMN_TYPES, CUSTOM_COLUMN } from "../dictionary/columns";
import { HTTP_METHODS } from "../http/route-types";
import { USER_LOOKUP_FIELDS } from "../shared/tables";
import { DEFAULT_MAX_STALE_SECONDS, SUPPORTED_ALGORITHMS, TENANT_ID_PATTERN, TOKEN_TYPES } from "./items";
import {
  apiNameRule,
  customColumnRule,
  providerRule,
  type Rule,
  routePatternRule,
  routeRequirementsRule,
  tableRule,
  transformMapRule,
} from "./rules";

export * from "./items";

const DEFAULT_CLOCK_SKEW_SECONDS = 60;

// zod/mini ships no messages of its own: the English ones classic zod uses. The precompiled validators
// take theirs from the same locale, so the CLI and the log lines about an invalid item read alike.
z.config(en());

/**
 * Each refinement's check, and the named rule it runs (rules.ts): how scripts/generate-validators.ts
 * finds the function a precompiled validator calls in its place.
 */
export const RULE_OF_CHECK = new WeakMap<object, Rule<never>>();

export function rule<T>(fn: Rule<T>) {
  const check = z.superRefine<T>(fn);
  RULE_OF_CHECK.set(check, fn as Rule<never>);
  return check;
}

/** A claim name, or a dot path into nested claims (`realm_access.roles`). */
const claimPath = z
  .string()
  .check(z.minLength(1), z.maxLength(256), z.regex(/^[^.\s][^\s]*$/, "a claim name or dot path, without spaces"));

const claimScalar = z.union([z.string().check(z.maxLength(1024)), z.number(), z.boolean()]);

export const claimValidationSchema = z.discriminatedUnion("operator", [
  z.strictObject({ claim: claimPath, operator: z.literal("equals"), value: claimScalar }),
  z.strictObject({
    claim: claimPath,
    operator: z.literal("oneOf"),
    values: z.array(claimScalar).check(z.minLength(1), z.maxLength(100)),
  }),
  z.strictObject({ claim: claimPath, operator: z.literal("contains"), value: claimScalar }),
  z.strictObject({ claim: claimPath, operator: z.literal("exists") }),
]);
export type ClaimValidation = z.infer<typeof claimValidationSchema>;

/** A role name as ServiceNow writes them (`itil`, `admin`, `x_acme.reader`). */
export const roleName = z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,100}$/, "a role name: 1-100 of A-Za-z0-9_.-"));

/** Where a provisioned user's field comes from: claims (first present wins), a literal, or a template. */
const fieldSourceSchema = z.union([
  claimPath,
  z.strictObject({
    claim: z.union([claimPath, z.array(claimPath).check(z.minLength(1), z.maxLength(10))]),
    default: z.optional(claimScalar),
  }),
  z.strictObject({ value: claimScalar }),
  // `{given_name} {family_name}`; `{claim|fallback}` when a claim may be missing.
  z.strictObject({
    template: z.string().check(z.minLength(1), z.maxLength(512), z.regex(/\{[^{}]+\}/, "has no {claim} placeholder")),
    default: z.optional(z.string().check(z.maxLength(255))),
  }),
]);
export type FieldSource = z.infer<typeof fieldSourceSchema>;

const DEFAULT_TRANSFORM_MAP: Readonly<Record<string, FieldSource>> = {
  user_name: { claim: ["preferred_username", "email", "sub"] },
  email: "email",
  first_name: "given_name",
  last_name: "family_name",
};

/** Just-in-time user creation (the seed's auto user-import with a transform map and roles). */
export const autoProvisionSchema = z.strictObject({
  enabled: z._default(z.boolean(), false),
  transformMap: z._default(z.record(z.string(), fieldSourceSchema).check(rule(transformMapRule)), () => ({
    ...DEFAULT_TRANSFORM_MAP,
  })),
  defaultRoles: z._default(z.array(roleName).check(z.maxLength(100)), () => []),
  /** Any value of `claim` (or the claim itself) equal to `value` grants `roles`. */
  roleMappings: z._default(
    z
      .array(
        z.strictObject({
          claim: claimPath,
          value: claimScalar,
          roles: z.array(roleName).check(z.minLength(1), z.maxLength(100)),
        }),
      )
      .check(z.maxLength(100)),
    () => [],
  ),
  /** With the user claim `email`, only a verified address may create a user. */
  requireVerifiedEmail: z._default(z.boolean(), true),
  /** Refresh mapped fields and claim-derived roles from each new token (off: created once, then the admin's). */
  updateOnLogin: z._default(z.boolean(), false),
});
export type AutoProvision = z.infer<typeof autoProvisionSchema>;

const PROVIDER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * A request path pattern as API Gateway's policies match them: the path and everything below it; `*`
 * matches any characters, `/` included; a `{param}` segment is a `*`.
 */
const ROUTE_PATH = /^\/[A-Za-z0-9_.~*{}/-]{0,511}$/;

/** Routes by API (`now/table`: every prefix it answers under) or by path, for some methods (default all). */
export const routePatternSchema = z
  .strictObject({
    api: z.optional(z.string().check(rule(apiNameRule))),
    path: z.optional(z.string().check(z.regex(ROUTE_PATH, "a path from /: letters, digits, _ . ~ - /, {param} and *"))),
    methods: z.optional(z.array(z.enum(HTTP_METHODS)).check(z.minLength(1), z.maxLength(HTTP_METHODS.length))),
  })
  .check(rule(routePatternRule));
export type RoutePattern = z.infer<typeof routePatternSchema>;

/** A scope as RFC 6749 3.3 spells one: printable ASCII without space, `"` or `\\`. */
const scopeToken = z.string().check(z.regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/, "a scope (RFC 6749 3.3)"));

/**
 * What a route asks of every caller, on top of the token being valid: one of `roles` (the user's roles;
 * admin passes), one of `scopes` (an access token's granted scopes; an ID token has none), and every one
 * of `claims` (the provider claim rules' language).
 */
export const routeRequirementsSchema = z
  .strictObject({
    roles: z.optional(z.array(roleName).check(z.minLength(1), z.maxLength(100))),
    scopes: z.optional(z.array(scopeToken).check(z.minLength(1), z.maxLength(100))),
    claims: z.optional(z.array(claimValidationSchema).check(z.minLength(1), z.maxLength(50))),
  })
  .check(rule(routeRequirementsRule));
export type RouteRequirements = z.infer<typeof routeRequirementsSchema>;

/** The most patterns one route rule or one provider's allowed routes may list. */
const MAX_ROUTE_PATTERNS = 20;

const routePatterns = () => z.array(routePatternSchema).check(z.minLength(1), z.maxLength(MAX_ROUTE_PATTERNS));

/** An operator's route rule: the routes it covers, and what every caller of them must have. */
export const routeRuleSchema = z.strictObject({
  name: z.string().check(z.regex(PROVIDER_NAME_PATTERN, "1-64 letters, digits, '_', '.', '-'")),
  description: z.optional(z.string().check(z.maxLength(512))),
  routes: routePatterns(),
  requires: routeRequirementsSchema,
});
export type RouteRule = z.infer<typeof routeRuleSchema>;

/** The shipped routes' rules, as the stack hands them to the authorizer (their names are `api METHOD path`). */
export const shippedRouteRulesSchema = z.array(
  z.strictObject({
    name: z.string().check(z.minLength(1), z.maxLength(256)),
    routes: routePatterns(),
    requires: routeRequirementsSchema,
  }),
);
export type ShippedRouteRules = z.infer<typeof shippedRouteRulesSchema>;
export type RouteRuleInput = z.input<typeof routeRuleSchema>;

/** A broken route rule's routes, when they can be read: what it closes until it is fixed. */
export const routePatternListSchema = z.array(routePatternSchema).check(z.minLength(1));

/** Header `typ` values an access-token provider may accept; `JWT` also accepts a token without `typ`. */
const ACCESS_TOKEN_TYPS = ["at+jwt", "application/at+jwt", "JWT"] as const;

/**
 * A provider of JWT access tokens (RFC 9068, or Entra ID/Okta/Auth0 tokens that say `JWT`): the API's
 * identifier as the audience, the clients whose tokens are accepted, where the granted scopes are, and
 * who the caller is: the user the token was issued for, or a service (a service account record).
 */
const accessTokenSchema = z.strictObject({
  /** The API's identifier (`api://orders`, `https://api.example.com`): the `aud` to expect, never a client id. */
  audience: z.string().check(z.minLength(1), z.maxLength(2048)),
  acceptedTypes: z._default(z.array(z.enum(ACCESS_TOKEN_TYPS)).check(z.minLength(1)), () => [
    "at+jwt" as const,
    "application/at+jwt" as const,
  ]),
  /** The clients (`client_id`, `azp`, `appid` or `cid`) whose tokens are accepted, or "all": say so explicitly. */
  clientIds: z.union([
    z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.minLength(1), z.maxLength(100)),
    z.literal("all"),
  ]),
  /** Where the granted scopes are: space-separated strings or arrays (`scope`, Entra's and Okta's `scp`, `roles`). */
  scopeClaims: z._default(z.array(claimPath).check(z.minLength(1), z.maxLength(5)), () => ["scope", "scp"]),
  /** `user`: a person's delegated token, found as an ID token's user is; `service`: a service account record. */
  caller: z._default(z.enum(["user", "service"]), "user"),
});

const httpUrl = () => z.url({ protocol: /^https?$/ }).check(z.maxLength(2048));

export const providerSchema = z
  .strictObject({
    name: z.string().check(z.regex(PROVIDER_NAME_PATTERN, "1-64 letters, digits, '_', '.', '-'")),
    metadataUrl: httpUrl(),
    /**
     * The issuer the discovery document must state, when the document is not served at the issuer's own
     * `/.well-known/openid-configuration` (Okta's `-admin` host). Unset: the metadata URL minus that path.
     */
    issuer: z.optional(httpUrl()),
    /**
     * Other spellings of the issuer that tokens may carry in `iss` (Google's `accounts.google.com`, Entra's
     * v1 `https://sts.windows.net/{tenantid}/`, Auth0's issuer without its `/`). The document must still
     * state `issuer`; a token with an alias is bound to its user under the issuer it spells.
     */
    issuerAliases: z._default(
      z
        .array(z.string().check(z.minLength(1), z.maxLength(2048), z.regex(/^[^\s]+$/, "an issuer, without spaces")))
        .check(z.maxLength(10)),
      () => [],
    ),
    /**
     * With `{tenantid}` in the issuer: the tenants (`tid`) whose tokens are accepted, or "all" (any
     * tenant of the provider may sign in: say so explicitly).
     */
    tenants: z.optional(
      z.union([
        z.array(z.string().check(z.regex(TENANT_ID_PATTERN, "a tenant id"))).check(z.minLength(1), z.maxLength(100)),
        z.literal("all"),
      ]),
    ),
    /** ID tokens (the default) or JWT access tokens: a provider accepts one kind, never the other. */
    tokenType: z._default(z.enum(TOKEN_TYPES), "id"),
    /** For ID tokens, the expected audience: the client id the provider issued to this application. */
    clientId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    /** For access tokens: their audience, clients, scopes and caller. */
    accessToken: z.optional(accessTokenSchema),
    /** The routes this provider's tokens may call (ServiceNow's token restrictions); unset: every route. */
    allowedRoutes: z.optional(routePatterns()),
    /** A reference (ARN or name) to where the client secret is kept; never the secret itself. */
    clientSecretRef: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
    userClaim: z._default(claimPath, "email"),
    userField: z._default(z.enum(USER_LOOKUP_FIELDS), "email"),
    enableJtiVerification: z._default(z.boolean(), false),
    claimValidations: z._default(z.array(claimValidationSchema).check(z.maxLength(50)), () => []),
    autoProvision: z.prefault(autoProvisionSchema, {}),
    active: z._default(z.boolean(), true),
    allowedAlgorithms: z._default(z.array(z.enum(SUPPORTED_ALGORITHMS)).check(z.minLength(1)), () => [
      ...SUPPORTED_ALGORITHMS,
    ]),
    clockSkewSeconds: z._default(z.int().check(z.minimum(0), z.maximum(600)), DEFAULT_CLOCK_SKEW_SECONDS),
    /**
     * While the provider cannot be read, its last good discovery document and key set (in memory, or
     * persisted by any container) keep verifying until they are this old; then its tokens are refused.
     */
    maxStaleSeconds: z._default(z.int().check(z.minimum(60), z.maximum(7 * 24 * 3600)), DEFAULT_MAX_STALE_SECONDS),
    /**
     * With `email` as the user claim or field, `email_verified` must be true at every sign-in. On: a token
     * without the claim at all is taken as verified (for providers that never send it); `false` still fails.
     */
    acceptMissingEmailVerified: z._default(z.boolean(), false),
    /**
     * Providers whose bound users this provider's tokens may link to through the user claim. Off (empty)
     * by default: a link makes this provider as trusted as those for every user it can name.
     */
    linkToProviders: z._default(
      z.array(z.string().check(z.regex(PROVIDER_NAME_PATTERN, "a provider name"))).check(z.maxLength(20)),
      () => [],
    ),
  })
  .check(rule(providerRule));
export type ProviderConfig = z.infer<typeof providerSchema>;

export type ProviderInput = z.input<typeof providerSchema>;

export const propertySchema = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(256)),
  value: z.string().check(z.maxLength(4096)),
});
export type Property = z.infer<typeof propertySchema>;

const roles = () => z.array(roleName).check(z.maxLength(100));

/** Which roles may do what on one table. A table without an item is closed to all but `admin`. */
export const aclSchema = z.strictObject({
  table: z.string().check(z.regex(/^[a-z][a-z0-9_]{0,79}$/, "a table name: lowercase letters, digits, '_'")),
  read: z._default(roles(), () => []),
  create: z._default(roles(), () => []),
  write: z._default(roles(), () => []),
  delete: z._default(roles(), () => []),
});
export type Acl = z.infer<typeof aclSchema>;
export type AclInput = z.input<typeof aclSchema>;

const TABLE_NAME = /^[a-z][a-z0-9_]{0,79}$/;

/** A column an admin adds to a table (ServiceNow's `u_` columns), in the dictionary's terms. */
const customColumnSchema = z
  .strictObject({
    type: z.enum(
      COLUMN_TYPES.filter((type) => type !== "sys_class_name") as Exclude<
        (typeof COLUMN_TYPES)[number],
        "sys_class_name"
      >[],
    ),
    label: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
    default: z.optional(z.string().check(z.maxLength(1000))),
    mandatory: z.optional(z.boolean()),
    readOnly: z.optional(z.boolean()),
    choices: z.optional(
      z
        .array(
          z.strictObject({
            value: z.string().check(z.maxLength(100)),
            label: z.string().check(z.minLength(1), z.maxLength(100)),
          }),
        )
        .check(z.minLength(1), z.maxLength(500)),
    ),
    reference: z.optional(z.string().check(z.regex(TABLE_NAME, "a table name"))),
  })
  .check(rule(customColumnRule));

/**
 * A custom table (`u_` name, optionally extending another table and numbered with its own prefix), or
 * `u_` columns added to an out-of-box table. The same schema validates the admin CLI's input and every
 * item read from the config table.
 */
export const tableSchema = z
  .strictObject({
    name: z.string().check(z.regex(TABLE_NAME, "a table name: lowercase letters, digits, '_'")),
    label: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
    extends: z.optional(z.string().check(z.regex(TABLE_NAME, "a table name"))),
    numberPrefix: z.optional(z.string().check(z.regex(/^[A-Z]{2,8}$/, "2-8 uppercase letters"))),
    columns: z._default(
      z.record(
        z.string().check(z.regex(CUSTOM_COLUMN, "a custom column name: u_ then lowercase letters, digits, '_'")),
        customColumnSchema,
      ),
      () => ({}),
    ),
  })
  .check(rule(tableRule));
export type CustomTable = z.infer<typeof tableSchema>;
