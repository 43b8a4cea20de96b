// ID token or access token: what a token's header and claims say it is, and the provider's check that it
// is the kind the provider accepts. The two kinds never stand in for each other (RFC 8725 3.11, RFC 9068 4).
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { ProviderConfig, TokenType } from "../config/schema";
import { AuthError } from "../shared/errors";
import { claimAt } from "./claims";
import { boundedValue } from "./decision-log";

/** RFC 9068 2.1: an access token's `typ`. */
const ACCESS_TYPS = new Set(["at+jwt", "application/at+jwt"]);
/** What an ID token may say in `typ`, if anything (RFC 7519 5.1). */
const ID_TYPS = new Set(["jwt", "application/jwt"]);

/**
 * Claims only access tokens carry: RFC 9068's `client_id` and `scope`, Entra ID's `scp` and its client
 * authentication claims (`azpacr` v2, `appidacr` v1), Okta's `cid`, Auth0's grant type `gty`.
 */
const ACCESS_TOKEN_CLAIMS = ["client_id", "scope", "scp", "azpacr", "appidacr", "cid", "gty"] as const;

/** Claims only ID tokens carry (OIDC Core 2, 3.1.3.6, 3.3.2.11; FAPI's `s_hash`). */
const ID_TOKEN_CLAIMS = ["nonce", "at_hash", "c_hash", "s_hash"] as const;

/** The first sign that a token is an access token (a header typ or a claim), or undefined. */
function accessTokenSign(jwt: DecomposedJwt): string | undefined {
  const { typ } = jwt.header;
  if (typeof typ === "string" && ACCESS_TYPS.has(typ.toLowerCase())) return "typ";
  const { payload } = jwt;
  for (const claim of ACCESS_TOKEN_CLAIMS) if (payload[claim] !== undefined) return claim;
  // Cognito's token_use, Keycloak's payload typ.
  if (payload["token_use"] === "access") return "token_use";
  if (payload["typ"] === "Bearer") return "typ";
  return undefined;
}

/** What the token says it is, before anything is verified: only to choose between two providers of one audience. */
export const tokenKindOf = (jwt: DecomposedJwt): TokenType => (accessTokenSign(jwt) === undefined ? "id" : "access");

/**
 * The token is of the provider's kind: an ID-token provider refuses every sign of an access token; an
 * access-token provider wants one of its accepted `typ` values, at least one access-token claim and no
 * ID-token claim.
 */
export function checkTokenType(jwt: DecomposedJwt, provider: Pick<ProviderConfig, "tokenType" | "accessToken">): void {
  const { typ } = jwt.header;
  if (typ !== undefined && typeof typ !== "string") {
    throw new AuthError("token_type_invalid", `typ ${boundedValue(typ)} is not a string`);
  }
  const lowered = typ?.toLowerCase();
  if (provider.tokenType === "id") {
    if (lowered !== undefined && !ID_TYPS.has(lowered)) {
      throw new AuthError("token_type_invalid", `typ ${boundedValue(typ)} is not an ID token`);
    }
    const sign = accessTokenSign(jwt);
    if (sign !== undefined) {
      throw new AuthError("token_type_invalid", `an access token (${sign}) is not an ID token`, { claim: sign });
    }
    return;
  }
  const accepted = provider.accessToken?.acceptedTypes ?? [];
  const acceptsJwt = accepted.includes("JWT");
  const typAccepted =
    lowered === undefined
      ? acceptsJwt
      : accepted.some((name) => name.toLowerCase() === lowered) || (acceptsJwt && lowered === "application/jwt");
  if (!typAccepted) {
    throw new AuthError(
      "token_type_invalid",
      `typ ${lowered === undefined ? "(none)" : boundedValue(typ)} is not an accepted access token type`,
    );
  }
  const idClaim = ID_TOKEN_CLAIMS.find((name) => jwt.payload[name] !== undefined);
  if (idClaim !== undefined) {
    throw new AuthError("token_type_invalid", `an ID token (${idClaim}) is not an access token`, { claim: idClaim });
  }
  if (accessTokenSign(jwt) === undefined) {
    throw new AuthError(
      "token_type_invalid",
      `no access-token claim (${ACCESS_TOKEN_CLAIMS.join(", ")}) and typ is not at+jwt: an ID token?`,
    );
  }
}

/** An ID token grants no scopes (shared: a set nobody adds to). */
const NO_SCOPES: ReadonlySet<string> = new Set();

/** The scopes an access token grants (space-separated strings or arrays of them); an ID token grants none. */
export function grantedScopes(
  payload: JwtPayload,
  provider: Pick<ProviderConfig, "tokenType" | "accessToken">,
): ReadonlySet<string> {
  if (provider.tokenType !== "access") return NO_SCOPES;
  const scopes = new Set<string>();
  for (const path of provider.accessToken?.scopeClaims ?? []) {
    const value = claimAt(payload, path);
    const values = typeof value === "string" ? value.split(" ") : Array.isArray(value) ? value : [];
    for (const scope of values) if (typeof scope === "string" && scope.length > 0) scopes.add(scope);
  }
  return scopes;
}
