// The config cache at its production defaults (README, Caching and availability): re-read every 30 s, and
// while the table is unreadable the last good copy serves for up to 15 min, then every request is denied.
import { describe, expect, it } from "vitest";
import { CachedConfig, type ConfigSource } from "../../functions/config/store";
import { capturingLogger } from "../kit/authorizer-fixture";
import { manualClock } from "../kit/clock";

const snapshot = { providers: [], properties: new Map(), acls: new Map(), tables: [] };

function flakySource(): ConfigSource & { loads: number; failing: boolean } {
  const source = {
    loads: 0,
    failing: false,
    load: async () => {
      source.loads++;
      if (source.failing) throw new Error("table unreadable");
      return snapshot;
    },
  };
  return source;
}

describe("the config cache at its defaults", () => {
  it("re-reads the table after 30 s, not before", async () => {
    const clock = manualClock(0);
    const source = flakySource();
    const config = new CachedConfig(source, clock, capturingLogger());

    await config.get();
    clock.t = 29_999;
    await config.get();
    expect(source.loads).toBe(1);
    clock.t = 30_000;
    await config.get();
    expect(source.loads).toBe(2);
  });

  it("serves the last good copy for up to 15 min of outage, with a warning each time, then fails", async () => {
    const clock = manualClock(0);
    const source = flakySource();
    const logger = capturingLogger();
    const config = new CachedConfig(source, clock, logger);
    await config.get();

    source.failing = true;
    clock.t = 15 * 60_000 - 1;
    await expect(config.get()).resolves.toBe(snapshot);
    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([
      ["warn", "config table unreadable, serving the last good config"],
    ]);

    clock.t = 15 * 60_000;
    await expect(config.get()).rejects.toThrow("table unreadable");
  });
});
