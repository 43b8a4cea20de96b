// Reads the config table (providers and properties), validating every item: a bad item is logged and
// skipped, never fatal. Cached in memory for a short time so a change applies within seconds.
import { ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "../shared/clock";
import { CONFIG_KEY_PREFIX, DEBUG_PROPERTIES } from "./items";
import * as precompiled from "./precompiled";
import type { Acl, CustomTable, Property, ProviderConfig, RoutePattern, RouteRule } from "./schema";
import { INVALID, type Invalid, problemText } from "./validation";
import { StoreError } from "../shared/errors";
import type { AppLogger } from "../shared/logger";
import { RefreshingValue } from "../shared/refreshing-value";

export interface ConfigSnapshot {
  /** Valid provider items, active or not. */
  readonly providers: readonly ProviderConfig[];
  readonly properties: ReadonlyMap<string, string>;
  /** Valid ACLs by table name. */
  readonly acls: ReadonlyMap<string, Acl>;
  /** Valid custom tables and columns for the table dictionary. */
  readonly tables: readonly CustomTable[];
  /** The operators' route rules; an invalid one closes the routes it names (all, if they are unreadable). */
  readonly routeRules?: readonly ConfiguredRouteRule[];
}

/** A route rule as read: valid, or broken (its routes closed to every caller until it is fixed). */
export type ConfiguredRouteRule =
  | RouteRule
  | { readonly name: string; readonly routes: readonly RoutePattern[]; readonly broken: string };

/** Every route: what a broken rule closes when not even its routes can be read. */
const EVERY_ROUTE: readonly RoutePattern[] = [{ path: "/" }];

export interface ConfigSource {
  load(): Promise<ConfigSnapshot>;
}

/** True when either of the seed's debug switches is "true". */
export function isDebugEnabled(config: ConfigSnapshot): boolean {
  for (const name of DEBUG_PROPERTIES) if (config.properties.get(name)?.toLowerCase() === "true") return true;
  return false;
}

/** A config item the authorizer ignores, and why (each problem names its field). */
interface InvalidConfigItem {
  readonly pk: string;
  readonly kind: keyof typeof CONFIG_KEY_PREFIX;
  readonly problems: string;
}

type InvalidItemSink = (item: InvalidConfigItem) => void;

const CONSEQUENCE: Readonly<Record<InvalidConfigItem["kind"], string>> = {
  provider: "provider disabled",
  property: "property ignored",
  acl: "ACL ignored (the table is unavailable to the Table API until fixed)",
  table: "custom table or columns ignored",
  route: "route rule invalid: the routes it names are closed to every caller until it is fixed",
};

/** Logs each invalid item on its own line: what it disables, its key, and what is wrong. */
export const logInvalidItems =
  (logger: AppLogger): InvalidItemSink =>
  ({ pk, kind, problems }) =>
    logger.error(`${CONSEQUENCE[kind]}: invalid config item`, { pk, problems });

/** One kind of item: its precompiled validator (precompiled.ts), the config schema's verdict without zod. */
type ItemKind<T> = (fields: unknown) => T | Invalid;

/** The item parsed, or what is wrong with it (the first problem, in zod's words). */
function parsed<T>(kind: ItemKind<T>, fields: unknown): { data: T } | { problems: string } {
  const valid = kind(fields);
  return valid === INVALID ? { problems: problemText() } : { data: valid };
}

/** Validates one item against its kind; its name field must repeat the key's suffix. */
function validItem<T extends Record<string, unknown>>(
  kind: ItemKind<T>,
  fields: Record<string, unknown>,
  key: { pk: string; kind: InvalidConfigItem["kind"]; nameField: keyof T & string },
  onInvalid: InvalidItemSink,
): T | undefined {
  const result = parsed(kind, fields);
  if ("problems" in result) return void onInvalid({ ...key, problems: result.problems });
  const keyName = key.pk.slice(CONFIG_KEY_PREFIX[key.kind].length);
  if (result.data[key.nameField] !== keyName)
    return void onInvalid({ ...key, problems: `${key.nameField}: must be ${keyName}` });
  return result.data;
}

/**
 * The item kinds a reader of the config understands: a function names only the ones it needs (the
 * authorizer providers and route rules, the backends ACLs and tables), so its bundle holds no other
 * kind's validator. Items of other kinds are not its business and are skipped unread.
 */
interface ConfigItemKinds {
  readonly provider?: ItemKind<ProviderConfig>;
  readonly property: ItemKind<Property>;
  readonly acl?: ItemKind<Acl>;
  readonly table?: ItemKind<CustomTable>;
  readonly route?: ItemKind<RouteRule>;
}

/** Every kind: the admin CLI, which judges every item as the functions do. */
export const ALL_CONFIG_ITEMS: ConfigItemKinds = {
  provider: precompiled.provider,
  property: precompiled.property,
  acl: precompiled.acl,
  table: precompiled.table,
  route: precompiled.routeRule,
};
/** What the authorizer reads: providers, properties (the debug switches) and route rules. */
export const AUTHORIZER_CONFIG_ITEMS: ConfigItemKinds = {
  provider: precompiled.provider,
  property: precompiled.property,
  route: precompiled.routeRule,
};
/** What the backends read: properties (limits), ACLs and custom tables. */
export const BACKEND_CONFIG_ITEMS: ConfigItemKinds = {
  property: precompiled.property,
  acl: precompiled.acl,
  table: precompiled.table,
};

/** Splits raw config items by kind; an invalid item goes to `onInvalid` and is dropped on its own. */
export function parseConfigItems(
  items: readonly Record<string, unknown>[],
  onInvalid: InvalidItemSink,
  kinds: ConfigItemKinds,
): ConfigSnapshot {
  const providers: ProviderConfig[] = [];
  const properties = new Map<string, string>();
  const acls = new Map<string, Acl>();
  const tables: CustomTable[] = [];
  const routeRules: ConfiguredRouteRule[] = [];
  for (const item of items) {
    const { pk, ...fields } = item;
    if (typeof pk !== "string") continue;
    if (pk.startsWith(CONFIG_KEY_PREFIX.provider)) {
      if (!kinds.provider) continue;
      const provider = validItem(kinds.provider, fields, { pk, kind: "provider", nameField: "name" }, onInvalid);
      if (provider) providers.push(provider);
    } else if (pk.startsWith(CONFIG_KEY_PREFIX.property)) {
      const property = validItem(kinds.property, fields, { pk, kind: "property", nameField: "name" }, onInvalid);
      if (property) properties.set(property.name, property.value);
    } else if (pk.startsWith(CONFIG_KEY_PREFIX.acl)) {
      if (!kinds.acl) continue;
      const acl = validItem(kinds.acl, fields, { pk, kind: "acl", nameField: "table" }, onInvalid);
      if (acl) acls.set(acl.table, acl);
    } else if (pk.startsWith(CONFIG_KEY_PREFIX.table)) {
      if (!kinds.table) continue;
      const table = validItem(kinds.table, fields, { pk, kind: "table", nameField: "name" }, onInvalid);
      if (table) tables.push(table);
    } else if (pk.startsWith(CONFIG_KEY_PREFIX.route)) {
      if (!kinds.route) continue;
      const name = pk.slice(CONFIG_KEY_PREFIX.route.length);
      let problems: string | undefined;
      const rule = validItem(kinds.route, fields, { pk, kind: "route", nameField: "name" }, (invalid) => {
        problems = invalid.problems;
        onInvalid(invalid);
      });
      if (rule) routeRules.push(rule);
      else {
        // Fail closed: dropping a broken rule would open what it restricts.
        const routes = precompiled.routePatternList(fields["routes"]);
        routeRules.push({ name, routes: routes === INVALID ? EVERY_ROUTE : routes, broken: problems ?? "invalid" });
      }
    }
  }
  return { providers, properties, acls, tables, routeRules };
}

/** The whole config table, read with a paginated Scan: it holds tens of items and is cached. */
export class DynamoConfigSource implements ConfigSource {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly onInvalid: InvalidItemSink,
    private readonly kinds: ConfigItemKinds,
  ) {}

  async load(): Promise<ConfigSnapshot> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.client.send(
          new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw new StoreError("config table could not be read", { cause: error });
    }
    return parseConfigItems(items, this.onInvalid, this.kinds);
  }
}

