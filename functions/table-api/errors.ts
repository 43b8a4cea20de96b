// The stores' domain errors as the Table API answers them, in ServiceNow's words.
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  UNREADABLE_REQUEST,
} from "../http/api-errors";
import type { AclOperation } from "../config/schema";
import { MAX_ITEM_BYTES, RecordConflictError, RecordNotFoundError, RecordTooLargeError } from "../records/store";
import { UserConflictError, UserInvalidError, UserNotFoundError } from "../users/directory";

/** ServiceNow's 404 detail names what was attempted. */
const NOT_FOUND_DETAIL: Record<AclOperation, string> = {
  read: "Record doesn't exist or ACL restricts the record retrieval",
  create: "Record doesn't exist or ACL restricts the record retrieval",
  write: "Record doesn't exist or ACL restricts the record update",
  delete: "Record doesn't exist or ACL restricts the record deletion",
};

export const recordNotFound = (operation: AclOperation): NotFoundError =>
  new NotFoundError("No Record found", NOT_FOUND_DETAIL[operation]);

/** An ApiError for a store error; anything else is returned as it is (and becomes a 500). */
export function toApiError(thrown: unknown, operation: AclOperation): unknown {
  if (thrown instanceof RecordNotFoundError || thrown instanceof UserNotFoundError) return recordNotFound(operation);
  if (thrown instanceof RecordTooLargeError) {
    return new PayloadTooLargeError("Request Entity Too Large", `A record may hold at most ${MAX_ITEM_BYTES} bytes`);
  }
  if (thrown instanceof RecordConflictError) {
    return new ConflictError("Operation Failed", "The record was changed by another request at the same time; try again");
  }
  if (thrown instanceof UserConflictError) {
    return new ConflictError("Operation Failed", `Another user already has this ${thrown.field}`);
  }
  if (thrown instanceof UserInvalidError) return new BadRequestError(UNREADABLE_REQUEST, thrown.message);
  return thrown;
}
