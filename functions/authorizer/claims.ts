// Checks on a verified token's claims that aws-jwt-verify does not make, and the admin's claim rules.
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { ClaimValidation, ProviderConfig } from "../config/schema";
import { AuthError } from "../shared/errors";
import { isEmailAddress } from "../users/fields";

const MAX_USER_CLAIM_LENGTH = 512;
const MAX_SUB_LENGTH = 255; // OIDC Core 2: "It MUST NOT exceed 255 ASCII characters in length"
const MAX_JTI_LENGTH = 512;

/** A required time claim (exp, iat): present, and a number. */
function requireTime(name: "exp" | "iat", value: unknown): void {
  if (value === undefined) throw new AuthError("claim_missing", `${name} is required`, { claim: name });
  if (!Number.isFinite(value)) throw new AuthError("claim_invalid", `${name} must be a number`, { claim: name });
}

/**
 * ID token rules from OIDC Core 3.1.3.7 and RFC 8725 beyond signature, iss and aud (which the
 * verifier has checked): required claims with the right types, exp/nbf/iat against our clock with the
 * provider's skew, `azp`, and no claims of other JWT kinds. An access token (RFC 9068 4) has the same
 * required claims, and its client in the provider's allow-list instead of `azp`.
 */
export function checkIdTokenClaims(payload: JwtPayload, provider: ProviderConfig, nowSec: number): void {
  const { sub, aud, exp, iat, nbf, azp, jti } = payload;
  const skew = provider.clockSkewSeconds;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUB_LENGTH) {
    throw new AuthError(
      sub === undefined ? "claim_missing" : "claim_invalid",
      "sub must be a string of 1-255 characters",
      {
        claim: "sub",
      },
    );
  }
  if (aud === undefined || (Array.isArray(aud) && aud.length === 0)) {
    throw new AuthError("claim_missing", "aud is required", { claim: "aud" });
  }
  requireTime("exp", exp);
  requireTime("iat", iat);
  // exp and nbf are also checked by aws-jwt-verify, against the system clock; ours is the one passed in.
  if ((exp as number) + skew < nowSec) throw new AuthError("token_expired", `expired at ${exp}`);
  if (nbf !== undefined && nbf - skew > nowSec) throw new AuthError("token_not_yet_valid", `not before ${nbf}`);
  if ((iat as number) - skew > nowSec) throw new AuthError("token_issued_in_future", `issued at ${iat}`);
  if (provider.tokenType === "access") {
    checkAccessTokenClient(payload, provider);
  } else {
    // OIDC Core 3.1.3.7 steps 4-5: with several audiences azp must be present; if present, it is our client id.
    if (Array.isArray(aud) && aud.length > 1 && azp === undefined) {
      throw new AuthError("azp_mismatch", "several audiences and no azp", { claim: "azp" });
    }
    if (azp !== undefined && azp !== provider.clientId)
      throw new AuthError("azp_mismatch", "azp is another client", { claim: "azp" });
  }
  // A logout token (OIDC Back-Channel Logout 2.4) is signed by the same keys; it is never an ID token.
  if (payload["events"] !== undefined) {
    throw new AuthError("token_type_invalid", "token carries events (logout token)", { claim: "events" });
  }
  if (jti !== undefined && (jti.length === 0 || jti.length > MAX_JTI_LENGTH)) {
    throw new AuthError("claim_invalid", `jti must be 1-${MAX_JTI_LENGTH} characters`, { claim: "jti" });
  }
}

/** An access token's client: RFC 9068's `client_id`, else `azp` (Entra v2, Auth0), `appid` (Entra v1), `cid` (Okta). */
function accessTokenClient(payload: JwtPayload): { claim: string; value: unknown } {
  for (const claim of ["client_id", "azp", "appid", "cid"]) {
    if (payload[claim] !== undefined) return { claim, value: payload[claim] };
  }
  return { claim: "client_id", value: undefined };
}

/** The access token's client is a string, and one the provider accepts (or the provider accepts all). */
function checkAccessTokenClient(payload: JwtPayload, provider: ProviderConfig): void {
  const { claim, value } = accessTokenClient(payload);
  if (value === undefined) {
    throw new AuthError("claim_missing", "an access token names its client (client_id, azp, appid or cid)", {
      claim,
    });
  }
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_USER_CLAIM_LENGTH) {
    throw new AuthError("claim_invalid", `${claim} must be a non-empty string`, { claim });
  }
  const allowed = provider.accessToken?.clientIds ?? [];
  if (allowed !== "all" && !allowed.includes(value)) {
    throw new AuthError("client_not_allowed", `${claim} is not one of the provider's clientIds`, { claim });
  }
}

/** A claim by name, or by dot path into nested objects (`realm_access.roles`). A name that itself has dots wins. */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function rulePasses(rule: ClaimValidation, value: unknown): boolean {
  switch (rule.operator) {
    case "exists":
      return value !== undefined && value !== null;
    case "equals":
      return value === rule.value;
    case "oneOf":
      return rule.values.some((allowed) => allowed === value);
    case "contains":
      return Array.isArray(value) && value.some((item) => item === rule.value);
  }
}

/** Every rule must pass. Only the claim name is logged on failure: values may be personal data. */
export function checkClaimRules(payload: Readonly<Record<string, unknown>>, rules: readonly ClaimValidation[]): void {
  for (const rule of rules) {
    if (!rulePasses(rule, claimAt(payload, rule.claim))) {
      throw new AuthError("claim_mismatch", `claim rule failed: ${rule.claim} ${rule.operator}`, { claim: rule.claim });
    }
  }
}

/** Whether the token vouches for its email: `email_verified` true, or absent where the provider never sends it. */
export function emailVerified(
  provider: Pick<ProviderConfig, "acceptMissingEmailVerified">,
  claims: JwtPayload,
): boolean {
  const verified = claims["email_verified"];
  return verified === true || (verified === undefined && provider.acceptMissingEmailVerified);
}

/** Whether the provider finds users by email (as the user claim or the user field). */
const identifiesByEmail = (provider: Pick<ProviderConfig, "userClaim" | "userField">): boolean =>
  provider.userClaim === "email" || provider.userField === "email";

/**
 * The user claim's value, fit to look a user up with. An email used as an identifier must be verified
 * at every sign-in (an unverified address proves nothing: "nOAuth") and have the syntax of stored
 * addresses, which are ASCII, so no Unicode look-alike folds onto one.
 */
export function userClaimValue(payload: JwtPayload, provider: ProviderConfig): string {
  const value = claimAt(payload, provider.userClaim);
  if (typeof value !== "string" || value.length === 0) {
    throw new AuthError("user_claim_missing", `user claim ${provider.userClaim} is not a usable string`, {
      claim: provider.userClaim,
    });
  }
  if (value.length > MAX_USER_CLAIM_LENGTH) {
    throw new AuthError(
      "user_claim_invalid",
      `user claim ${provider.userClaim} is over ${MAX_USER_CLAIM_LENGTH} characters`,
      {
        claim: provider.userClaim,
      },
    );
  }
  if (identifiesByEmail(provider)) {
    if (!emailVerified(provider, payload)) {
      throw new AuthError("email_unverified", "email_verified is not true", { claim: "email_verified" });
    }
    if (provider.userField === "email" && !isEmailAddress(value)) {
      throw new AuthError("user_claim_invalid", `user claim ${provider.userClaim} is not a valid email address`, {
        claim: provider.userClaim,
      });
    }
  }
  return value;
}
