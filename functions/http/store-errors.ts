// The stores' domain errors as a backend answers them, in ServiceNow's words: one translation for the
// Table API and every scripted API; each says in its own words what was not found or kept changing.
import { MAX_ITEM_BYTES, RecordConflictError, RecordNotFoundError, RecordTooLargeError } from "../records/store";
import { UserConflictError, UserInvalidError, UserNotFoundError } from "../users/errors";
import { BadRequestError, ConflictError, NotFoundError, PayloadTooLargeError, UNREADABLE_REQUEST } from "./api-errors";

interface StoreErrorDetails {
  /** The 404 detail: what was looked for. */
  readonly notFound: string;
  /** The 409 detail for a record that changed under a write. */
  readonly conflict?: string;
  /** The 413 detail for a record over DynamoDB's item limit. */
  readonly tooLarge?: string;
}

/** An ApiError for a store error; anything else is returned as it is (and becomes a 500). */
export function storeErrorToApiError(thrown: unknown, details: StoreErrorDetails): unknown {
  if (thrown instanceof RecordNotFoundError || thrown instanceof UserNotFoundError) {
    return new NotFoundError("No Record found", details.notFound);
  }
  if (thrown instanceof RecordTooLargeError) {
    return new PayloadTooLargeError(
      "Request Entity Too Large",
      details.tooLarge ?? `A record may hold at most ${MAX_ITEM_BYTES} bytes`,
    );
  }
  if (thrown instanceof RecordConflictError) {
    return new ConflictError(
      "Operation Failed",
      details.conflict ?? "The record was changed by another request at the same time; try again",
    );
  }
  if (thrown instanceof UserConflictError) {
    return new ConflictError("Operation Failed", `Another user already has this ${thrown.field}`);
  }
  if (thrown instanceof UserInvalidError) return new BadRequestError(UNREADABLE_REQUEST, thrown.message);
  return thrown;
}
