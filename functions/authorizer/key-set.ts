// A provider's key set (RFC 7517) across invocations: fetched, refreshed, re-read for an unknown kid, kept
// while the provider is down; the key for a token chosen from it; and each snapshot adapted to
// aws-jwt-verify's JwksCache, so its verifier never fetches anything by itself.
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import { assertIsJwks, type Jwk, type Jwks, type JwksCache, type JwkWithKid } from "aws-jwt-verify/jwk";
import { JwtWithoutValidKidError, KidNotFoundInJwksError } from "aws-jwt-verify/error";
import type { Json } from "aws-jwt-verify/safe-json-parse";
import type { JwtHeader } from "aws-jwt-verify/jwt-model";
import type { Clock } from "../shared/clock";
import { AuthError } from "../shared/errors";
import { RefreshingValue, type RefreshOptions } from "../shared/refreshing-value";
import { FetchFailedError, type JsonFetcher } from "./http";
import { DecomposedJwtVerifier, type IssuerConfig } from "./verifier";

const KTY_BY_ALG_PREFIX: Readonly<Record<string, string>> = { RS: "RSA", PS: "RSA", ES: "EC", Ed: "OKP" };

/** A key that may verify a signature of `alg`: signing use, matching key type, and alg if the key names one. */
function isUsableFor(jwk: Jwk, alg: string): boolean {
  if (jwk.use !== undefined && jwk.use !== "sig") return false;
  const keyOps = jwk["key_ops"];
  if (Array.isArray(keyOps) && !keyOps.includes("verify")) return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  return jwk.kty === KTY_BY_ALG_PREFIX[alg.slice(0, 2)];
}

/**
 * The key for the token's header. With a `kid`, the key with that id. Without one, the single usable key
 * if there is exactly one (as the OpenID conformance tests expect); otherwise none, since guessing
 * among several would let the token pick its own key.
 */
export function selectJwk(jwks: Jwks, header: JwtHeader): JwkWithKid | undefined {
  const alg = header.alg ?? "";
  if (header.kid !== undefined) {
    return jwks.keys.find((jwk): jwk is JwkWithKid => jwk.kid === header.kid && isUsableFor(jwk, alg));
  }
  const usable = jwks.keys.filter((jwk) => isUsableFor(jwk, alg));
  return usable.length === 1 ? (usable[0] as JwkWithKid) : undefined;
}

export function parseJwks(document: Json): Jwks {
  try {
    assertIsJwks(document);
  } catch (error) {
    throw new FetchFailedError("fetch_failed", "key set is not a valid JWKS", { cause: error });
  }
  return document;
}

/** One fetched key set, read-only: what the aws-jwt-verify verifier sees. */
export class SnapshotJwksCache implements JwksCache {
  constructor(readonly jwks: Jwks) {}

  getCachedJwk(_jwksUri: string, decomposedJwt: DecomposedJwt): JwkWithKid {
    const jwk = selectJwk(this.jwks, decomposedJwt.header);
    if (jwk) return jwk;
    if (decomposedJwt.header.kid === undefined) {
      throw new JwtWithoutValidKidError("JWT has no kid and the key set has no single usable key");
    }
    throw new KidNotFoundInJwksError("kid not found in the key set");
  }

  async getJwk(jwksUri: string, decomposedJwt: DecomposedJwt): Promise<JwkWithKid> {
    return this.getCachedJwk(jwksUri, decomposedJwt);
  }

  addJwks(): void {
    throw new TypeError("a key-set snapshot is immutable");
  }

  async getJwks(): Promise<Jwks> {
    return this.jwks;
  }
}

/** One fetched key set and the verifier bound to it. */
export interface KeySnapshot {
  readonly cache: SnapshotJwksCache;
  readonly verifier: DecomposedJwtVerifier;
}

/**
 * A provider's key set: re-read every `maxAgeMs` (so a key the provider removed stops being trusted),
 * re-read on an unknown kid at most every `minIntervalMs` (key rotation needs no redeploy), backed off
 * while the provider fails, the last good set verifying meanwhile.
 */
export class ProviderKeySet {
  private readonly value: RefreshingValue<KeySnapshot>;

  constructor(
    readonly config: IssuerConfig,
    fetcher: JsonFetcher,
    clock: Clock,
    options: RefreshOptions,
  ) {
    this.value = new RefreshingValue<KeySnapshot>(
      async () => {
        const cache = new SnapshotJwksCache(parseJwks(await fetcher.fetchJson(config.jwksUri, "jwks")));
        return { cache, verifier: new DecomposedJwtVerifier(config, cache) };
      },
      clock,
      options,
    );
  }

  /** The current snapshot; jwks_unavailable when the key set has never been read. */
  async snapshot(provider: string): Promise<KeySnapshot> {
    try {
      return await this.value.get();
    } catch (error) {
      throw new AuthError("jwks_unavailable", `provider ${provider}: key set unavailable`, { cause: error });
    }
  }

  /** The key for `header` in `snapshot`, or in a re-read set for an unknown kid (rate-limited); else kid_missing / kid_unknown. */
  async keyFor(snapshot: KeySnapshot, header: JwtHeader): Promise<{ snapshot: KeySnapshot; jwk: JwkWithKid }> {
    let current = snapshot;
    let jwk = selectJwk(current.cache.jwks, header);
    if (!jwk && header.kid !== undefined && (await this.value.reload())) {
      current = this.value.current() ?? current;
      jwk = selectJwk(current.cache.jwks, header);
    }
    if (jwk) return { snapshot: current, jwk };
    throw header.kid === undefined
      ? new AuthError("kid_missing", "no kid, and the key set has no single usable key")
      : new AuthError("kid_unknown", `kid ${header.kid} is not in the key set`);
  }
}
