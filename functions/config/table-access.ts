// Which tables exist and who may do what on them, from the ACL items in the config table: the one check
// of the Table API, the Attachment API and every scripted REST resource.
import { BadRequestError, ForbiddenError } from "../http/api-errors";
import type { Caller } from "../http/caller";
import { SYS_USER } from "../users/fields";
import { isAdmin, isAllowed } from "./acl";
import type { AclOperation } from "./schema";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { systemClock, type Clock } from "../shared/clock";
import type { AppLogger } from "../shared/logger";
import { CachedConfig, DynamoConfigSource, logInvalidItems } from "./store";

/** ServiceNow's word for each operation in its ACL exception detail. */
const VERB: Record<AclOperation, string> = { read: "Read", create: "Insert", write: "Update", delete: "Delete" };

export class TableAccess {
  constructor(private readonly config: Pick<CachedConfig, "get">) {}

  /**
   * A table exists when it has an ACL item (or is sys_user); anything else is `Invalid table`, for admins
   * too, and before any ACL, as ServiceNow answers. Then the caller's roles must pass the table's ACL for
   * the operation; sys_user is written by admins only, whatever its ACL says.
   */
  async check(table: string, caller: Caller, operation: AclOperation): Promise<void> {
    const { acls } = await this.config.get();
    if (table !== SYS_USER && !acls.has(table)) {
      const shown = table.length > 100 ? `${table.slice(0, 100)}...` : table;
      throw new BadRequestError(`Invalid table ${shown}`);
    }
    if (!(await this.allows(table, caller, operation))) throw aclDenied(operation);
  }

  /** Whether the caller may do `operation` on `table`; a table without an ACL allows admins only. */
  async allows(table: string, caller: Caller, operation: AclOperation): Promise<boolean> {
    const { acls } = await this.config.get();
    return table === SYS_USER && operation !== "read"
      ? isAdmin(caller.roles)
      : isAllowed(acls.get(table), caller.roles, operation);
  }
}

/** ACL changes apply quickly; the config table is tiny and one Scan per 10 s per container is cheap. */
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
    new DynamoConfigSource(options.client, options.configTable, logInvalidItems(options.logger)),
    options.clock ?? systemClock,
    options.logger,
    options.ttlMs ?? ACL_CONFIG_TTL_MS,
  );
}

/** ServiceNow's 403 for an operation the caller's roles may not do. */
export const aclDenied = (operation: AclOperation): ForbiddenError =>
  new ForbiddenError("Operation Failed", `ACL Exception ${VERB[operation]} Failed due to security constraints`);
