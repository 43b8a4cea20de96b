// Which tables exist and who may do what on them, from the ACL items in the config table.
import { isAdmin, isAllowed } from "../config/acl";
import { BadRequestError, ForbiddenError } from "../http/api-errors";
import type { Caller } from "../http/caller";
import type { AclOperation } from "../config/schema";
import type { CachedConfig } from "../config/store";
import { SYS_USER } from "./table-source";

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
    const acl = acls.get(table);
    if (table !== SYS_USER && acl === undefined) {
      const shown = table.length > 100 ? `${table.slice(0, 100)}...` : table;
      throw new BadRequestError(`Invalid table ${shown}`);
    }
    const allowed =
      table === SYS_USER && operation !== "read" ? isAdmin(caller.roles) : isAllowed(acl, caller.roles, operation);
    if (!allowed) {
      throw new ForbiddenError(
        "Operation Failed",
        `ACL Exception ${VERB[operation]} Failed due to security constraints`,
      );
    }
  }
}
