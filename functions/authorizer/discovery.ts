// Reads a provider's discovery document (OpenID Connect Discovery 1.0, section 3) for its issuer and key-set URL.
import { isJsonObject, type Json } from "aws-jwt-verify/safe-json-parse";
import { assertFetchableUrl, FetchFailedError, type FetchPolicy } from "./http";

export interface DiscoveredProvider {
  /** The issuer the document states. Tokens' `iss` is compared to this exactly, never to the metadata URL. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly idTokenSigningAlgs: readonly string[];
}

/**
 * Validates a discovery document. The metadata URL's host may differ from the issuer (Okta's
 * `-admin` host in the fixtures); what counts is the issuer the document states.
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
