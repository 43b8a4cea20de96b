// One configured OIDC provider at run time: its discovered metadata and its key set, each cached
// across invocations, and the signature and standard-claim check of tokens it issued.
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { Jwk } from "aws-jwt-verify/jwk";
import type { Clock } from "../shared/clock";
import { audienceOf } from "../config/items";
import type { ProviderConfig } from "../config/schema";
import { AuthError } from "../shared/errors";
import type { AppLogger } from "../shared/logger";
import { boundedText } from "./decision-log";
import {
  assertStatedIssuer,
  DOCUMENT_VALUE_MAX,
  IssuerMismatchError,
  parseDiscoveryDocument,
  type DiscoveredProvider,
} from "./discovery";
import { safeJsonParse, type Json } from "aws-jwt-verify/safe-json-parse";
import { fetchDocument, FetchFailedError, type FetchedJson, type FetchPolicy, type JsonFetcher } from "./http";
import { parseJwks, ProviderKeySet, selectJwk, type KeySnapshot } from "./key-set";
import type { PersistedDocument, ProviderStateStore } from "./provider-state";
import { boundIssuer, matchIssuer, requiredIss, type IssuerClaims, type IssuerMatch } from "./issuer-match";
import { RefreshingValue, type RefreshOptions } from "../shared/refreshing-value";

export interface ProviderCacheOptions {
  readonly discovery: RefreshOptions;
  readonly keys: RefreshOptions;
  /** Signature verifications remembered per provider (0 turns the cache off). */
  readonly verifiedTokens: number;
}

export const DEFAULT_PROVIDER_CACHE_OPTIONS: ProviderCacheOptions = {
  discovery: { maxAgeMs: 60 * 60_000, minIntervalMs: 60_000, backoffBaseMs: 1_000, backoffMaxMs: 5 * 60_000 },
  // Keys are re-read every 10 minutes so a key the provider removed stops being trusted soon after;
  // an unknown kid forces a re-read at most every 10 seconds.
  keys: { maxAgeMs: 10 * 60_000, minIntervalMs: 10_000, backoffBaseMs: 1_000, backoffMaxMs: 5 * 60_000 },
  verifiedTokens: 1_000,
};

interface VerifiedToken {
  readonly payload: JwtPayload;
  readonly jwk: Jwk;
  /** The issuer the token's identity is bound to (its own `iss`, or the issuer an alias spells). */
  readonly issuer: string;
}

export class ProviderRuntime {
  private readonly discovery: RefreshingValue<DiscoveredProvider>;
  private keys: ProviderKeySet | undefined;
  /**
   * Tokens whose signature this provider verified, by the SHA-256 of the whole token, with the key-set
   * snapshot that verified them. A client that reuses its ID token for many calls costs one signature
   * check, not one per call. An entry counts only while that snapshot is current, so a key-set refresh
   * (a removed key) or a config change (a new runtime) forgets it. Time-based claims are re-checked
   * on every call by the caller; the replay write and user lookup are never cached.
   */
  private readonly verified = new Map<string, { snapshot: KeySnapshot; result: VerifiedToken }>();

  constructor(
    readonly config: ProviderConfig,
    private readonly fetcher: JsonFetcher,
    private readonly policy: Pick<FetchPolicy, "allowLoopbackHttp">,
    private readonly clock: Clock,
    private readonly logger: AppLogger,
    private readonly options: ProviderCacheOptions = DEFAULT_PROVIDER_CACHE_OPTIONS,
    /** Where the last good documents are kept across cold starts; none: every container fetches. */
    private readonly state?: ProviderStateStore,
  ) {
    this.discovery = new RefreshingValue(() => this.loadDiscovery(), clock, {
      ...this.refreshOptions(options.discovery),
      onLoadFailed: (error, nextAttemptAtMs) =>
        this.logReadFailed("provider discovery read failed", config.metadataUrl, error, nextAttemptAtMs),
    });
  }

  get name(): string {
    return this.config.name;
  }

  /**
   * Whether the token's `iss` (with its `tid`, for a `{tenantid}` issuer) is one this provider's tokens
   * may carry; needs no discovery, so choosing a provider costs no I/O.
   */
  accepts(claims: IssuerClaims): boolean {
    return matchIssuer(this.config, claims) !== undefined;
  }

  /** The provider's maxStaleSeconds bounds how long a last good copy serves while it cannot be read. */
  private refreshOptions(options: RefreshOptions): RefreshOptions {
    return { ...options, maxStaleMs: this.config.maxStaleSeconds * 1000 };
  }

