// One configured OIDC provider at run time: its discovered metadata and its key set, each cached
// across invocations, and the signature and standard-claim check of tokens it issued.
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { Jwk } from "aws-jwt-verify/jwk";
import type { Clock } from "../shared/clock";
import type { ProviderConfig } from "../config/schema";
import { acceptedIssuers } from "../config/schema";
import { AuthError } from "../shared/errors";
import type { AppLogger } from "../shared/logger";
import {
  assertStatedIssuer,
  boundedText,
  IssuerMismatchError,
  parseDiscoveryDocument,
  type DiscoveredProvider,
} from "./discovery";
import type { FetchPolicy, JsonFetcher } from "./http";
import { ProviderKeySet, type KeySnapshot } from "./key-set";
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
  ) {
    this.issuers = acceptedIssuers(config);
    this.discovery = new RefreshingValue(() => this.loadDiscovery(), clock, options.discovery);
  }

  /** The only `iss` values this provider's tokens may carry, known from its config before any fetch. */
  private readonly issuers: readonly string[];

  get name(): string {
    return this.config.name;
  }

  /** Whether `iss` is this provider's issuer; needs no discovery, so choosing a provider costs no I/O. */
  accepts(iss: string): boolean {
    return this.issuers.includes(iss);
  }

  private async loadDiscovery(): Promise<DiscoveredProvider> {
    const discovered = parseDiscoveryDocument(
      await this.fetcher.fetchJson(this.config.metadataUrl, "discovery"),
      this.policy,
    );
    try {
      return assertStatedIssuer(this.config, discovered);
    } catch (error) {
      if (error instanceof IssuerMismatchError) {
        // Logged at every attempt; attempts are spaced by the discovery back-off.
        this.logger.error("provider disabled: discovery issuer mismatch", {
          provider: this.name,
          metadataUrl: this.config.metadataUrl,
          expectedIssuer: error.expected[0],
          statedIssuer: boundedText(error.stated),
          fix: "pin the expected issuer in the provider's `issuer` field if this document is legitimately served here",
        });
      }
      throw error;
    }
  }

  /** Discovers (or re-discovers when stale); rejects only if this provider has never been discovered. */
  async discover(): Promise<DiscoveredProvider> {
    try {
      return await this.discovery.get();
    } catch (error) {
      throw new AuthError("provider_unavailable", `provider ${this.name}: discovery failed`, { cause: error });
    }
  }

  /**
   * Finds the token's key (re-reading the key set once, rate-limited, for an unknown kid: key rotation
   * needs no redeploy) and verifies signature, exp, nbf, iss and aud with aws-jwt-verify.
   */
  async verify(jwt: DecomposedJwt, tokenDigest: string): Promise<VerifiedToken> {
    const keys = this.keySetFor(await this.discover());
    const snapshot = await keys.snapshot(this.name);
    const remembered = this.verified.get(tokenDigest);
    if (remembered?.snapshot === snapshot) return remembered.result;
    const { snapshot: current, jwk } = await keys.keyFor(snapshot, jwt.header);
    const result = { payload: current.verifier.verifyDecomposed(jwt), jwk };
    this.remember(tokenDigest, current, result);
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
    const config = { issuer, jwksUri, audience: this.config.clientId, graceSeconds: this.config.clockSkewSeconds };
    this.keys = new ProviderKeySet(config, this.fetcher, this.clock, this.options.keys);
    return this.keys;
  }
}
