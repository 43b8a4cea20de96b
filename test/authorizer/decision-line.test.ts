// The deployed decision line (decision-line.ts) against the Powertools Logger and Metrics it stands in for:
// for the same decision and invocation, the same log keys and values, and the same metrics (names, units,
// values, dimensions); the log level and the metrics switch as Powertools reads them; one line, always
// valid JSON, whatever an attacker put in a logged value.
import { Console } from "node:console";
import { Writable } from "node:stream";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import type { Decision } from "../../functions/authorizer/decision-log";
import { DecisionLine, IsoTime, LOG_LEVEL, xrayTraceId } from "../../functions/authorizer/decision-line";
import { Metrics as PowertoolsMetrics, MetricUnit as PowertoolsUnit } from "@aws-lambda-powertools/metrics";
import {
  createMetrics,
  METRIC,
  METRICS_NAMESPACE,
  metricsDisabled,
  type Metrics,
} from "../../functions/shared/metrics";
import type { InvocationLogFields } from "../../functions/shared/lambda-context";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const context = {
  awsRequestId: "req-7",
  functionName: "Authorizer",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:Authorizer",
  memoryLimitInMB: "512",
} as Context;

const invocation: InvocationLogFields = {
  cold_start: true,
  function_arn: context.invokedFunctionArn,
  function_memory_size: context.memoryLimitInMB,
  function_name: context.functionName,
  function_request_id: context.awsRequestId,
};

const allow: Decision = {
  outcome: "allow",
  reason: "authenticated",
  internal: false,
  provider: "corp",
  tokenType: "id",
  route: "GET /api/now/table/incident",
  kid: "key-1",
  alg: "RS256",
  userSysId: "0123456789abcdef0123456789abcdef",
  tokenFingerprint: "0123456789ab",
  durationMs: 1.25,
  storesMs: 0.5,
};
const tokenDeny: Decision = {
  outcome: "deny",
  reason: "token_expired",
  internal: false,
  durationMs: 0.2,
  detail: "exp",
};
/** Our side failed before the stores were asked (the config table): no StoreLatency. */
const earlyInternalDeny: Decision = {
  outcome: "deny",
  reason: "config_store_error",
  internal: true,
  durationMs: 3,
  detail: "config table could not be read",
};
const internalDeny: Decision = {
  outcome: "deny",
  reason: "user_store_error",
  internal: true,
  durationMs: 2000,
  storesMs: 2000,
  detail: "user lookup failed",
};

/** A DecisionLine whose lines are collected, parsed. */
function collecting(options: { metrics?: Metrics; level?: keyof typeof LOG_LEVEL; fields?: InvocationLogFields }) {
  const lines: string[] = [];
  const line = new DecisionLine({
    ...(options.metrics && { metrics: options.metrics }),
    ...(options.level && { logLevel: () => LOG_LEVEL[options.level as keyof typeof LOG_LEVEL] }),
    write: (text) => void lines.push(text),
    invocation: () => options.fields,
  });
  return { line, lines, parsed: () => lines.map((text) => JSON.parse(text) as Record<string, unknown>) };
}

/** What the Powertools Logger writes for `logger.<level>("authorization decision", { decision })`. */
function powertoolsLogLine(decision: Decision, env: Record<string, string>): Record<string, unknown> {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const written: string[] = [];
  const sink = new Writable({
    write: (chunk, _encoding, done) => {
      written.push(String(chunk));
      done();
    },
  });
  const logger = new Logger({ serviceName: "oidc-auth", logLevel: "INFO" });
  Object.assign(logger, { console: new Console({ stdout: sink, stderr: sink }) });
  logger.addContext(context);
  const method = decision.outcome === "allow" ? "info" : decision.internal ? "error" : "warn";
  logger[method]("authorization decision", { decision });
  expect(written).toHaveLength(1);
  return JSON.parse(written[0] as string) as Record<string, unknown>;
}

