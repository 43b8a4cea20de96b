// Which tables exist and who may do what on them: the ACL items in the config table, applied by the
// record's own table and falling back to its parent's (then the grandparent's), as ServiceNow does. The one
// check of the Table API, the Attachment API and every scripted REST resource.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Dictionary } from "../dictionary/dictionary";
import { BadRequestError, ForbiddenError } from "../http/api-errors";
import type { Caller } from "../http/caller";
import { systemClock, type Clock } from "../shared/clock";
import type { AppLogger } from "../shared/logger";
import { SYS_USER } from "../users/fields";
import { isAdmin, isAllowed } from "./acl";
import type { Acl, AclOperation } from "./schema";
import { BACKEND_CONFIG_ITEMS, CachedConfig, DynamoConfigSource, logInvalidItems, type ConfigSnapshot } from "./store";

/** ServiceNow's word for each operation in its ACL exception detail. */
const VERB: Record<AclOperation, string> = { read: "Read", create: "Insert", write: "Update", delete: "Delete" };

/**
 * Tables every signed-in user may read unless their ACL says otherwise (as on ServiceNow, where anyone can
 * look up a caller or a group); written by admins only when they have no ACL. sys_user is written by admins
 * only, whatever its ACL says.
 */
const READABLE_BY_EVERYONE: ReadonlySet<string> = new Set([SYS_USER, "sys_user_group", "sys_user_grmember"]);

/** The ACLs of one config snapshot, with the dictionary that says which tables exist and extend which. */
class AclRules {
  constructor(
    private readonly acls: ReadonlyMap<string, Acl>,
    readonly dictionary: Dictionary,
  ) {}

  /**
   * A table exists when the dictionary has it or it has an ACL item; anything else is `Invalid table`, for
   * admins too, and before any ACL, as ServiceNow answers. Then the caller's roles must pass the table's ACL
   * (its own, else its nearest ancestor's) for the operation.
   */
  check(table: string, caller: Caller, operation: AclOperation): void {
    if (this.dictionary.table(table) === undefined && !this.acls.has(table)) {
      const shown = table.length > 100 ? `${table.slice(0, 100)}...` : table;
      throw new BadRequestError(`Invalid table ${shown}`);
    }
    if (!this.allows(table, caller, operation)) throw aclDenied(operation);
  }

  allows(table: string, caller: Caller, operation: AclOperation): boolean {
    if (table === SYS_USER && operation !== "read") return isAdmin(caller.roles);
    const acl = this.aclOf(table);
    if (acl === undefined && operation === "read" && READABLE_BY_EVERYONE.has(table)) return true;
    return isAllowed(acl, caller.roles, operation);
  }

  /** The ACL in force on a table: its own, or the nearest ancestor's. */
  private aclOf(table: string): Acl | undefined {
    for (const name of [table, ...(this.dictionary.table(table)?.ancestors ?? [])]) {
      const acl = this.acls.get(name);
      if (acl) return acl;
    }
    return undefined;
  }
}

/** The rules of the config as last read: one dictionary per config snapshot, rebuilt only when it is re-read. */
export class TableAccess {
  private readonly rulesBySnapshot = new WeakMap<ConfigSnapshot, AclRules>();

  constructor(
    private readonly config: Pick<CachedConfig, "get">,
    private readonly logger?: AppLogger,
  ) {}

  async rules(): Promise<AclRules> {
    const snapshot = await this.config.get();
    let rules = this.rulesBySnapshot.get(snapshot);
    if (!rules) {
      const dictionary = new Dictionary(snapshot.tables, (name, problem) =>
        this.logger?.error("custom table ignored: invalid config item", { table: name, problems: problem }),
      );
      rules = new AclRules(snapshot.acls, dictionary);
      this.rulesBySnapshot.set(snapshot, rules);
    }
    return rules;
  }

  /** AclRules.check on the config as last read. */
  async check(table: string, caller: Caller, operation: AclOperation): Promise<void> {
    (await this.rules()).check(table, caller, operation);
  }

  /** Whether the caller may do `operation` on `table` (its own ACL, else its nearest ancestor's). */
  async allows(table: string, caller: Caller, operation: AclOperation): Promise<boolean> {
    return (await this.rules()).allows(table, caller, operation);
  }
}

/** ACL changes apply quickly; the config table is tiny and one Scan per 10 s per container is cheap. */
/** How long an ACL change may take to apply: the config is re-read at most this often. */
const ACL_CONFIG_TTL_MS = 10_000;

/** The config table's ACLs and properties, cached ttlMs (ACL_CONFIG_TTL_MS by default), as every API reads them. */
export function createConfigReader(options: {
  readonly client: DynamoDBDocumentClient;
  readonly configTable: string;
  readonly logger: AppLogger;
  readonly clock?: Clock;
  readonly ttlMs?: number;
}): CachedConfig {
  return new CachedConfig(
    new DynamoConfigSource(options.client, options.configTable, logInvalidItems(options.logger), BACKEND_CONFIG_ITEMS),
    options.clock ?? systemClock,
    options.logger,
    options.ttlMs ?? ACL_CONFIG_TTL_MS,
  );
}

/** ServiceNow's 403 for an operation the caller's roles may not do. */
export const aclDenied = (operation: AclOperation): ForbiddenError =>
  new ForbiddenError("Operation Failed", `ACL Exception ${VERB[operation]} Failed due to security constraints`);
