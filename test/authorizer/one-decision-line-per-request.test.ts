// What a request leaves in the log (README, Reason codes): one decision line, at info for an allow, warn for
// a bad token and error only when our side failed, with `internal` telling the two denies apart; an
// "authorizer fault" error line only for a fault, never for a token that was merely bad.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  capturingLogger,
  createAuthorizerFixture,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import { LoggerDecisionSink, type Decision } from "../../functions/authorizer/decision-log";
import type { UserProvisioner } from "../../functions/authorizer/authenticate";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer()]);
  await putProvider(dynamo, { name: "local", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
  await putUser(dynamo, { user_name: "alice", email: "alice@example.com" });
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), issuer?.close()]);
});

beforeEach(() => {
  fixture = createAuthorizerFixture(dynamo);
});

const errorLines = () => fixture.logger.lines.filter((line) => line.level === "error").map((line) => line.message);

describe("through the authorizer", () => {
  it("records an allow as not internal, with no error line", async () => {
    await fixture.authorize(await issuer.mint({ email: "alice@example.com" }));

    expect(fixture.decisions).toHaveLength(1);
    expect(fixture.lastDecision()).toMatchObject({ outcome: "allow", reason: "authenticated", internal: false });
    expect(errorLines()).toEqual([]);
  });

  it("denies, and records a deny, when the allow cannot be recorded", async () => {
    const recorded: Decision[] = [];
    const failing = createAuthorizerFixture(dynamo);
    Object.assign(failing.deps, {
      decisions: {
        record: (decision: Decision) => {
          // Each decision as it is at the time it is recorded.
          recorded.push({ ...decision });
          if (decision.outcome === "allow") throw new Error("log sink unavailable");
        },
      },
    });
    await expect(failing.authorize(await issuer.mint({ email: "alice@example.com" }))).rejects.toThrow(
      /^Unauthorized$/,
    );
    expect(recorded.map(({ outcome, reason }) => ({ outcome, reason }))).toEqual([
      { outcome: "allow", reason: "authenticated" },
      { outcome: "deny", reason: "internal_error" },
    ]);
    expect(recorded[1]).toMatchObject({ internal: true, detail: "log sink unavailable" });
  });

  it("times the decision and its stores to the microsecond", async () => {
    await fixture.authorize(await issuer.mint({ email: "alice@example.com" }));
    const { durationMs, storesMs } = fixture.lastDecision();
    for (const ms of [durationMs, storesMs]) {
      expect(ms).toBeGreaterThan(0);
      expect(String(ms)).toMatch(/^\d+(\.\d{1,3})?$/);
    }
    expect(storesMs).toBeLessThanOrEqual(durationMs as number);
  });

  it.each([
    ["a token that is not a JWT", async () => "not-a-jwt"],
    [
      "an expired token",
      async () => issuer.mint({ email: "alice@example.com", exp: Math.floor(Date.now() / 1000) - 600 }),
    ],
    ["a token of nobody we know", async () => issuer.mint({ sub: "nobody", email: "nobody@example.com" })],
  ])("records a deny for %s as not internal, with no error line", async (_, token) => {
    await expect(fixture.authorize(await token())).rejects.toThrow(/^Unauthorized$/);

    expect(fixture.decisions).toHaveLength(1);
    expect(fixture.lastDecision()).toMatchObject({ outcome: "deny", internal: false });
    expect(errorLines()).toEqual([]);
  });

  it("records a fault of ours as internal_error, with one authorizer fault line", async () => {
    const broken: UserProvisioner = {
      provision: async () => {
        throw new Error("a bug");
      },
      bind: async () => {
        throw new Error("a bug");
      },
      onLogin: async () => {
        throw new Error("a bug");
      },
    };
    const faulty = createAuthorizerFixture(dynamo, { provisioner: broken });

    await expect(faulty.authorize(await issuer.mint({ email: "alice@example.com" }))).rejects.toThrow(/^Unauthorized$/);

    expect(faulty.lastDecision()).toMatchObject({ outcome: "deny", reason: "internal_error", internal: true });
    // Besides the decision line itself (internal denies log at error level), exactly one fault line.
    expect(
      faulty.logger.lines
        .filter((line) => line.level === "error" && line.message !== "authorization decision")
        .map((line) => line.message),
    ).toEqual(["authorizer fault"]);
  });
});

describe("LoggerDecisionSink", () => {
  const decision = (fields: Partial<Decision>): Decision => ({
    outcome: "deny",
    reason: "token_expired",
    internal: false,
    durationMs: 1,
    ...fields,
  });

  it.each<[string, Partial<Decision>, string]>([
    ["an allow", { outcome: "allow", reason: "authenticated" }, "info"],
    ["a deny for the token", {}, "warn"],
    ["a deny for our failure", { reason: "user_store_error", internal: true }, "error"],
  ])("logs %s at %s", (_, fields, level) => {
    const logger = capturingLogger();
    new LoggerDecisionSink(logger).record(decision(fields));
    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([[level, "authorization decision"]]);
  });
});