/** Each metric of EMF lines as { namespace, name, unit, value, dimensions }, sorted by name. */
const metricsOf = (lines: readonly Record<string, unknown>[]) =>
  lines
    .flatMap((line) => {
      const aws = line["_aws"] as
        | {
            CloudWatchMetrics: {
              Namespace: string;
              Dimensions: string[][];
              Metrics: { Name: string; Unit: string }[];
            }[];
          }
        | undefined;
      return (aws?.CloudWatchMetrics ?? []).flatMap((directive) =>
        directive.Metrics.map((metric) => ({
          namespace: directive.Namespace,
          name: metric.Name,
          unit: metric.Unit,
          value: line[metric.Name],
          dimensions: directive.Dimensions.map((set) => Object.fromEntries(set.map((name) => [name, line[name]]))),
        })),
      );
    })
    .sort((a, b) => a.name.localeCompare(b.name));

/** What Powertools Metrics writes (on stdout) for a decision's metrics, one single-metric line each. */
function powertoolsMetricLines(decision: Decision): Record<string, unknown>[] {
  const metrics = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: "oidc-auth" });
  const lines: Record<string, unknown>[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    for (const text of String(chunk).split("\n")) if (text.startsWith("{")) lines.push(JSON.parse(text));
    return true;
  });
  const emit = (name: string, unit: "Count" | "Milliseconds", value: number, dimensions = {}) => {
    const single = metrics.singleMetric();
    single.addDimensions(dimensions);
    single.addMetric(name, PowertoolsUnit[unit], value);
  };
  emit(METRIC.decisions, "Count", 1, { outcome: decision.outcome, reason: decision.reason });
  if (decision.internal) emit(METRIC.internalFailures, "Count", 1);
  if (decision.storesMs !== undefined) emit(METRIC.storeLatency, "Milliseconds", decision.storesMs);
  vi.restoreAllMocks();
  return lines;
}

