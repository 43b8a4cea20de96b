// Which tables exist and who may do what on them: the ACL items in the config table, applied by the
// record's own table and falling back to its parent's (then the grandparent's), as ServiceNow does.
import { isAdmin, isAllowed } from "../config/acl";
import { BadRequestError, ForbiddenError } from "../http/api-errors";
import type { Caller } from "../http/caller";
import type { Acl, AclOperation } from "../config/schema";
import type { Dictionary } from "../dictionary/dictionary";
import { SYS_USER } from "./table-source";

/** ServiceNow's word for each operation in its ACL exception detail. */
const VERB: Record<AclOperation, string> = { read: "Read", create: "Insert", write: "Update", delete: "Delete" };

/**
 * Tables every signed-in user may read unless their ACL says otherwise (as on ServiceNow, where anyone can
 * look up a caller or a group); written by admins only when they have no ACL. sys_user is written by admins
 * only, whatever its ACL says.
 */
const READABLE_BY_EVERYONE: ReadonlySet<string> = new Set([SYS_USER, "sys_user_group", "sys_user_grmember"]);

export class TableAccess {
  constructor(
    private readonly acls: ReadonlyMap<string, Acl>,
    private readonly dictionary: Dictionary,
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
    if (!this.allows(table, caller, operation)) {
      throw new ForbiddenError(
        "Operation Failed",
        `ACL Exception ${VERB[operation]} Failed due to security constraints`,
      );
    }
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
