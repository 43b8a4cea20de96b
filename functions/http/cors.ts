// CORS, configured once: the allowed origins (off when none), and the headers, methods and preflight
// max-age every part applies alike: the backends on their answers (serve.ts), the stack on its
// preflight methods and gateway responses (infra/api.ts), the local gateway on its own answers.

/** The environment variable every function reads the allowed origins from (comma-separated, or `*`). */
export const CORS_ORIGINS_ENV = "CORS_ALLOW_ORIGINS";

/** What a browser app sends: the bearer token, a JSON body, and ServiceNow clients' Accept. */
export const CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Accept"] as const;
export const CORS_ALLOW_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
/** Browsers cache a preflight this long (Chromium caps it at 2 h); 10 min keeps a changed list quick to apply. */
export const CORS_MAX_AGE_SECONDS = 600;
/** Headers a browser app may read besides the simple ones: the Table API's paging headers. */
export const CORS_EXPOSE_HEADERS = ["Link", "X-Total-Count", "Location"] as const;

/**
 * The allowed origins from their text: empty (CORS off), `*`, or origins such as `https://app.example.com`
 * (scheme, host and port only). A bad value fails at cold start and at synth, not on a request.
 */
export function parseCorsOrigins(raw: string | readonly string[] | undefined): readonly string[] {
  const origins = (typeof raw === "string" ? raw.split(",") : (raw ?? []))
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (origins.includes("*")) {
    if (origins.length > 1) throw new TypeError(`CORS origins: "*" cannot be combined with others, got ${origins}`);
    return origins;
  }
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new TypeError(`CORS origins: ${JSON.stringify(origin)} is not an origin like https://app.example.com`);
    }
  }
  return origins;
}

/**
 * The CORS headers of an answer to a request from `requestOrigin`: none when CORS is off; `*`; the
 * request's origin when it is allowed; otherwise the first allowed one (as API Gateway's preflight does),
 * which a browser at another origin refuses.
 */
export function corsHeaders(origins: readonly string[], requestOrigin: string | undefined): Record<string, string> {
  const [first] = origins;
  if (first === undefined) return {};
  const expose = { "Access-Control-Expose-Headers": CORS_EXPOSE_HEADERS.join(",") };
  if (first === "*") return { "Access-Control-Allow-Origin": "*", ...expose };
  const allowed = requestOrigin !== undefined && origins.includes(requestOrigin) ? requestOrigin : first;
  return { "Access-Control-Allow-Origin": allowed, Vary: "Origin", ...expose };
}

/** The answer to a preflight OPTIONS: the CORS headers plus the allowed headers, methods and max-age. */
export const preflightHeaders = (origins: readonly string[], requestOrigin: string | undefined) => ({
  ...corsHeaders(origins, requestOrigin),
  "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS.join(","),
  "Access-Control-Allow-Methods": CORS_ALLOW_METHODS.join(","),
  "Access-Control-Max-Age": String(CORS_MAX_AGE_SECONDS),
});

/** The request's Origin header, whatever its case. */
export const originOf = (
  headers: Readonly<Record<string, string | string[] | undefined>> | null,
): string | undefined => {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === "origin") return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
};

/**
 * The CORS headers of API Gateway's own answers (401, 403, 4XX, 5XX). A gateway response can only name a
 * literal or a request value, not choose among origins: with several allowed origins it echoes the
 * request's Origin, which exposes nothing but the fixed error envelopes these answers carry.
 */
export function gatewayCorsHeaders(
  origins: readonly string[],
  requestOrigin: string | undefined,
): Record<string, string> {
  if (origins.length <= 1 || requestOrigin === undefined) return corsHeaders(origins, requestOrigin);
  return { ...corsHeaders(origins, requestOrigin), "Access-Control-Allow-Origin": requestOrigin };
}
