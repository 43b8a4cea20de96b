// The active providers, rebuilt from the config when it changes, and the choice of provider for a token
// by its (unverified) `iss`: a key set is only ever used for its own issuer.
import type { Clock } from "../shared/clock";
import type { CachedConfig, ConfigSnapshot } from "../shared/config-store";
import { AuthError } from "../shared/errors";
import type { AppLogger } from "../shared/logger";
import type { FetchPolicy, JsonFetcher } from "./http";
import { DEFAULT_PROVIDER_CACHE_OPTIONS, ProviderRuntime, type ProviderCacheOptions } from "./provider";

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
  ) {}

  async snapshot(): Promise<ConfigSnapshot> {
    return this.config.get();
  }

  /**
   * The provider whose discovered issuer equals `iss` exactly (OIDC Core 3.1.3.7 step 2). Several
   * providers may share an issuer (one per client id): then the one whose client id is in `aud`.
   */
  async forIssuer(config: ConfigSnapshot, iss: string, aud: readonly string[]): Promise<ProviderRuntime> {
    const active = this.activeRuntimes(config);
    let matches = active.filter((runtime) => runtime.knownIssuer() === iss);
    let unavailable: string[] = [];
    if (matches.length === 0) {
      // Discover the providers not yet seen (cold start, or a provider that was down); each is
      // rate-limited by its own back-off, so unknown issuers cannot make us hammer a provider.
      const undiscovered = active.filter((runtime) => runtime.knownIssuer() === undefined);
      const results = await Promise.allSettled(undiscovered.map((runtime) => runtime.discover()));
      unavailable = undiscovered.filter((_, i) => results[i]?.status === "rejected").map((r) => r.name);
      matches = active.filter((runtime) => runtime.knownIssuer() === iss);
    }
    const chosen = matches.find((runtime) => aud.includes(runtime.config.clientId)) ?? matches[0];
    if (chosen) return chosen;
    if (unavailable.length > 0) {
      throw new AuthError(
        "provider_unavailable",
        `issuer matches no discovered provider; not discoverable now: ${unavailable.join(", ")}`,
      );
    }
    throw new AuthError("unknown_issuer", "issuer matches no active provider");
  }

  private activeRuntimes(config: ConfigSnapshot): ProviderRuntime[] {
    if (this.builtFrom?.config === config) return this.builtFrom.active;
    const next = new Map<string, { json: string; runtime: ProviderRuntime }>();
    for (const provider of config.providers) {
      if (!provider.active) continue;
      const json = JSON.stringify(provider);
      const existing = this.runtimes.get(provider.name);
      next.set(
        provider.name,
        existing?.json === json
          ? existing
          : {
              json,
              runtime: new ProviderRuntime(provider, this.fetcher, this.policy, this.clock, this.cacheOptions),
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
