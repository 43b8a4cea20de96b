// A value loaded from the network and kept across invocations: refreshed when stale, rate-limited,
// backed off exponentially while the source fails, and served from the last good copy meanwhile.
import type { Clock } from "./clock";

export interface RefreshOptions {
  /** Older than this, the value is reloaded before use (falling back to it if the reload fails). */
  readonly maxAgeMs: number;
  /**
   * After a successful load made for a miss (an unknown kid), no other load for a miss sooner than this.
   * A load that was not for a miss (start-up, expiry) holds no miss back: a key rotated right after it
   * is fetched at once.
   */
  readonly minIntervalMs: number;
  /** First wait after a failure; doubles per consecutive failure up to backoffMaxMs. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** While reloads fail, the last good value serves until it is this old (unset: for as long as it takes). */
  readonly maxStaleMs?: number;
  /** Told once per failed load, with when the next one may be made (epoch ms). */
  readonly onLoadFailed?: (error: unknown, nextAttemptAtMs: number) => void;
  /** Told each time a stale value is served because a reload failed or has not answered in time. */
  readonly onServeStale?: (ageMs: number, error: unknown) => void;
  /**
   * Stale-while-revalidate: a stale value still within maxStaleMs is served once its reload has run this
   * long without an answer; the reload goes on in the background (unset: wait for the reload).
   */
  readonly refreshWaitMs?: number;
}

