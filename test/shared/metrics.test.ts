// Our EMF emitter (functions/shared/metrics.ts) against Powertools Metrics, which it replaced: for the same
// metric, the same line (keys, their order, values, the metric directive); nothing when switched off.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Metrics as PowertoolsMetrics, MetricUnit as PowertoolsUnit } from "@aws-lambda-powertools/metrics";
import { METRIC, METRICS_NAMESPACE, Metrics, MetricUnit, type MetricUnitName } from "../../functions/shared/metrics";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The JSON lines `run` writes to stdout. */
function stdoutLines(run: () => void): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    for (const text of String(chunk).split("\n")) if (text.startsWith("{")) lines.push(JSON.parse(text));
    return true;
  });
  try {
    run();
  } finally {
    vi.restoreAllMocks();
  }
  return lines;
}

/** A line without its timestamp, which differs by the milliseconds between the two writes. */
const untimed = (line: Record<string, unknown> | undefined) => {
  const aws = line?.["_aws"] as { Timestamp: number } | undefined;
  expect(aws?.Timestamp).toBeGreaterThan(Date.parse("2026-01-01"));
  return JSON.stringify({ ...line, _aws: { ...aws, Timestamp: 0 } });
};

const cases: [string, MetricUnitName, number, Record<string, string>][] = [
  [METRIC.decisions, MetricUnit.Count, 1, { outcome: "deny", reason: "token_expired" }],
  [METRIC.providerFetches, MetricUnit.Count, 1, { document: "jwks", result: "failed" }],
  [METRIC.storeLatency, MetricUnit.Milliseconds, 12.75, {}],
  [METRIC.usersProvisioned, MetricUnit.Count, 1, {}],
];

describe("the EMF emitter", () => {
  it.each(cases)("writes %s as Powertools Metrics writes it, key for key", (name, unit, value, dimensions) => {
    const [expected] = stdoutLines(() => {
      const single = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: "oidc-auth" }).singleMetric();
      single.addDimensions(dimensions);
      single.addMetric(name, PowertoolsUnit[unit], value);
    });
    const ours = stdoutLines(() => new Metrics({ service: "oidc-auth" }).emit(name, unit, value, dimensions));
    expect(ours).toHaveLength(1);
    expect(untimed(ours[0])).toBe(untimed(expected));
  });

  it("counts a cold start as Powertools' captureColdStartMetric does", () => {
    vi.stubEnv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    const [expected] = stdoutLines(() =>
      new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: "oidc-auth" }).captureColdStartMetric(
        "Authorizer",
      ),
    );
    const ours = stdoutLines(() =>
      new Metrics({ service: "oidc-auth" }).emit(METRIC.coldStart, MetricUnit.Count, 1, {
        function_name: "Authorizer",
      }),
    );
    expect(untimed(ours[0])).toBe(untimed(expected));
  });

  it("writes nothing when metrics are switched off", () => {
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "true");
    expect(
      stdoutLines(() => new Metrics({ service: "oidc-auth" }).emit(METRIC.decisions, MetricUnit.Count, 1)),
    ).toEqual([]);
  });
});
