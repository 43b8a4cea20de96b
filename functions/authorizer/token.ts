// Turns the Authorization header into a decomposed, still untrusted JWT, rejecting what is not a compact JWS.
import { hash } from "node:crypto";
import { decomposeUnverifiedJwt, type DecomposedJwt } from "aws-jwt-verify/jwt";
import { AuthError } from "../shared/errors";
import { boundedValue } from "./decision-log";

/** Real ID tokens are 1-4 KiB; Entra ID tokens with many groups approach 8 KiB. Anything larger is refused unread. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

const BEARER = /^Bearer +([^\s]+) *$/i;

/** The token from `Authorization: Bearer <token>` (RFC 6750 2.1). */
export function extractBearerToken(header: string | undefined | null): string {
  if (header === undefined || header === null || header.length === 0) {
    throw new AuthError("token_missing", "no Authorization header");
  }
  if (header.length > MAX_TOKEN_LENGTH + 16) {
    throw new AuthError("token_too_large", `Authorization header of ${header.length} characters`);
  }
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new AuthError("token_missing", "Authorization header is not a Bearer credential");
  return match[1];
}

/**
 * Splits and parses a compact JWS. Only the size is checked before parsing; everything the result holds
 * is attacker-controlled until the signature is verified.
 */
export function decomposeToken(token: string): DecomposedJwt {
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new AuthError("token_too_large", `token of ${token.length} characters`);
  }
  try {
    return decomposeUnverifiedJwt(token);
  } catch (error) {
    throw new AuthError("token_malformed", "not a compact JWS with a JSON header and payload", { cause: error });
  }
}

/**
 * Header checks that need no key: a supported `alg` from the provider's allow-list (RFC 8725 3.1, before
 * any key fetch, so `none` and HS256 key confusion never reach the key set) and no `crit` extensions we do
 * not understand (RFC 7515 4.1.11). The `typ` is the provider's to judge (token-kind.ts).
 */
export function checkHeader(jwt: DecomposedJwt, allowedAlgorithms: readonly string[]): string {
  const { alg, crit } = jwt.header;
  if (typeof alg !== "string" || !allowedAlgorithms.includes(alg)) {
    throw new AuthError("alg_not_allowed", `alg ${boundedValue(alg)} is not allowed for this provider`);
  }
  if (crit !== undefined) {
    throw new AuthError("token_malformed", "crit header parameters are not supported");
  }
  return alg;
}

/** The token's SHA-256 (hex): the key of the verified-token cache. */
export const tokenDigest = (token: string): string => hash("sha256", token, "hex");

/** First 12 hex digits of the token's SHA-256: enough to correlate log lines, useless to replay. */
export const fingerprintOf = (digest: string): string => digest.slice(0, 12);
