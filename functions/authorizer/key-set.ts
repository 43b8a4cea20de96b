// A provider's key set (RFC 7517) across invocations: fetched, refreshed, re-read for an unknown kid, kept
// while the provider is down; the key for a token chosen from it; and each snapshot adapted to
// aws-jwt-verify's JwksCache, so its verifier never fetches anything by itself.
import { X509Certificate } from "node:crypto";
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import { assertIsJwks, type Jwk, type Jwks, type JwksCache, type JwkWithKid } from "aws-jwt-verify/jwk";
import { JwtWithoutValidKidError, KidNotFoundInJwksError } from "aws-jwt-verify/error";
import type { Json } from "aws-jwt-verify/safe-json-parse";
import type { JwtHeader } from "aws-jwt-verify/jwt-model";
import type { Clock } from "../shared/clock";
import { AuthError } from "../shared/errors";
import { RefreshingValue, type RefreshOptions } from "../shared/refreshing-value";
import { boundedValue } from "./decision-log";
import { FetchFailedError } from "./http";
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
  const { kid } = header;
  if (kid !== undefined) {
    for (const jwk of jwks.keys) if (jwk.kid === kid && isUsableFor(jwk, alg)) return jwk as JwkWithKid;
    return undefined;
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
  const keys = document.keys.map(withCertificateKey);
  return keys.every((jwk, index) => jwk === document.keys[index]) ? document : { ...document, keys };
}

/** A certificate in `x5c` larger than this is not read (real ones are 1-2 KB). */
const MAX_X5C_CERTIFICATE_CHARS = 16 * 1024;

/**
 * RFC 7517 4.7: the first `x5c` certificate holds the key. An RSA key published only as a certificate
 * chain (no `n`/`e`) gets its `n` and `e` from it; a key whose `n`/`e` differ from its certificate's is
 * unusable (`kty` "invalid", so no alg ever selects it), as is one whose certificate does not parse.
 * The chain itself is not validated: the key set's URL, not a CA, is what vouches for its keys.
 */
function withCertificateKey(jwk: Jwk): Jwk {
  const x5c: unknown = jwk["x5c"];
  if (jwk.kty !== "RSA" || !Array.isArray(x5c) || x5c.length === 0) return jwk;
  const certified = certificateRsaKey(x5c[0]);
  // A certificate that cannot be read cannot show that it holds the JWK's key: unusable, n and e or not.
  if (certified === undefined) return { ...jwk, kty: "invalid" };
  if (jwk.n === undefined && jwk.e === undefined) return { ...jwk, ...certified };
  return jwk.n === certified.n && jwk.e === certified.e ? jwk : { ...jwk, kty: "invalid" };
}

function certificateRsaKey(certificate: unknown): { n: string; e: string } | undefined {
  if (typeof certificate !== "string" || certificate.length > MAX_X5C_CERTIFICATE_CHARS) return undefined;
  try {
    const key = new X509Certificate(Buffer.from(certificate, "base64")).publicKey.export({ format: "jwk" });
    return key.kty === "RSA" && typeof key.n === "string" && typeof key.e === "string"
      ? { n: key.n, e: key.e }
      : undefined;
  } catch {
    return undefined;
  }
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
 * re-read on an unknown kid at once unless the set was itself read for a miss within `minIntervalMs`
 * (key rotation needs no redeploy, and a flood of made-up kids costs one read per interval), backed off
 * while the provider fails, the last good set verifying meanwhile.
 */
export class ProviderKeySet {
  private readonly value: RefreshingValue<KeySnapshot>;

  /** `load` reads the set at config.jwksUri (and keeps a copy of what it read, where the caller keeps one). */
  constructor(
    readonly config: IssuerConfig,
    load: () => Promise<Jwks>,
    clock: Clock,
    private readonly options: RefreshOptions,
  ) {
    this.value = new RefreshingValue<KeySnapshot>(async () => this.snapshotOf(await load()), clock, options);
  }

  /** A set read earlier, maybe by another container (already parsed with parseJwks), as read at fetchedAtMs. */
  seed(jwks: Jwks, fetchedAtMs: number): void {
    this.value.seed(this.snapshotOf(jwks), fetchedAtMs);
  }

  private snapshotOf(jwks: Jwks): KeySnapshot {
    const cache = new SnapshotJwksCache(jwks);
    return { cache, verifier: new DecomposedJwtVerifier(this.config, cache) };
  }

  /** The current snapshot while it is younger than maxAgeMs, with no I/O and no await; else undefined. */
  freshSnapshot(): { snapshot: KeySnapshot; readNow: false } | undefined {
    const snapshot = this.value.fresh();
    return snapshot === undefined ? undefined : { snapshot, readNow: false };
  }

  /**
   * The current snapshot (read first when missing or stale), and whether this call read it;
   * jwks_unavailable when the key set has never been read.
   */
  async snapshot(provider: string): Promise<{ snapshot: KeySnapshot; readNow: boolean }> {
    const loadsBefore = this.value.loads;
    try {
      const snapshot = await this.value.get();
      return { snapshot, readNow: this.value.loads !== loadsBefore };
    } catch (error) {
      const why =
        this.value.current() === undefined
          ? "key set unavailable"
          : `the last good key set is older than maxStaleSeconds (${staleSeconds(this.options)} s) and cannot be re-read`;
      throw new AuthError("jwks_unavailable", `provider ${provider}: ${why}`, { cause: error });
    }
  }

  /**
   * The key for `header` in `snapshot`, or in a set re-read for an unknown kid (rate-limited: a set read
   * by this very request, or for a miss within the interval, is not re-read); else kid_missing / kid_unknown.
   */
  async keyFor(
    { snapshot, readNow }: { snapshot: KeySnapshot; readNow: boolean },
    header: JwtHeader,
  ): Promise<{ snapshot: KeySnapshot; jwk: JwkWithKid }> {
    let current = snapshot;
    let jwk = selectJwk(current.cache.jwks, header);
    if (!jwk && header.kid !== undefined) {
      if (readNow) this.value.penalizeMiss();
      else if (await this.value.reloadForMiss()) {
        current = this.value.current() ?? current;
        jwk = selectJwk(current.cache.jwks, header);
      } else if (this.value.failure() !== undefined) {
        // The re-read failed (or waits out its back-off): the kid may well be real. An outage, not a forgery.
        throw new AuthError("jwks_unavailable", "kid not in the last good key set, and the key set cannot be read", {
          cause: this.value.failure(),
        });
      }
    }
    if (jwk) return { snapshot: current, jwk };
    throw header.kid === undefined
      ? new AuthError("kid_missing", "no kid, and the key set has no single usable key")
      : new AuthError("kid_unknown", `kid ${boundedValue(header.kid)} is not in the key set`);
  }
}

/** The maxStaleMs of a provider's options, in the seconds its config states. */
const staleSeconds = (options: RefreshOptions): number => Math.round((options.maxStaleMs ?? 0) / 1000);
