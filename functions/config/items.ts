// What the config's items are, without their schema: the constants, keys and derived values every reader
// of the config shares. No zod here: the authorizer reads its items through the precompiled validators
// (precompiled.ts) and loads the schema (schema.ts) only to explain an item that fails them.

/** Asymmetric algorithms aws-jwt-verify verifies. HS* and `none` are never accepted (RFC 8725 3.1, 3.2). */
export const SUPPORTED_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"] as const;

/** How old the last good discovery document and key set may grow while the provider cannot be read. */
export const DEFAULT_MAX_STALE_SECONDS = 24 * 3600;

export const TOKEN_TYPES = ["id", "access"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/**
 * In a pinned issuer (and its aliases), the place of the token's own tenant: Entra ID's multi-tenant
 * document states `https://login.microsoftonline.com/{tenantid}/v2.0`, its tokens that URL with their `tid`.
 */
export const TENANT_PLACEHOLDER = "{tenantid}";

/** A tenant id as Entra ID writes them (a GUID), or any other provider's plain tenant name. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

/** OpenID Connect Discovery 4.1: the document lives at the issuer + this path. */
export const DISCOVERY_PATH = "/.well-known/openid-configuration";

export const ACL_OPERATIONS = ["read", "create", "write", "delete"] as const;
export type AclOperation = (typeof ACL_OPERATIONS)[number];

/** The seed's debug switches: either one turns on the step-by-step authentication log. */
export const DEBUG_PROPERTIES = ["glide.auth.debug.enabled", "com.snc.platform.security.oauth.debug"] as const;

/** Config items share one table; the partition key's prefix says what an item is. */
export const CONFIG_KEY_PREFIX = {
  provider: "provider#",
  property: "property#",
  acl: "acl#",
  table: "table#",
  route: "route#",
} as const;

export const providerKey = (name: string): string => `${CONFIG_KEY_PREFIX.provider}${name}`;
export const propertyKey = (name: string): string => `${CONFIG_KEY_PREFIX.property}${name}`;
export const aclKey = (table: string): string => `${CONFIG_KEY_PREFIX.acl}${table}`;
export const tableKey = (table: string): string => `${CONFIG_KEY_PREFIX.table}${table}`;
export const routeKey = (name: string): string => `${CONFIG_KEY_PREFIX.route}${name}`;

/** A problem with an item as a schema reports it: where (a path of keys and indexes) and what. */
interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** A readable one-line summary of what is wrong, naming each field. */
export function describeIssues(error: { readonly issues: readonly Issue[] }): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(item)"}: ${issue.message}`)
    .join("; ");
}

/** The issuer a metadata URL is the discovery URL of (OIDC Discovery 4.1), if it has that form. */
export function derivedIssuer(metadataUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(metadataUrl);
  } catch {
    return undefined;
  }
  if (url.search !== "" || url.hash !== "" || !url.pathname.endsWith(DISCOVERY_PATH)) return undefined;
  return metadataUrl.slice(0, -DISCOVERY_PATH.length);
}

/**
 * The issuer values a provider's discovery document may state, and so the only `iss` its tokens may
 * carry (OIDC Discovery 4.3: identical to the URL the document was fetched under). A pinned `issuer` is
 * the one value; otherwise the metadata URL's prefix, with or without the one trailing `/` Discovery 4.1
 * removes before appending the path (Auth0 issuers end with `/`).
 */
export function acceptedIssuers(provider: {
  readonly issuer?: string | undefined;
  readonly metadataUrl: string;
}): readonly string[] {
  if (provider.issuer !== undefined) return [provider.issuer];
  const derived = derivedIssuer(provider.metadataUrl);
  return derived === undefined ? [] : [derived, `${derived}/`];
}

/** The `aud` a provider's tokens must name: the client id (ID tokens) or the API's identifier (access tokens). */
export const audienceOf = (provider: {
  readonly tokenType: TokenType;
  readonly clientId?: string | undefined;
  readonly accessToken?: { readonly audience: string } | undefined;
}): string => (provider.tokenType === "access" ? provider.accessToken?.audience : provider.clientId) ?? "";
