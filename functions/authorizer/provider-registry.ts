// The active providers, rebuilt from the config when it changes, and the choice of provider for a token
// by its (unverified) `iss` and `aud`, from the config alone: a key set is only ever used for its own
// issuer, and choosing costs no fetch, so a slow provider never delays another's requests.
import type { Clock } from "../shared/clock";
import { acceptedIssuers, audienceOf, type TokenType } from "../config/items";
import type { ProviderConfig } from "../config/schema";
import type { CachedConfig, ConfigSnapshot } from "../config/store";
import { AuthError } from "../shared/errors";
import type { AppLogger } from "../shared/logger";
import type { FetchPolicy, JsonFetcher } from "./http";
import { DEFAULT_PROVIDER_CACHE_OPTIONS, ProviderRuntime, type ProviderCacheOptions } from "./provider";
import type { ProviderStateStore } from "./provider-state";

/** What the registry needs of a token to choose its provider; none of it is verified yet. */
interface TokenAddress {
  readonly iss: string;
  readonly tid: unknown;
  readonly aud: readonly string[];
  readonly azp: unknown;
  /** What the token says it is (token-kind.ts): chooses between an ID-token and an access-token provider of one audience. */
  readonly kind: TokenType;
}

export class ProviderRegistry {
  /** Runtimes by name, with the config they were built from: an unchanged provider keeps its caches. */
  private runtimes = new Map<string, { json: string; runtime: ProviderRuntime }>();
  /** The config the runtimes were last built from; a snapshot is immutable, so identity suffices. */
  private builtFrom: { config: ConfigSnapshot; active: ProviderRuntime[] } | undefined;

  constructor(
    private readonly config: CachedConfig,
    private readonly fetcher: JsonFetcher,
    private readonly policy: Pick<FetchPolicy, "allowLoopbackHttp">,
    private readonly clock: Clock,
    private readonly logger: AppLogger,
    private readonly cacheOptions: ProviderCacheOptions = DEFAULT_PROVIDER_CACHE_OPTIONS,
    private readonly state?: ProviderStateStore,
  ) {}

  snapshot(): Promise<ConfigSnapshot> {
    return this.config.get();
  }

  /** The config snapshot while it is fresh, with no promise to wait for; else undefined (use snapshot()). */
  freshSnapshot(): ConfigSnapshot | undefined {
    return this.config.fresh();
  }

  /**
   * The provider a token is addressed to: its issuer is the token's `iss` exactly (OIDC Core 3.1.3.7
   * step 2), and its audience (an ID-token provider's client id, an access-token provider's API
   * identifier) is in `aud` (step 3); for an ID token, it equals `azp` when `aud` has several values
   * (steps 4-5). Several providers may share an issuer (one per client of one IdP); a token never goes
   * to one whose audience it does not name. An ID-token and an access-token provider may share an
   * audience: the token's kind chooses, and the chosen provider still checks that kind.
   */
  forToken(config: ConfigSnapshot, token: TokenAddress): ProviderRuntime {
    const ofIssuer = this.activeRuntimes(config).filter((runtime) => runtime.accepts(token));
    if (ofIssuer.length === 0) throw new AuthError("unknown_issuer", "issuer matches no active provider");
    const named = ofIssuer.filter((runtime) => token.aud.includes(audienceOf(runtime.config)));
    if (named.length === 0) {
      throw new AuthError("audience_mismatch", `aud names no client of this issuer's providers (${names(ofIssuer)})`);
    }
    const ofKind = named.filter((runtime) => runtime.config.tokenType === token.kind);
    const candidates = ofKind.length > 0 ? ofKind : named;
    const chosen =
      token.aud.length > 1
        ? candidates.filter((runtime) => runtime.config.tokenType === "access" || runtime.config.clientId === token.azp)
        : candidates;
    const [provider] = chosen;
    if (provider === undefined)
      throw new AuthError("azp_mismatch", "several audiences, and azp names none of our clients");
    return provider;
  }

  private activeRuntimes(config: ConfigSnapshot): ProviderRuntime[] {
    if (this.builtFrom?.config === config) return this.builtFrom.active;
    const next = new Map<string, { json: string; runtime: ProviderRuntime }>();
    for (const provider of usableProviders(config.providers, this.logger)) {
      const json = JSON.stringify(provider);
      const existing = this.runtimes.get(provider.name);
      next.set(
        provider.name,
        existing?.json === json
          ? existing
          : {
              json,
              runtime: new ProviderRuntime(
                provider,
                this.fetcher,
                this.policy,
                this.clock,
                this.logger,
                this.cacheOptions,
                this.state,
              ),
            },
      );
    }
    if (next.size !== this.runtimes.size || [...next].some(([name, entry]) => this.runtimes.get(name) !== entry)) {
      this.logger.info("providers loaded", { providers: [...next.keys()] });
    }
    this.runtimes = next;
    this.builtFrom = { config, active: [...next.values()].map((entry) => entry.runtime) };
    return this.builtFrom.active;
  }
}

const names = (runtimes: readonly ProviderRuntime[]): string => runtimes.map((runtime) => runtime.name).join(", ");

/**
 * The active providers that can be told apart. Providers of one issuer must read it from one metadata
 * URL (else one of them could bring its own keys for the other's issuer), and no two may share an issuer
 * and a client id (a token could not say which it is for). Each such group is disabled whole, with an
 * error line: which one is right is the admin's call, and an Allow is never a guess.
 */
export function usableProviders(providers: readonly ProviderConfig[], logger: AppLogger): ProviderConfig[] {
  const active = providers.filter((provider) => provider.active);
  const disabled = new Set<string>();
  // An alias is an issuer too: two providers may not share one through it.
  const issuersOf = (provider: ProviderConfig) => [...acceptedIssuers(provider), ...provider.issuerAliases];
  for (const provider of active) {
    const issuers = issuersOf(provider);
    const peers = active.filter((other) => other !== provider && issuersOf(other).some((i) => issuers.includes(i)));
    const clash =
      peers.find((other) => other.metadataUrl !== provider.metadataUrl) ??
      peers.find((other) => other.tokenType === provider.tokenType && audienceOf(other) === audienceOf(provider));
    if (clash === undefined) continue;
    disabled.add(provider.name);
    logger.error("provider disabled: shares its issuer with another provider", {
      provider: provider.name,
      other: clash.name,
      issuer: issuers[0],
      problem:
        clash.metadataUrl !== provider.metadataUrl
          ? "providers of one issuer must use the same metadataUrl"
          : "providers of one issuer and token type must have different audiences (client ids)",
    });
  }
  return active.filter((provider) => !disabled.has(provider.name));
}
