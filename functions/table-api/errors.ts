// The stores' domain errors as the Table API answers them, in ServiceNow's words.
import { NotFoundError } from "../http/api-errors";
import { storeErrorToApiError } from "../http/store-errors";
import type { AclOperation } from "../config/schema";

/** ServiceNow's 404 detail names what was attempted. */
const NOT_FOUND_DETAIL: Record<AclOperation, string> = {
  read: "Record doesn't exist or ACL restricts the record retrieval",
  create: "Record doesn't exist or ACL restricts the record retrieval",
  write: "Record doesn't exist or ACL restricts the record update",
  delete: "Record doesn't exist or ACL restricts the record deletion",
};

export const recordNotFound = (operation: AclOperation): NotFoundError =>
  new NotFoundError("No Record found", NOT_FOUND_DETAIL[operation]);

/** A store error as the Table API answers it for `operation`; anything else as it is (a 500). */
export const toApiError = (thrown: unknown, operation: AclOperation): unknown =>
  storeErrorToApiError(thrown, { notFound: NOT_FOUND_DETAIL[operation] });
