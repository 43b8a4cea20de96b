// A value loaded from the network and kept across invocations: refreshed when stale, rate-limited,
// backed off exponentially while the source fails, and served from the last good copy meanwhile.
import type { Clock } from "./clock";

export interface RefreshOptions {
  /** Older than this, the value is reloaded before use (falling back to it if the reload fails). */
  readonly maxAgeMs: number;
  /** After a successful load, no forced reload (unknown kid) sooner than this. */
  readonly minIntervalMs: number;
  /** First wait after a failure; doubles per consecutive failure up to backoffMaxMs. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** While reloads fail, the last good value serves until it is this old (unset: for as long as it takes). */
  readonly maxStaleMs?: number;
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
  private nextLoadAllowedAtMs = Number.NEGATIVE_INFINITY;
  private consecutiveFailures = 0;
  private lastError: unknown;
  private inflight: Promise<boolean> | undefined;
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
   * The value, reloaded first when missing or stale. Throws when there has never been a good value, or
   * when the last good one is older than maxStaleMs and cannot be reloaded.
   */
  async get(): Promise<T> {
    if (this.value !== undefined && this.ageMs() < this.options.maxAgeMs) return this.value;
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

  /**
   * Loads now unless a load happened within minIntervalMs or the source is in back-off.
   * Concurrent callers share one load. Resolves true when a new value was loaded.
   */
  reload(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    const waitLeftMs = this.nextLoadAllowedAtMs - this.clock.nowMs();
    // A wait longer than any this class sets means the clock stepped back: load rather than wait it out.
    if (waitLeftMs > 0 && waitLeftMs <= Math.max(this.options.minIntervalMs, this.options.backoffMaxMs)) {
      return Promise.resolve(false);
    }
    this.inflightSinceMs = performance.now();
    this.inflight = this.load()
      .then(
        (value) => {
          this.value = value;
          this.loadedAtMs = this.clock.nowMs();
          this.consecutiveFailures = 0;
          this.lastError = undefined;
          this.nextLoadAllowedAtMs = this.loadedAtMs + this.options.minIntervalMs;
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