describe("the decision line", () => {
  it.each([
    ["an allow", allow],
    ["a deny for the token", tokenDeny],
    ["a deny for our side", internalDeny],
  ])("for %s has the keys and values of the Powertools Logger's line, in its order", (_, decision) => {
    const env = {
      _X_AMZN_TRACE_ID: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
      POWERTOOLS_LOGGER_SAMPLE_RATE: "0.1",
      // An on-demand container's first invocation: Powertools' cold_start true.
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    };
    const expected = powertoolsLogLine(decision, env);
    const { line, parsed } = collecting({ level: "INFO", fields: invocation });
    line.record(decision);
    const [ours] = parsed();
    expect(Object.keys(ours ?? {})).toEqual(Object.keys(expected));
    expect({ ...ours, timestamp: "t" }).toEqual({ ...expected, timestamp: "t" });
    expect(ours?.["timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(ours?.["xray_trace_id"]).toBe("1-5759e988-bd862e3fe1be46a994272793");
  });

  it("carries each decision's own metrics when one line writer records many, of the same reasons and not", () => {
    const { line, parsed } = collecting({ metrics: createMetrics("oidc-auth"), level: "INFO" });
    // The same reason with another outcome or another internal flag, and more distinct reasons than the
    // writer keeps the metric members of.
    const decisions: Decision[] = [
      allow,
      tokenDeny,
      { ...tokenDeny, internal: true },
      { ...allow, outcome: "deny" },
      internalDeny,
      { ...internalDeny, internal: false, storesMs: undefined },
      allow,
      ...Array.from({ length: 200 }, (_, i) => ({ ...tokenDeny, reason: `reason_${i % 150}` }) as unknown as Decision),
      tokenDeny,
      { ...tokenDeny, internal: true },
    ];
    for (const decision of decisions) line.record(decision);
    const lines = parsed();
    expect(lines).toHaveLength(decisions.length);
    decisions.forEach((decision, i) => {
      expect(metricsOf([lines[i] as Record<string, unknown>])).toEqual(metricsOf(powertoolsMetricLines(decision)));
    });
  });

  it.each([
    ["an allow", allow],
    ["a deny for the token", tokenDeny],
    ["a deny for our side", internalDeny],
    ["a deny for our side before the stores", earlyInternalDeny],
  ])("for %s carries the metrics Powertools Metrics wrote, on the same line", (_, decision) => {
    const expected = metricsOf(powertoolsMetricLines(decision));
    const { line, lines, parsed } = collecting({ metrics: createMetrics("oidc-auth"), level: "INFO" });
    line.record(decision);
    expect(lines).toHaveLength(1);
    expect(metricsOf(parsed())).toEqual(expected);
    // Every directive names at least one metric, and every metric it names has its value on the line.
    const aws = parsed()[0]?.["_aws"] as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } | undefined;
    const directives = aws?.CloudWatchMetrics ?? [];
    expect(directives.length).toBeGreaterThan(0);
    for (const directive of directives) {
      expect(directive.Metrics.length).toBeGreaterThan(0);
      for (const metric of directive.Metrics) expect(parsed()[0]).toHaveProperty(metric.Name);
    }
    expect(parsed()[0]).toMatchObject({ message: "authorization decision", decision });
    expect(expected.map((metric) => metric.name)).toContain(METRIC.decisions);
  });

  it("leaves out a POWERTOOLS_LOGGER_SAMPLE_RATE that is no number, on a line of valid JSON", () => {
    vi.stubEnv("POWERTOOLS_LOGGER_SAMPLE_RATE", "abc");
    const { line, lines } = collecting({ level: "INFO", fields: invocation });
    line.record(allow);
    expect(JSON.parse(lines[0] as string)).not.toHaveProperty("sampling_rate");
  });

  it.each(["", "0.5"])(
    "treats a POWERTOOLS_LOGGER_SAMPLE_RATE of %j as the Powertools Logger does, on a line of valid JSON",
    (rate) => {
      const expected = powertoolsLogLine(allow, {
        POWERTOOLS_LOGGER_SAMPLE_RATE: rate,
        AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      });
      const { line, lines } = collecting({ level: "INFO", fields: invocation });
      line.record(allow);
      const ours = JSON.parse(lines[0] as string) as Record<string, unknown>;
      expect(ours["sampling_rate"]).toEqual(expected["sampling_rate"]);
      expect(Object.keys(ours)).toEqual(Object.keys(expected));
    },
  );

  it("uses the Powertools Logger's own numeric levels", () => {
    for (const name of Object.keys(LOG_LEVEL) as (keyof typeof LOG_LEVEL)[]) {
      expect(new Logger({ serviceName: "oidc-auth", logLevel: name }).level, name).toBe(LOG_LEVEL[name]);
    }
  });

  it("logs an allow at INFO, a bad token at WARN, our failure at ERROR", () => {
    const { line, parsed } = collecting({ level: "DEBUG" });
    for (const decision of [allow, tokenDeny, internalDeny]) line.record(decision);
    expect(parsed().map((entry) => entry["level"])).toEqual(["INFO", "WARN", "ERROR"]);
  });

  it("leaves out what the logger's level leaves out, but never the metrics", () => {
    const { line, parsed } = collecting({ metrics: createMetrics("oidc-auth"), level: "WARN" });
    line.record(allow);
    line.record(tokenDeny);
    const [allowLine, denyLine] = parsed();
    expect(allowLine).not.toHaveProperty("message");
    expect(allowLine).not.toHaveProperty("decision");
    expect(metricsOf([allowLine ?? {}]).map((metric) => metric.name)).toEqual([METRIC.decisions, METRIC.storeLatency]);
    expect(denyLine).toMatchObject({ level: "WARN", decision: tokenDeny, Decisions: 1 });
  });

  it("writes nothing when neither the log nor the metrics want the decision", () => {
    const silent = collecting({ level: "SILENT" });
    silent.line.record(internalDeny);
    expect(silent.lines).toEqual([]);
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "true");
    const disabled = collecting({ metrics: createMetrics("oidc-auth"), level: "SILENT" });
    disabled.line.record(allow);
    expect(disabled.lines).toEqual([]);
  });

  it("keeps a hostile logged value on one line of valid JSON, as given", () => {
    const kid = 'k"}\n{"level":"INFO","message":"authorization decision","decision":{"outcome":"allow"}}\u2028';
    const { line, lines, parsed } = collecting({ metrics: createMetrics("oidc-auth"), level: "INFO" });
    line.record({ ...tokenDeny, kid });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.trimEnd()).not.toContain("\n");
    expect(parsed()[0]).toMatchObject({ decision: { outcome: "deny", kid } });
  });

  it("reads the logger's level again for each invocation", () => {
    let level: number = LOG_LEVEL.INFO;
    const fields = { ...invocation };
    let current: InvocationLogFields = fields;
    const lines: string[] = [];
    const line = new DecisionLine({
      logLevel: () => level,
      write: (text) => void lines.push(text),
      invocation: () => current,
    });
    line.record(allow);
    level = LOG_LEVEL.ERROR;
    line.record(allow); // the same invocation: its level stays
    current = { ...fields, function_request_id: "req-8", cold_start: false };
    line.record(allow);
    expect(lines.map((text) => JSON.parse(text)["function_request_id"])).toEqual(["req-7", "req-7"]);
  });

  it("carries each invocation's own X-Ray trace id, and reads it for every line outside an invocation", () => {
    const env: NodeJS.ProcessEnv = { _X_AMZN_TRACE_ID: "Root=1-aaa;Sampled=1" };
    let current: InvocationLogFields | undefined = { ...invocation };
    const lines: string[] = [];
    const line = new DecisionLine({
      logLevel: () => LOG_LEVEL.INFO,
      write: (text) => void lines.push(text),
      invocation: () => current,
      env,
    });
    line.record(allow);
    current = { ...invocation, function_request_id: "req-8", cold_start: false };
    env["_X_AMZN_TRACE_ID"] = "Root=1-bbb;Sampled=1";
    line.record(allow);
    current = undefined;
    env["_X_AMZN_TRACE_ID"] = "Root=1-ccc;Sampled=1";
    line.record(allow);
    delete env["_X_AMZN_TRACE_ID"];
    line.record(allow);
    expect(lines.map((text) => JSON.parse(text)["xray_trace_id"])).toEqual(["1-aaa", "1-bbb", "1-ccc", undefined]);
  });
});

