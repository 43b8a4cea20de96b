// The one manual clock of the test suite: time moves only when a test says so.
import type { Clock } from "../../functions/shared/clock";

export interface ManualClock extends Clock {
  /** The current time, in epoch milliseconds; set it to jump. */
  t: number;
  advance(ms: number): void;
}

export function manualClock(startMs = 0): ManualClock {
  return {
    t: startMs,
    nowMs() {
      return this.t;
    },
    advance(ms) {
      this.t += ms;
    },
  };
}
