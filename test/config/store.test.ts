// Config items: a bad item disables only itself, with a log line that names the field.
import { describe, expect, it } from "vitest";
import {
  CachedConfig,
  isDebugEnabled,
  logInvalidItems,
  ALL_CONFIG_ITEMS,
  parseConfigItems,
  type ConfigSource,
} from "../../functions/config/store";
import { aclKey, providerKey, propertyKey } from "../../functions/config/schema";
import { capturingLogger } from "../kit/authorizer-fixture";
import { manualClock } from "../kit/clock";

const good = {
  pk: providerKey("okta"),
  name: "okta",
  metadataUrl: "https://okta.example/.well-known/openid-configuration",
  clientId: "c1",
};

describe("parseConfigItems", () => {
  it("disables a malformed provider with a log line and keeps the others", () => {
    const logger = capturingLogger();
    const snapshot = parseConfigItems(
      [
        good,
        { pk: providerKey("typo"), name: "typo", metadataUrl: "not a url", clientId: "c2" },
        {
          pk: providerKey("extra"),
          name: "extra",
          metadataUrl: "https://x.example/",
          clientId: "c3",
          clientSecret: "oops",
        },
        { pk: providerKey("renamed"), name: "other", metadataUrl: "https://x.example/", clientId: "c4" },
      ],
      logInvalidItems(logger),
      ALL_CONFIG_ITEMS,
    );

    expect(snapshot.providers.map((p) => p.name)).toEqual(["okta"]);
    const problems = logger.lines.filter((l) => l.level === "error").map((l) => JSON.stringify(l.attributes));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain("metadataUrl");
    expect(problems[1]).toContain("clientSecret");
    expect(problems[2]).toContain("name");
    expect(problems.join()).not.toContain("oops");
  });

  it("applies defaults: email claim and field, 60 s skew, asymmetric algorithms only", () => {
    const [provider] = parseConfigItems([good], logInvalidItems(capturingLogger()), ALL_CONFIG_ITEMS).providers;
    expect(provider).toMatchObject({ userClaim: "email", userField: "email", clockSkewSeconds: 60, active: true });
    expect(provider?.allowedAlgorithms).not.toContain("HS256");
  });

  it("keeps valid ACLs by table and drops an invalid one with a log line", () => {
    const logger = capturingLogger();
    const snapshot = parseConfigItems(
      [
        { pk: aclKey("incident"), table: "incident", read: ["itil"], write: ["itil"] },
        { pk: aclKey("problem"), table: "problem", read: "itil" },
      ],
      logInvalidItems(logger),
      ALL_CONFIG_ITEMS,
    );
    expect([...snapshot.acls.keys()]).toEqual(["incident"]);
    expect(snapshot.acls.get("incident")).toEqual({
      table: "incident",
      read: ["itil"],
      create: [],
      write: ["itil"],
      delete: [],
    });
    expect(JSON.stringify(logger.lines)).toContain("read");
  });

  it("reads the seed's debug switches", () => {
    const on = parseConfigItems(
      [
        {
          pk: propertyKey("com.snc.platform.security.oauth.debug"),
          name: "com.snc.platform.security.oauth.debug",
          value: "TRUE",
        },
      ],
      logInvalidItems(capturingLogger()),
      ALL_CONFIG_ITEMS,
    );
    const off = parseConfigItems(
      [{ pk: propertyKey("glide.auth.debug.enabled"), name: "glide.auth.debug.enabled", value: "false" }],
      logInvalidItems(capturingLogger()),
      ALL_CONFIG_ITEMS,
    );
    expect(isDebugEnabled(on)).toBe(true);
    expect(isDebugEnabled(off)).toBe(false);
  });
});

describe("CachedConfig", () => {
  const clock = manualClock(0);
  const snapshot = { providers: [], properties: new Map(), acls: new Map(), tables: [] };

  it("re-reads after the TTL and serves the last good copy while the table is unreadable", async () => {
    let loads = 0;
    let failing = false;
    const source: ConfigSource = {
      load: async () => {
        loads++;
        if (failing) throw new Error("table unreadable");
        return snapshot;
      },
    };
    const config = new CachedConfig(source, clock, capturingLogger(), 1_000, 10_000);

    await config.get();
    await config.get();
    expect(loads).toBe(1);

    failing = true;
    clock.t = 5_000;
    await expect(config.get()).resolves.toBe(snapshot);
    expect(loads).toBe(2);

    clock.t = 20_000;
    await expect(config.get()).rejects.toThrow("table unreadable");
  });
});
