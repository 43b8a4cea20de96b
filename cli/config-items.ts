// The three kinds of config item, validated with the authorizer's own schema before anything is written.
import type * as z from "zod/mini";
import {
  aclKey,
  aclSchema,
  CONFIG_KEY_PREFIX,
  describeIssues,
  propertyKey,
  propertySchema,
  providerKey,
  providerSchema,
  routeKey,
  routeRuleSchema,
  tableKey,
  tableSchema,
  type Acl,
  type CustomTable,
  type ClaimValidation,
  type Property,
  type ProviderConfig,
  type RoutePattern,
  type RouteRule,
} from "../functions/config/schema";
import { ALL_CONFIG_ITEMS, parseConfigItems, type ConfigSnapshot } from "../functions/config/store";
import { CliError } from "./errors";

export interface ConfigKind<T> {
  readonly label: "provider" | "property" | "ACL" | "table" | "route rule";
  /** The export document's array for this kind. */
  readonly plural: "providers" | "properties" | "acls" | "tables" | "routeRules";
  readonly prefix: string;
  /** The field that names an item (and makes its key). */
  readonly nameField: "name" | "table";
  readonly schema: z.ZodMiniType<T>;
  readonly nameOf: (value: T) => string;
  readonly key: (name: string) => string;
}

export const PROVIDER: ConfigKind<ProviderConfig> = {
  label: "provider",
  plural: "providers",
  prefix: CONFIG_KEY_PREFIX.provider,
  nameField: "name",
  schema: providerSchema,
  nameOf: (provider) => provider.name,
  key: providerKey,
};

export const PROPERTY: ConfigKind<Property> = {
  label: "property",
  plural: "properties",
  prefix: CONFIG_KEY_PREFIX.property,
  nameField: "name",
  schema: propertySchema,
  nameOf: (property) => property.name,
  key: propertyKey,
};

export const ACL: ConfigKind<Acl> = {
  label: "ACL",
  plural: "acls",
  prefix: CONFIG_KEY_PREFIX.acl,
  nameField: "table",
  schema: aclSchema,
  nameOf: (acl) => acl.table,
  key: aclKey,
};

export const TABLE: ConfigKind<CustomTable> = {
  label: "table",
  plural: "tables",
  prefix: CONFIG_KEY_PREFIX.table,
  nameField: "name",
  schema: tableSchema,
  nameOf: (table) => table.name,
  key: tableKey,
};

export const ROUTE_RULE: ConfigKind<RouteRule> = {
  label: "route rule",
  plural: "routeRules",
  prefix: CONFIG_KEY_PREFIX.route,
  nameField: "name",
  schema: routeRuleSchema,
  nameOf: (rule) => rule.name,
  key: routeKey,
};

/** A route pattern as one phrase: `GET,POST /api/now/table` or `* api now/table`. */
export const describeRoutePattern = (pattern: RoutePattern): string =>
  `${pattern.methods?.join(",") ?? "*"} ${pattern.api !== undefined ? `api ${pattern.api}` : pattern.path}`;

export type ConfigItem = { readonly pk: string } & Record<string, unknown>;

/** The parsed value (defaults applied), or a CliError naming each bad field and what it allows. */
export function parseOrRefuse<T>(kind: ConfigKind<T>, input: unknown, name: string): T {
  const parsed = kind.schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new CliError("invalid", `${kind.label} ${name} is invalid; nothing was written`, {
    problems: [describeIssues(parsed.error)],
  });
}

/** Plain objects with their keys sorted, at every depth; arrays keep their order. */
function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])]),
  );
}

/**
 * One text for one config. Parsing puts a schema's fields in schema order, but free-form maps
 * (autoProvision.transformMap) keep whatever order DynamoDB returned them in, which it does not
 * guarantee; sorting first and parsing again fixes both.
 */
export const canonical = <T>(kind: ConfigKind<T>, value: T): T => kind.schema.parse(sortKeysDeep(value));

/** The stored form: the key plus the parsed fields, so the item reads back exactly as validated. */
export const toItem = <T>(kind: ConfigKind<T>, value: T): ConfigItem => ({
  pk: kind.key(kind.nameOf(value)),
  ...(value as Record<string, unknown>),
});

export interface InvalidItem {
  readonly pk: string;
  readonly problems: string;
}

export interface InspectedConfig {
  readonly snapshot: ConfigSnapshot;
  /** Items the authorizer ignores, with why: the config-store's own verdict, word for word. */
  readonly invalid: readonly InvalidItem[];
}

/**
 * Judges raw items exactly as the authorizer does (parseConfigItems), keeping the items it would
 * drop and the problems it would log, so the CLI can show them instead of hiding them.
 */
export function inspectConfigItems(items: readonly Record<string, unknown>[]): InspectedConfig {
  const invalid: InvalidItem[] = [];
  const snapshot = parseConfigItems(items, ({ pk, problems }) => invalid.push({ pk, problems }), ALL_CONFIG_ITEMS);
  return { snapshot, invalid };
}

/** Sorts by name, the order of every listing and of the export document. */
export const byName =
  <T>(nameOf: (value: T) => string) =>
  (a: T, b: T): number => {
    const [x, y] = [nameOf(a), nameOf(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  };

/** Roles from `itil, admin` (commas, spaces ignored); an empty string is the empty list. */
export const roleList = (text: string): string[] =>
  text
    .split(",")
    .map((role) => role.trim())
    .filter((role) => role.length > 0);

/** A claim rule as one line: `name equals "imran ali"`. */
export function describeRule(rule: ClaimValidation): string {
  switch (rule.operator) {
    case "exists":
      return `${rule.claim} exists`;
    case "oneOf":
      return `${rule.claim} oneOf ${JSON.stringify(rule.values)}`;
    default:
      return `${rule.claim} ${rule.operator} ${JSON.stringify(rule.value)}`;
  }
}
