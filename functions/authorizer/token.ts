// Turns the Authorization header into a decomposed, still untrusted JWT, rejecting what is not a compact JWS.
import { hash } from "node:crypto";
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import type { JwtHeader, JwtPayload } from "aws-jwt-verify/jwt-model";
import { AuthError } from "../shared/errors";
import { boundedValue } from "./decision-log";

/** Real ID tokens are 1-4 KiB; Entra ID tokens with many groups approach 8 KiB. Anything larger is refused unread. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

const BEARER = /^Bearer +([^\s]+) *$/i;

/** Three base64url parts (aws-jwt-verify's JWT_REGEX). */
const COMPACT_JWS_PARTS = "[A-Za-z0-9_-]+={0,2}\\.[A-Za-z0-9_-]+={0,2}\\.[A-Za-z0-9_-]+={0,2}";
const COMPACT_JWS = new RegExp(`^${COMPACT_JWS_PARTS}$`);
/**
 * BEARER for a token that is three base64url parts, the usual case: the token and its shape in one scan
 * of the header, where BEARER and then COMPACT_JWS take two (each about a microsecond for a real token).
 * No `i` flag: the token's characters are matched exactly as COMPACT_JWS matches them.
 */
const BEARER_COMPACT_JWS = new RegExp(`^[Bb][Ee][Aa][Rr][Ee][Rr] +(${COMPACT_JWS_PARTS}) *$`);

/**
 * The last token BEARER_COMPACT_JWS extracted: COMPACT_JWS holds for it (and for any string equal to
 * it), so decomposeToken does not scan it again.
 */
let lastCompactToken: string | undefined;

/** The token from `Authorization: Bearer <token>` (RFC 6750 2.1). */
export function extractBearerToken(header: string | undefined | null): string {
  if (header === undefined || header === null || header.length === 0) {
    throw new AuthError("token_missing", "no Authorization header");
  }
  if (header.length > MAX_TOKEN_LENGTH + 16) {
    throw new AuthError("token_too_large", `Authorization header of ${header.length} characters`);
  }
  const compact = BEARER_COMPACT_JWS.exec(header)?.[1];
  if (compact !== undefined) {
    lastCompactToken = compact;
    return compact;
  }
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new AuthError("token_missing", "Authorization header is not a Bearer credential");
  return match[1];
}

/**
 * Splits and parses a compact JWS. Only the size is checked before parsing; everything the result holds
 * is attacker-controlled until the signature is verified.
 *
 * The same checks and the same result as aws-jwt-verify's decomposeUnverifiedJwt, for half its CPU: its
 * JSON.parse takes a reviver (to drop `__proto__` and `constructor` keys), which keeps V8 off its fast
 * path; here the parsed values are walked once instead. test/authorizer/decompose-token.test.ts holds the
 * two to the same answer for arbitrary and hostile input.
 */
export function decomposeToken(token: string): DecomposedJwt {
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new AuthError("token_too_large", `token of ${token.length} characters`);
  }
  if (token !== lastCompactToken && !COMPACT_JWS.test(token)) throw malformed("not three base64url parts");
  const [headerB64 = "", payloadB64 = "", signatureB64 = ""] = token.split(".");
  const header = parsePart(headerB64, "header");
  if (typeof header.alg !== "undefined" && typeof header.alg !== "string")
    throw malformed("header alg is not a string");
  if (typeof header.kid !== "undefined" && typeof header.kid !== "string")
    throw malformed("header kid is not a string");
  const payload = parsePart(payloadB64, "payload");
  assertPayloadTypes(payload);
  return {
    header: header as JwtHeader,
    headerB64,
    payload: payload as JwtPayload,
    payloadB64,
    signatureB64,
  };
}

/** token_malformed, with what was wrong as its cause (the detail logged stays the same for every case). */
const malformed = (why: string, cause?: unknown): AuthError =>
  new AuthError("token_malformed", "not a compact JWS with a JSON header and payload", {
    cause: new Error(why, { cause }),
  });

/** One part as a JSON object, with every `__proto__` and `constructor` key removed at any depth. */
function parsePart(part: string, name: string): Record<string, unknown> {
  let value: unknown;
  let text: string;
  try {
    text = Buffer.from(part, "base64").toString("utf8");
    value = JSON.parse(text);
  } catch (error) {
    throw malformed(`the ${name} is not JSON`, error);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw malformed(`the ${name} is not an object`);
  if (mayHavePrototypeKeys(text)) withoutPrototypeKeys(value);
  return value as Record<string, unknown>;
}

/**
 * Whether JSON text can hold a `__proto__` or `constructor` key. Without a backslash no string in it is
 * escaped, so such a key is spelled out literally; with one, anything may be (`\u005f_proto__`).
 */
const mayHavePrototypeKeys = (text: string): boolean =>
  text.includes("\\") || text.includes("__proto__") || text.includes("constructor");

/** JSON.parse makes `__proto__` an own key (no pollution), but code reading it later might not expect one. */
function withoutPrototypeKeys(value: unknown): void {
  if (typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    for (const element of value) withoutPrototypeKeys(element);
    return;
  }
  const object = value as Record<string, unknown>;
  if (Object.hasOwn(object, "__proto__")) delete object["__proto__"];
  if (Object.hasOwn(object, "constructor")) delete object["constructor"];
  for (const key of Object.keys(object)) withoutPrototypeKeys(object[key]);
}

/** The registered claims' types, as aws-jwt-verify asserts them before anything reads them. */
function assertPayloadTypes(payload: Record<string, unknown>): void {
  for (const name of NUMERIC_CLAIMS) {
    const claim = payload[name];
    if (claim !== undefined && !Number.isFinite(claim)) throw malformed(`${name} is not a number`);
  }
  for (const name of STRING_CLAIMS) {
    const claim = payload[name];
    if (claim !== undefined && typeof claim !== "string") throw malformed(`${name} is not a string`);
  }
  const { aud } = payload;
  if (
    aud !== undefined &&
    typeof aud !== "string" &&
    (!Array.isArray(aud) || aud.some((value) => typeof value !== "string"))
  ) {
    throw malformed("aud is not a string or an array of strings");
  }
}

const NUMERIC_CLAIMS = ["exp", "nbf", "iat"] as const;
const STRING_CLAIMS = ["iss", "sub", "scope", "jti"] as const;

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
