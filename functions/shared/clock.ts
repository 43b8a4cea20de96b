// Time, passed in rather than read from Date.now() all over, so tests can pin it.

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export const epochSec = (clock: Clock): number => Math.floor(clock.nowMs() / 1000);