export class RefreshingValue<T> {
  private value: T | undefined;
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  /** Back-off after a failure: no load of any kind before this. */
  private nextLoadAllowedAtMs = Number.NEGATIVE_INFINITY;
  /** Set by a successful load for a miss: no load for another miss before this. */
  private nextMissLoadAllowedAtMs = Number.NEGATIVE_INFINITY;
  private consecutiveFailures = 0;
  private lastError: unknown;
  private inflight: Promise<boolean> | undefined;
  private loadCount = 0;
  /** The value came from seed() and no load of our own has succeeded since. */
  private seeded = false;
  /** When the in-flight load started (performance.now(): a wait in real time, not on the injected clock). */
  private inflightSinceMs = 0;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly clock: Clock,
    private readonly options: RefreshOptions,
  ) {}

  /** The last good value, without any I/O. */
  current(): T | undefined {
    return this.value;
  }

  /**
   * Puts a value loaded elsewhere (a persisted copy) in place, as if loaded at loadedAtMs, unless there
   * is one already. Until a load of this instance succeeds, a stale seeded value within maxStaleMs is
   * served at once while a load runs in the background: a cold start does not wait for the source.
   */
  seed(value: T, loadedAtMs: number): void {
    if (this.value !== undefined) return;
    this.value = value;
    this.loadedAtMs = loadedAtMs;
    this.seeded = true;
  }

  /**
   * The value, reloaded first when missing or stale. Throws when there has never been a good value, or
   * when the last good one is older than maxStaleMs and cannot be reloaded.
   */
  get(): Promise<T> {
    const fresh = this.fresh();
    return fresh === undefined ? this.refreshed() : Promise.resolve(fresh);
  }

  /** The value while it is younger than maxAgeMs, without I/O or a promise (the warm path); else undefined. */
  fresh(): T | undefined {
    return this.value !== undefined && this.ageMs() < this.options.maxAgeMs ? this.value : undefined;
  }

  private async refreshed(): Promise<T> {
    if (
      this.seeded &&
      this.value !== undefined &&
      this.ageMs() < (this.options.maxStaleMs ?? Number.POSITIVE_INFINITY)
    ) {
      // The load settles by itself (its failure is recorded, never thrown): nothing to await.
      void this.reload();
      return this.value;
    }
    const reloading = this.reload();
    if (!(await this.answeredInTime(reloading)) && this.value !== undefined) {
      const waitMs = this.options.refreshWaitMs;
      this.options.onServeStale?.(this.ageMs(), this.lastError ?? new Error(`reload not answered within ${waitMs} ms`));
      return this.value;
    }
    if (this.value === undefined) throw this.lastError ?? new Error("value not loaded");
    const ageMs = this.ageMs();
    if (ageMs >= this.options.maxAgeMs && this.lastError !== undefined) {
      if (this.options.maxStaleMs !== undefined && ageMs >= this.options.maxStaleMs) throw this.lastError;
      this.options.onServeStale?.(ageMs, this.lastError);
    }
    return this.value;
  }

  /**
   * Whether the reload settled within refreshWaitMs of its start. Without a last good value within
   * maxStaleMs there is nothing else to serve, so it is awaited however long it takes.
   */
  private async answeredInTime(reloading: Promise<boolean>): Promise<boolean> {
    const { refreshWaitMs, maxStaleMs } = this.options;
    const servable = this.value !== undefined && (maxStaleMs === undefined || this.ageMs() < maxStaleMs);
    if (refreshWaitMs === undefined || !servable || this.inflight === undefined) {
      await reloading;
      return true;
    }
    const leftMs = this.inflightSinceMs + refreshWaitMs - performance.now();
    if (leftMs <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), leftMs);
    });
    try {
      return await Promise.race([reloading.then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Loads now unless the source is in back-off. Concurrent callers share one load. Resolves true when a new value was loaded. */
  reload(): Promise<boolean> {
    return this.inflight ?? (this.waiting(this.nextLoadAllowedAtMs) ? Promise.resolve(false) : this.startLoad(false));
  }

  /**
   * Loads now for a miss (a key the value lacks), unless the source is in back-off or the current value
   * was itself loaded for a miss within minIntervalMs: a flood of misses costs at most one load per
   * interval, and concurrent misses share the load in flight. Resolves true when a new value was loaded.
   */
  reloadForMiss(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    if (this.waiting(this.nextLoadAllowedAtMs) || this.waiting(this.nextMissLoadAllowedAtMs)) {
      return Promise.resolve(false);
    }
    return this.startLoad(true);
  }

  /**
   * The value a caller has just loaded lacked what it asked for: hold later misses back as if that load
   * had been made for a miss (aws-jwt-verify's penalty box), so one request costs at most one load.
   */
  penalizeMiss(): void {
    this.nextMissLoadAllowedAtMs = Math.max(this.nextMissLoadAllowedAtMs, this.loadedAtMs + this.options.minIntervalMs);
  }

  /** How many loads have succeeded: a caller compares it before and after get() to know whether get() loaded. */
  get loads(): number {
    return this.loadCount;
  }

  private waiting(untilMs: number): boolean {
    const waitLeftMs = untilMs - this.clock.nowMs();
    // A wait longer than any this class sets means the clock stepped back: load rather than wait it out.
    return waitLeftMs > 0 && waitLeftMs <= Math.max(this.options.minIntervalMs, this.options.backoffMaxMs);
  }

  private startLoad(forMiss: boolean): Promise<boolean> {
    this.inflightSinceMs = performance.now();
    this.inflight = this.load()
      .then(
        (value) => {
          this.value = value;
          this.loadCount += 1;
          this.seeded = false;
          this.loadedAtMs = this.clock.nowMs();
          this.consecutiveFailures = 0;
          this.lastError = undefined;
          this.nextMissLoadAllowedAtMs = forMiss
            ? this.loadedAtMs + this.options.minIntervalMs
            : Number.NEGATIVE_INFINITY;
          return true;
        },
        (error: unknown) => {
          this.lastError = error;
          this.consecutiveFailures += 1;
          const waitMs = Math.min(
            this.options.backoffBaseMs * 2 ** (this.consecutiveFailures - 1),
            this.options.backoffMaxMs,
          );
          this.nextLoadAllowedAtMs = this.clock.nowMs() + waitMs;
          this.options.onLoadFailed?.(error, this.nextLoadAllowedAtMs);
          return false;
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /**
   * How long ago the value was loaded, as a distance in time: a clock that stepped back makes the value
   * older, never fresh until the clock catches up.
   */
  private ageMs(): number {
    return Math.abs(this.clock.nowMs() - this.loadedAtMs);
  }

  /** Why the last load failed, while the source is failing. */
  failure(): unknown {
    return this.lastError;
  }
}