export const DEFAULT_CONFIG_TTL_MS = 30_000;
/** How long a last good config is served while the table cannot be read, before denying everything. */
export const DEFAULT_CONFIG_MAX_STALE_MS = 15 * 60_000;
/**
 * How long a request waits for a config refresh before it is served the last good copy (the refresh goes
 * on): a table that does not answer delays requests by at most this, never until its own timeout.
 */
export const CONFIG_REFRESH_WAIT_MS = 200;

/**
 * The config, re-read every ttlMs; while the table is unreadable or slow to answer, the last good copy
 * serves for maxStaleMs (stale-while-revalidate after CONFIG_REFRESH_WAIT_MS).
 */
export class CachedConfig {
  private readonly value: RefreshingValue<ConfigSnapshot>;

  constructor(
    source: ConfigSource,
    clock: Clock,
    logger: AppLogger,
    ttlMs = DEFAULT_CONFIG_TTL_MS,
    maxStaleMs = DEFAULT_CONFIG_MAX_STALE_MS,
  ) {
    // Every request after the TTL tries again (no back-off): the table is ours, and a read is cheap.
    this.value = new RefreshingValue(() => source.load(), clock, {
      maxAgeMs: ttlMs,
      minIntervalMs: 0,
      backoffBaseMs: 0,
      backoffMaxMs: 0,
      maxStaleMs,
      refreshWaitMs: CONFIG_REFRESH_WAIT_MS,
      onServeStale: (ageMs, error) =>
        logger.warn("config table unreadable, serving the last good config", { ageMs, error }),
    });
  }

  get(): Promise<ConfigSnapshot> {
    return this.value.get();
  }

  /** The snapshot while it is fresh, without a promise (the warm path); else undefined: call get(). */
  fresh(): ConfigSnapshot | undefined {
    return this.value.fresh();
  }
}
