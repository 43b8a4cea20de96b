// Reads a provider's discovery document (OpenID Connect Discovery 1.0, section 3) for its issuer and key-set URL.
import { isJsonObject, type Json } from "aws-jwt-verify/safe-json-parse";
import { acceptedIssuers } from "../config/items";
import type { ProviderConfig } from "../config/schema";
import { DomainError } from "../shared/errors";
import { boundedText } from "./decision-log";
import { assertFetchableUrl, FetchFailedError, type FetchPolicy } from "./http";

export interface DiscoveredProvider {
  /** The issuer the document states. Tokens' `iss` is compared to this exactly, never to the metadata URL. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly idTokenSigningAlgs: readonly string[];
}

/**
 * Validates a discovery document's shape. Whether its issuer may be believed is `assertStatedIssuer`'s
 * question: a document alone proves nothing about whose issuer it speaks for.
 */
export function parseDiscoveryDocument(
  document: Json,
  policy: Pick<FetchPolicy, "allowLoopbackHttp">,
): DiscoveredProvider {
  if (!isJsonObject(document)) throw invalid("document is not a JSON object");
  const { issuer, jwks_uri: jwksUri, id_token_signing_alg_values_supported: algs } = document;
  if (typeof issuer !== "string" || issuer.length === 0) throw invalid("issuer is missing");
  if (typeof jwksUri !== "string" || jwksUri.length === 0) throw invalid("jwks_uri is missing");
  assertFetchableUrl(issuer, policy);
  assertFetchableUrl(jwksUri, policy);
  return {
    issuer,
    jwksUri,
    idTokenSigningAlgs: Array.isArray(algs) ? algs.filter((alg): alg is string => typeof alg === "string") : [],
  };
}

const invalid = (why: string): FetchFailedError => new FetchFailedError("fetch_failed", `discovery document: ${why}`);

/** A discovery document states an issuer other than the one it was fetched for (OIDC Discovery 4.3). */
export class IssuerMismatchError extends DomainError<"issuer_mismatch"> {
  readonly code = "issuer_mismatch" as const;
  constructor(
    readonly expected: readonly string[],
    readonly stated: string,
  ) {
    super(
      `discovery document states issuer ${boundedText(stated, DOCUMENT_VALUE_MAX)}, expected ${expected.join(" or ") || "(none)"}`,
    );
  }
}

/**
 * OpenID Connect Discovery 4.3 / RFC 8414 3.3: the stated `issuer` must be identical to the issuer the
 * document was fetched for (the metadata URL's prefix, or the provider's pinned `issuer`), or the
 * document must not be used. Otherwise any provider could speak for another's issuer.
 */
export function assertStatedIssuer(
  provider: Pick<ProviderConfig, "issuer" | "metadataUrl">,
  discovered: DiscoveredProvider,
): DiscoveredProvider {
  const expected = acceptedIssuers(provider);
  if (!expected.includes(discovered.issuer)) throw new IssuerMismatchError(expected, discovered.issuer);
  return discovered;
}

/** A provider's document states URLs: a log line keeps this many characters of one. */
export const DOCUMENT_VALUE_MAX = 256;