  private async loadDiscovery(): Promise<DiscoveredProvider> {
    const fetched = await fetchDocument(this.fetcher, this.config.metadataUrl, "discovery");
    const discovered = this.believedDiscovery(fetched.json);
    await this.persist("discovery", this.config.metadataUrl, fetched);
    return discovered;
  }

  /** A discovery document, fetched now or persisted, checked as OpenID Connect Discovery 4.3 requires. */
  private believedDiscovery(document: Json): DiscoveredProvider {
    const discovered = parseDiscoveryDocument(document, this.policy);
    try {
      return assertStatedIssuer(this.config, discovered);
    } catch (error) {
      if (error instanceof IssuerMismatchError) {
        // Logged at every attempt; attempts are spaced by the discovery back-off.
        this.logger.error("provider disabled: discovery issuer mismatch", {
          provider: this.name,
          metadataUrl: this.config.metadataUrl,
          expectedIssuer: error.expected[0],
          statedIssuer: boundedText(error.stated, DOCUMENT_VALUE_MAX),
          fix: "pin the expected issuer in the provider's `issuer` field if this document is legitimately served here",
        });
      }
      throw error;
    }
  }

  /**
   * Discovers (or re-discovers when stale), starting from the persisted copy on a cold start; rejects
   * when this provider has never been discovered, or its last good document is older than maxStaleSeconds.
   */
  async discover(): Promise<DiscoveredProvider> {
    this.restored ??= this.restore();
    await this.restored;
    try {
      return await this.discovery.get();
    } catch (error) {
      const why =
        this.discovery.current() === undefined
          ? "discovery failed"
          : `the last good discovery document is older than maxStaleSeconds (${this.config.maxStaleSeconds} s) and cannot be re-read`;
      throw new AuthError("provider_unavailable", `provider ${this.name}: ${why}`, { cause: error });
    }
  }

  private restored: Promise<void> | undefined;

  /**
   * Seeds discovery and key set from the persisted copy, once per runtime. The copy is the provider's
   * bytes: it is used only for this metadata URL and this jwks_uri, and only if it passes every check a
   * fresh fetch must pass; anything else is ignored (with a warning) and the provider is read instead.
   */
  private async restore(): Promise<void> {
    if (this.state === undefined) return;
    let persisted: Awaited<ReturnType<ProviderStateStore["load"]>>;
    try {
      persisted = await this.state.load(this.name);
    } catch (error) {
      this.logger.warn("provider state unreadable, reading the provider", { provider: this.name, error });
      return;
    }
    const { discovery, keys } = persisted ?? {};
    if (discovery === undefined || discovery.url !== this.config.metadataUrl) return;
    try {
      const discovered = this.believedDiscovery(safeJsonParse(discovery.json));
      this.discovery.seed(discovered, discovery.fetchedAtMs);
      if (keys?.url === discovered.jwksUri) {
        this.keySetFor(discovered).seed(parseJwks(safeJsonParse(keys.json)), keys.fetchedAtMs);
      }
    } catch (error) {
      this.logger.warn("provider state ignored, reading the provider", {
        provider: this.name,
        error: boundedText(error instanceof Error ? error.message : String(error), DOCUMENT_VALUE_MAX),
      });
    }
  }

  /** Keeps what was just fetched for the next cold start; a failed write costs that start one fetch, nothing more. */
  private async persist(kind: "discovery" | "keys", url: string, fetched: FetchedJson): Promise<void> {
    if (this.state === undefined) return;
    const document: PersistedDocument = {
      url,
      json: JSON.stringify(fetched.json),
      fetchedAtMs: this.clock.nowMs(),
      ...(fetched.etag !== undefined && { etag: fetched.etag }),
      ...(fetched.cacheControl !== undefined && { cacheControl: fetched.cacheControl }),
    };
    try {
      await this.state.save(this.name, kind, document);
    } catch (error) {
      this.logger.warn("provider state not saved", { provider: this.name, kind, error });
    }
  }

  /**
   * Verifies the token with no I/O, when discovery and key set are fresh and the set holds the token's
   * key (the warm path: no promise, no await); undefined when verifying needs a read, which `verify`
   * does. Throws AuthError as `verify` does.
   */
  verifyFresh(jwt: DecomposedJwt, tokenDigest: string): VerifiedToken | undefined {
    // A fresh value implies restore() has run: only it and a load set one.
    const discovered = this.discovery.fresh();
    if (discovered === undefined) return undefined;
    const match = this.issuerMatch(jwt);
    const read = this.keySetFor(discovered).freshSnapshot();
    return read && this.verifiedWith(jwt, tokenDigest, discovered, match, read.snapshot);
  }

