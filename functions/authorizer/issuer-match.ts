// Which of a provider's issuers a token's (unverified) `iss` names: the issuer itself, an alias the
// provider lists, or a `{tenantid}` template filled with the token's own allowed `tid`; and the issuer
// the verified token's user is bound to.
import { acceptedIssuers, TENANT_ID_PATTERN, TENANT_PLACEHOLDER } from "../config/items";
import type { ProviderConfig } from "../config/schema";

export interface IssuerMatch {
  /** The matched `iss`, as the token carries it. */
  readonly iss: string;
  /** The tenant a `{tenantid}` template was filled with. */
  readonly tenant: string | undefined;
  /** An alias of the issuer matched, not the issuer (or its spelling the config derives). */
  readonly alias: boolean;
}

/** What the registry reads of a token to match an issuer; none of it is verified yet. */
export interface IssuerClaims {
  readonly iss: string;
  readonly tid?: unknown;
}

/**
 * The issuers of a provider's config, derived once per config object (a config snapshot is immutable):
 * deriving parses the metadata URL, which every token would otherwise pay for twice.
 */
const issuersByConfig = new WeakMap<ProviderConfig, readonly string[]>();

function issuersOf(config: ProviderConfig): readonly string[] {
  let issuers = issuersByConfig.get(config);
  if (issuers === undefined) {
    issuers = acceptedIssuers(config);
    issuersByConfig.set(config, issuers);
  }
  return issuers;
}

/** The provider's issuer the token names, or undefined. Needs only the config: no fetch. */
export function matchIssuer(config: ProviderConfig, { iss, tid }: IssuerClaims): IssuerMatch | undefined {
  // Aliases first: a listed alias may be the spelling the config derives but the document does not state
  // (Auth0's issuer without its `/`), and listing it is what makes that spelling pass.
  return matchIn(config, config.issuerAliases, true, iss, tid) ?? matchIn(config, issuersOf(config), false, iss, tid);
}

function matchIn(
  config: ProviderConfig,
  patterns: readonly string[],
  alias: boolean,
  iss: string,
  tid: unknown,
): IssuerMatch | undefined {
  for (const pattern of patterns) {
    const tenant = tenantIn(config, pattern, iss, tid);
    if (tenant !== undefined) return { iss, tenant: tenant || undefined, alias };
  }
  return undefined;
}

/**
 * "" when `pattern` (no template) is `iss`; the tenant when `pattern` filled with the token's `tid` is
 * `iss` and the provider allows that tenant; otherwise undefined. So an `iss` naming one tenant with a
 * `tid` of another never matches.
 */
function tenantIn(config: ProviderConfig, pattern: string, iss: string, tid: unknown): string | undefined {
  if (!pattern.includes(TENANT_PLACEHOLDER)) return pattern === iss ? "" : undefined;
  if (typeof tid !== "string" || !TENANT_ID_PATTERN.test(tid)) return undefined;
  if (config.tenants !== "all" && !config.tenants?.includes(tid)) return undefined;
  return pattern.replaceAll(TENANT_PLACEHOLDER, tid) === iss ? tid : undefined;
}

/**
 * The issuer a verified token's identity is bound to (OIDC Core 5.7: iss + sub): the issuer the document
 * states, with the token's tenant in its place. An alias binds as the issuer it spells, so a person is
 * one user whichever spelling their provider sends.
 */
export const boundIssuer = (statedIssuer: string, match: IssuerMatch): string =>
  match.tenant === undefined ? statedIssuer : statedIssuer.replaceAll(TENANT_PLACEHOLDER, match.tenant);

/**
 * The exact `iss` the signature check requires: the alias the token carries, or the stated issuer (its
 * tenant filled in). The config derives both spellings of a derived issuer, with and without its `/`,
 * but only the one the document states passes: never both unless the other is listed as an alias.
 */
export const requiredIss = (statedIssuer: string, match: IssuerMatch): string =>
  match.alias ? match.iss : boundIssuer(statedIssuer, match);