describe("IsoTime", () => {
  it("writes every time as Date's toISOString does, also across seconds and in any order", () => {
    const time = new IsoTime();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 4_102_444_800_000 }),
          fc.constantFrom(0, 999, 1000, 1001, 1_764_676_799_999, 1_764_676_800_000, 253_402_300_799_999),
        ),
        (ms) => {
          expect(time.of(ms)).toBe(new Date(ms).toISOString());
        },
      ),
      { numRuns: 5000 },
    );
    // Milliseconds within one second, so the cached part is used: 5, 50 and 500 are padded.
    for (const ms of [1_764_676_800_005, 1_764_676_800_050, 1_764_676_800_500, 1_764_676_800_000]) {
      expect(time.of(ms)).toBe(new Date(ms).toISOString());
    }
  });
});

describe("xrayTraceId", () => {
  it("is the header's Root, as Powertools reads it", () => {
    expect(xrayTraceId("Root=1-abc;Parent=def;Sampled=1")).toBe("1-abc");
    expect(xrayTraceId("Parent=def;Root=1-xyz")).toBe("1-xyz");
    expect(xrayTraceId("Parent=def")).toBeUndefined();
    expect(xrayTraceId("")).toBeUndefined();
    expect(xrayTraceId(undefined)).toBeUndefined();
  });
});

describe("metricsDisabled", () => {
  it.each<[string, Record<string, string>]>([
    ["nothing set", {}],
    ["POWERTOOLS_METRICS_DISABLED=true", { POWERTOOLS_METRICS_DISABLED: "true" }],
    ["POWERTOOLS_METRICS_DISABLED=1", { POWERTOOLS_METRICS_DISABLED: "1" }],
    ["POWERTOOLS_METRICS_DISABLED=false", { POWERTOOLS_METRICS_DISABLED: "false" }],
    ["POWERTOOLS_DEV=true", { POWERTOOLS_DEV: "true" }],
    ["POWERTOOLS_DEV=0", { POWERTOOLS_DEV: "0" }],
  ])("agrees with Powertools Metrics with %s", (_, env) => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const printed: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    const powertools = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: "oidc-auth" });
    powertools.addMetric("Probe", PowertoolsUnit.Count, 1);
    powertools.publishStoredMetrics();
    vi.restoreAllMocks();
    const disabled = !printed.some((text) => text.includes('"Probe"'));
    expect(metricsDisabled(process.env)).toBe(disabled);
    expect(createMetrics("oidc-auth").disabled).toBe(disabled);
  });
});
