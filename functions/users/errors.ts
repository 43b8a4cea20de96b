// The users table's domain errors: each a stable code; the authorizer and the APIs translate them at their boundary.
import { DomainError } from "../shared/errors";

export class UserInvalidError extends DomainError<"user_invalid"> {
  readonly code = "user_invalid" as const;
}
export class UserConflictError extends DomainError<"user_conflict"> {
  readonly code = "user_conflict" as const;
  constructor(readonly field: "user_name" | "email" | "sys_id") {
    super(`another user already has this ${field}`);
  }
}
export class UserNotFoundError extends DomainError<"user_not_found"> {
  readonly code = "user_not_found" as const;
}

/** The user is bound to another identity, or the identity to another user: never signed in as. */
export class IdentityConflictError extends DomainError<"identity_conflict"> {
  readonly code = "identity_conflict" as const;
  constructor(
    message: string,
    /** The provider the user is bound to (or the identity's owner), for the log line. */
    readonly boundProvider: string | undefined,
    readonly userSysId: string,
  ) {
    super(message);
  }
}
