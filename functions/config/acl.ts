// Table ACL evaluation: which roles may read, create, write or delete rows of a table.
import type { Acl, AclOperation } from "./schema";

/** ServiceNow's admin role passes every ACL. */
const ADMIN_ROLE = "admin";

export const isAdmin = (roles: readonly string[]): boolean => roles.includes(ADMIN_ROLE);

/**
 * True when a caller with `roles` may perform `operation` under `acl`. No ACL means closed to all but
 * admin (default deny); a role list of an operation is a disjunction: any one of them suffices.
 */
export function isAllowed(acl: Acl | undefined, roles: readonly string[], operation: AclOperation): boolean {
  if (isAdmin(roles)) return true;
  if (acl === undefined) return false;
  const allowed = acl[operation];
  return roles.some((role) => allowed.includes(role));
}
