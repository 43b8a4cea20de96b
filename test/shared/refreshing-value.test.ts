// The refresh, rate-limit and back-off rules of cached provider documents (unit, with a manual clock).
import { describe, expect, it } from "vitest";
import { RefreshingValue } from "../../functions/shared/refreshing-value";
import { manualClock } from "../kit/clock";

const options = { maxAgeMs: 1_000, minIntervalMs: 100, backoffBaseMs: 50, backoffMaxMs: 400 };

function setup() {
  const clock = manualClock(0);
  const source = { calls: 0, fail: false, value: "v1" };
  const value = new RefreshingValue(
    async () => {
      source.calls++;
      if (source.fail) throw new Error("down");
      return source.value;
    },
    clock,
    options,
  );
  return { clock, source, value };
}

describe("RefreshingValue", () => {
  it("loads once, then serves from memory until maxAge", async () => {
    const { clock, source, value } = setup();
    await value.get();
    clock.t = 999;
    await value.get();
    expect(source.calls).toBe(1);
    source.value = "v2";
    clock.t = 1_000;
    await expect(value.get()).resolves.toBe("v2");
  });

  it("shares one load among concurrent callers", async () => {
    const { source, value } = setup();
    await Promise.all([value.get(), value.get(), value.get()]);
    expect(source.calls).toBe(1);
  });

  it("reloads for a miss at once after a load that was not for one, then at most once per minIntervalMs", async () => {
    const { clock, source, value } = setup();
    await value.get();
    expect(await value.reloadForMiss()).toBe(true);
    clock.t = 99;
    expect(await value.reloadForMiss()).toBe(false);
    expect(source.calls).toBe(2);
    clock.t = 100;
    expect(await value.reloadForMiss()).toBe(true);
    expect(source.calls).toBe(3);
  });

  it("shares one reload among concurrent misses", async () => {
    const { source, value } = setup();
    await value.get();
    const results = await Promise.all(Array.from({ length: 30 }, () => value.reloadForMiss()));
    expect(source.calls).toBe(2);
    expect(results.every(Boolean)).toBe(true);
  });

  it("serves the last good value while the source fails, backing off exponentially up to the cap", async () => {
    const { clock, source, value } = setup();
    await value.get();
    source.fail = true;
    const attemptsAt: number[] = [];
    for (clock.t = 1_000; clock.t <= 3_000; clock.t += 10) {
      const before = source.calls;
      await expect(value.get()).resolves.toBe("v1");
      if (source.calls > before) attemptsAt.push(clock.t);
    }
    const gaps = attemptsAt.slice(1).map((t, i) => t - (attemptsAt[i] as number));
    expect(gaps.slice(0, 4)).toEqual([50, 100, 200, 400]);
    expect(Math.max(...gaps)).toBe(400);
  });

  it("rejects with the cause when there has never been a good value", async () => {
    const { source, value } = setup();
    source.fail = true;
    await expect(value.get()).rejects.toThrow("down");
  });
});

describe("RefreshingValue with maxStaleMs", () => {
  it("serves the last good value while reloads fail, says so each time, and stops at maxStaleMs", async () => {
    const clock = manualClock(0);
    const stale: number[] = [];
    let fail = false;
    const value = new RefreshingValue(
      async () => {
        if (fail) throw new Error("table unreadable");
        return "good";
      },
      clock,
      {
        maxAgeMs: 100,
        minIntervalMs: 0,
        backoffBaseMs: 0,
        backoffMaxMs: 0,
        maxStaleMs: 1_000,
        onServeStale: (ageMs) => stale.push(ageMs),
      },
    );
    await value.get();
    fail = true;

    clock.t = 500;
    await expect(value.get()).resolves.toBe("good");
    clock.t = 999;
    await expect(value.get()).resolves.toBe("good");
    expect(stale).toEqual([500, 999]);

    clock.t = 1_000;
    await expect(value.get()).rejects.toThrow("table unreadable");
    fail = false;
    await expect(value.get()).resolves.toBe("good");
  });

  describe("when the clock steps back", () => {
    it("treats a value loaded in the future as stale and reloads it, not as fresh until the clock catches up", async () => {
      const { clock, source, value } = setup();
      clock.t = 1_000_000;
      await value.get();
      source.value = "v2";
      clock.t = 1_000_000 - 3_600_000;
      await expect(value.get()).resolves.toBe("v2");
      expect(source.calls).toBe(2);
    });

    it("does not rate-limit or back off for longer than the configured waits", async () => {
      const { clock, source, value } = setup();
      clock.t = 1_000_000;
      await value.get();
      source.fail = true;
      clock.t += options.maxAgeMs;
      await value.get();
      expect(source.calls).toBe(2);
      source.fail = false;
      source.value = "v3";
      clock.t = 1_000_000 - 3_600_000;
      expect(await value.reload()).toBe(true);
      await expect(value.get()).resolves.toBe("v3");
    });

    it("counts the distance in time against maxStaleMs while the source fails", async () => {
      const clock = manualClock(10_000_000);
      let fail = false;
      const stale = new RefreshingValue(
        async () => {
          if (fail) throw new Error("down");
          return "v1";
        },
        clock,
        { ...options, maxStaleMs: 5_000 },
      );
      await stale.get();
      fail = true;
      clock.t -= 60_000;
      await expect(stale.get()).rejects.toThrow("down");
    });
  });
});
