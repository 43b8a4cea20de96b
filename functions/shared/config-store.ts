// Reads the config table (providers and properties), validating every item: a bad item is logged and
// skipped, never fatal. Cached in memory for a short time so a change applies within seconds.
import { ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "./clock";
import {
  aclSchema,
  CONFIG_KEY_PREFIX,
  DEBUG_PROPERTIES,
  describeIssues,
  propertySchema,
  providerSchema,
  type Acl,
  type ProviderConfig,
} from "./config-schema";
import { StoreError } from "./errors";
import type { AppLogger } from "./logger";

export interface ConfigSnapshot {
  /** Valid provider items, active or not. */
  readonly providers: readonly ProviderConfig[];
  readonly properties: ReadonlyMap<string, string>;
  /** Valid ACLs by table name. */
  readonly acls: ReadonlyMap<string, Acl>;
}

export interface ConfigSource {
  load(): Promise<ConfigSnapshot>;
}

/** True when either of the seed's debug switches is "true". */
export const isDebugEnabled = (config: ConfigSnapshot): boolean =>
  DEBUG_PROPERTIES.some((name) => config.properties.get(name)?.toLowerCase() === "true");

/** Splits raw config items by kind; invalid items are logged and dropped, each on its own. */
export function parseConfigItems(items: readonly Record<string, unknown>[], logger: AppLogger): ConfigSnapshot {
  const providers: ProviderConfig[] = [];
  const properties = new Map<string, string>();
  const acls = new Map<string, Acl>();
  for (const item of items) {
    const { pk, ...fields } = item;
    if (typeof pk !== "string") continue;
    if (pk.startsWith(CONFIG_KEY_PREFIX.provider)) {
      const parsed = providerSchema.safeParse(fields);
      const keyName = pk.slice(CONFIG_KEY_PREFIX.provider.length);
      if (!parsed.success) {
        logger.error("provider disabled: invalid config item", { pk, problems: describeIssues(parsed.error) });
      } else if (parsed.data.name !== keyName) {
        logger.error("provider disabled: invalid config item", { pk, problems: `name: must be ${keyName}` });
      } else {
        providers.push(parsed.data);
      }
    } else if (pk.startsWith(CONFIG_KEY_PREFIX.property)) {
      const parsed = propertySchema.safeParse(fields);
      if (parsed.success) properties.set(parsed.data.name, parsed.data.value);
      else logger.error("property ignored: invalid config item", { pk, problems: describeIssues(parsed.error) });
    } else if (pk.startsWith(CONFIG_KEY_PREFIX.acl)) {
      const parsed = aclSchema.safeParse(fields);
      const keyTable = pk.slice(CONFIG_KEY_PREFIX.acl.length);
      if (!parsed.success) {
        logger.error("ACL ignored (the table is unavailable to the Table API until fixed): invalid config item", {
          pk,
          problems: describeIssues(parsed.error),
        });
      } else if (parsed.data.table !== keyTable) {
        logger.error("ACL ignored (the table is unavailable to the Table API until fixed): invalid config item", {
          pk,
          problems: `table: must be ${keyTable}`,
        });
      } else {
        acls.set(parsed.data.table, parsed.data);
      }
    }
  }
  return { providers, properties, acls };
}

/** The whole config table, read with a paginated Scan: it holds tens of items and is cached. */
export class DynamoConfigSource implements ConfigSource {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly logger: AppLogger,
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
    return parseConfigItems(items, this.logger);
  }
}

export const DEFAULT_CONFIG_TTL_MS = 30_000;
/** How long a last good config is served while the table cannot be read, before denying everything. */
export const DEFAULT_CONFIG_MAX_STALE_MS = 15 * 60_000;

/** The config, re-read every ttlMs; while the table is unreadable, the last good copy serves for maxStaleMs. */
export class CachedConfig {
  private snapshot: ConfigSnapshot | undefined;
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  private inflight: Promise<ConfigSnapshot> | undefined;

  constructor(
    private readonly source: ConfigSource,
    private readonly clock: Clock,
    private readonly logger: AppLogger,
    private readonly ttlMs = DEFAULT_CONFIG_TTL_MS,
    private readonly maxStaleMs = DEFAULT_CONFIG_MAX_STALE_MS,
  ) {}

  async get(): Promise<ConfigSnapshot> {
    const ageMs = this.clock.nowMs() - this.loadedAtMs;
    if (this.snapshot && ageMs < this.ttlMs) return this.snapshot;
    this.inflight ??= this.source.load().finally(() => {
      this.inflight = undefined;
    });
    try {
      this.snapshot = await this.inflight;
      this.loadedAtMs = this.clock.nowMs();
      return this.snapshot;
    } catch (error) {
      if (this.snapshot && ageMs < this.maxStaleMs) {
        this.logger.warn("config table unreadable, serving the last good config", { ageMs, error });
        return this.snapshot;
      }
      throw error;
    }
  }
}