  /**
   * Finds the token's key (re-reading the key set once, rate-limited, for an unknown kid: key rotation
   * needs no redeploy) and verifies signature, exp, nbf, iss and aud with aws-jwt-verify.
   */
  async verify(jwt: DecomposedJwt, tokenDigest: string): Promise<VerifiedToken> {
    const discovered = this.discovery.fresh() ?? (await this.discover());
    const match = this.issuerMatch(jwt);
    const keys = this.keySetFor(discovered);
    const read = keys.freshSnapshot() ?? (await keys.snapshot(this.name));
    const verified = this.verifiedWith(jwt, tokenDigest, discovered, match, read.snapshot);
    if (verified !== undefined) return verified;
    const { snapshot, jwk } = await keys.keyFor(read, jwt.header);
    return this.check(jwt, tokenDigest, discovered, match, snapshot, jwk);
  }

  /** The token's `iss` (with its `tid`) as one of this provider's issuers, or unknown_issuer. */
  private issuerMatch(jwt: DecomposedJwt): IssuerMatch {
    const { iss, tid } = jwt.payload;
    const match = iss === undefined ? undefined : matchIssuer(this.config, { iss, tid });
    if (match === undefined) throw new AuthError("unknown_issuer", `iss is not an issuer of provider ${this.name}`);
    return match;
  }

  /**
   * The token's result remembered with this snapshot, or its check with the snapshot's key for it;
   * undefined when the snapshot has no key for the token.
   */
  private verifiedWith(
    jwt: DecomposedJwt,
    tokenDigest: string,
    discovered: DiscoveredProvider,
    match: IssuerMatch,
    snapshot: KeySnapshot,
  ): VerifiedToken | undefined {
    const remembered = this.verified.get(tokenDigest);
    if (remembered?.snapshot === snapshot) return remembered.result;
    const jwk = selectJwk(snapshot.cache.jwks, jwt.header);
    return jwk === undefined ? undefined : this.check(jwt, tokenDigest, discovered, match, snapshot, jwk);
  }

  /** The signature and standard-claim check with the snapshot's key, remembered for the token. */
  private check(
    jwt: DecomposedJwt,
    tokenDigest: string,
    discovered: DiscoveredProvider,
    match: IssuerMatch,
    snapshot: KeySnapshot,
    jwk: Jwk,
  ): VerifiedToken {
    const result = {
      payload: snapshot.verifier.verifyDecomposed(jwt, requiredIss(discovered.issuer, match)),
      jwk,
      issuer: boundIssuer(discovered.issuer, match),
    };
    this.remember(tokenDigest, snapshot, result);
    return result;
  }

  private remember(tokenDigest: string, snapshot: KeySnapshot, result: VerifiedToken): void {
    if (this.options.verifiedTokens <= 0) return;
    if (this.verified.size >= this.options.verifiedTokens) {
      // Maps iterate in insertion order: drop the oldest.
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(tokenDigest, { snapshot, result });
  }

  /** The key set follows the discovery document: a new issuer or jwks_uri gets a fresh one. */
  private keySetFor({ issuer, jwksUri }: DiscoveredProvider): ProviderKeySet {
    if (this.keys?.config.issuer === issuer && this.keys.config.jwksUri === jwksUri) return this.keys;
    const config = { issuer, jwksUri, audience: audienceOf(this.config), graceSeconds: this.config.clockSkewSeconds };
    const load = async () => {
      const fetched = await fetchDocument(this.fetcher, jwksUri, "jwks");
      const jwks = parseJwks(fetched.json);
      await this.persist("keys", jwksUri, fetched);
      return jwks;
    };
    this.keys = new ProviderKeySet(config, load, this.clock, {
      ...this.refreshOptions(this.options.keys),
      onLoadFailed: (error, nextAttemptAtMs) =>
        this.logReadFailed("provider key set read failed", jwksUri, error, nextAttemptAtMs),
    });
    return this.keys;
  }

  /** One warning per failed read (attempts are spaced by the back-off), so an outage is never silent. */
  private logReadFailed(message: string, url: string, error: unknown, nextAttemptAtMs: number): void {
    this.logger.warn(message, {
      provider: this.name,
      url: boundedText(url, DOCUMENT_VALUE_MAX),
      ...(error instanceof FetchFailedError && error.status !== undefined && { status: error.status }),
      error: boundedText(error instanceof Error ? error.message : String(error), DOCUMENT_VALUE_MAX),
      nextAttemptAt: new Date(nextAttemptAtMs).toISOString(),
    });
  }
}
