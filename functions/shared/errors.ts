// Every error of the domain: a stable `code` (the log's reason code), a message for logs only, and `cause`.

/** Why a request was denied. Logged on the decision line; never sent to the caller. The README's table lists exactly these. */
export const AUTH_REASON_CODES = [
  // the Authorization header and the token's shape
  "token_missing",
  "token_malformed",
  "token_too_large",
  "token_type_invalid",
  "alg_not_allowed",
  // the provider and its keys
  "unknown_issuer",
  "provider_unavailable",
  "kid_missing",
  "kid_unknown",
  "jwks_unavailable",
  // the token itself
  "signature_invalid",
  "token_expired",
  "token_not_yet_valid",
  "token_issued_in_future",
  "issuer_mismatch",
  "audience_mismatch",
  "azp_mismatch",
  "client_not_allowed",
  "claim_missing",
  "claim_invalid",
  "claim_mismatch",
  "jti_replayed",
  // the user
  "user_claim_missing",
  "user_claim_invalid",
  "email_unverified",
  "identity_conflict",
  "user_not_found",
  "user_ambiguous",
  "user_inactive",
  "user_locked_out",
  "caller_kind_mismatch",
  "provisioning_failed",
  // the route: the provider's allowed routes, the routes' requirements
  "route_not_allowed",
  "route_role_missing",
  "route_scope_missing",
  "route_claim_mismatch",
  // our own side: never a bad token, always a deny
  "config_store_error",
  "replay_store_error",
  "user_store_error",
  "route_rule_invalid",
  "internal_error",
] as const;
export type AuthReasonCode = (typeof AUTH_REASON_CODES)[number];

/** Reason codes that mean "our side failed", so operators can tell an outage from an attack. */
export const INTERNAL_REASON_CODES: ReadonlySet<AuthReasonCode> = new Set<AuthReasonCode>([
  "config_store_error",
  "replay_store_error",
  "user_store_error",
  "route_rule_invalid",
  "internal_error",
  "provider_unavailable",
  "jwks_unavailable",
]);

export abstract class DomainError<Code extends string> extends Error {
  abstract readonly code: Code;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request is not authenticated. Always a 401 with the fixed body; `code` and message go to the log. */
export class AuthError extends DomainError<AuthReasonCode> {
  /** The claim the failed check was about (a name or path from config or the ID token spec, never a value). */
  readonly claim: string | undefined;
  /** The route rule that refused the route, for a route's requirement. */
  readonly rule: string | undefined;

  constructor(
    readonly code: AuthReasonCode,
    message: string,
    options?: { cause?: unknown; claim?: string; rule?: string },
  ) {
    super(message, options);
    this.claim = options?.claim;
    this.rule = options?.rule;
  }
}

/** A DynamoDB call failed for a reason other than its condition. */
export class StoreError extends DomainError<"store_unavailable"> {
  readonly code = "store_unavailable" as const;
}

/** ServiceNow's error envelope; `detail` is null where ServiceNow sends null (e.g. `Invalid table`). */
interface ErrorBody<Message extends string = string, Detail extends string | null = string | null> {
  readonly error: { readonly message: Message; readonly detail: Detail };
  readonly status: "failure";
}

/** The one shape of every error any part of the system answers with: backends, gateway responses, the local gateway. */
export const errorBody = <Message extends string, Detail extends string | null>(
  message: Message,
  detail: Detail,
): ErrorBody<Message, Detail> => ({ error: { message, detail }, status: "failure" });

/** The one body every unauthenticated request gets, exactly as ServiceNow sends it. */
export const UNAUTHENTICATED_BODY = errorBody("User Not Authenticated", "Required to provide Auth information");
