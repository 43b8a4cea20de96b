// The deployed authorizer's decision line: one JSON line per request that is both the log line the
// Powertools Logger would write (same keys, same values) and the EMF document of the decision's metrics
// (Decisions by outcome and reason, InternalFailures, StoreLatency), serialized once and written once.
// Through the Powertools Logger and Metrics the same line and its two metric lines cost 40-80 µs per
// call, more than the signature check (README, Performance); this writes the same fields for a few µs.
// Every other line of the authorizer still goes through the Powertools Logger.
import { invocationLogFields, type InvocationLogFields } from "../shared/lambda-context";
import { emfDirective, METRIC, MetricUnit, type Metrics } from "../shared/metrics";
import type { Decision, DecisionSink } from "./decision-log";

/** Powertools' numeric log levels (LogLevelThreshold): a line is written when its level is at or above the logger's. */
export const LOG_LEVEL = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;

interface DecisionLineOptions {
  /** The decision's metrics (EMF on the same line): their service and their switch are read from it. */
  readonly metrics?: Metrics;
  /**
   * The logger's current level (the Powertools Logger's numeric `level`; read once per invocation, as
   * sampling may change it). Without it the line carries only the metrics: another sink writes the log line.
   */
  readonly logLevel?: () => number;
  /** Where the line goes: stdout, as the Powertools Logger and Metrics write. */
  readonly write?: (line: string) => void;
  /** The invocation's Lambda context fields (functions/shared/lambda-context.ts). */
  readonly invocation?: () => InvocationLogFields | undefined;
  /** `_X_AMZN_TRACE_ID` is read once per invocation (Lambda sets it for each), and for every line outside one. */
  readonly env?: NodeJS.ProcessEnv;
}

const writeStdout = (line: string): void => {
  process.stdout.write(line);
};

/** `Root=1-…;Parent=…;Sampled=1` -> its Root, as Powertools' getXRayTraceIdFromEnv. */
export function xrayTraceId(header: string | undefined): string | undefined {
  if (header === undefined || header === "") return undefined;
  for (const part of header.split(";")) {
    if (part.startsWith("Root=")) return part.slice(5);
  }
  return undefined;
}

/**
 * `new Date(ms).toISOString()`, with the part down to the second computed once per second: the line's
 * timestamp otherwise costs about a microsecond, more than any other field.
 */
export class IsoTime {
  private second = Number.NaN;
  private prefix = "";

  of(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      // `…T12:34:56.000Z` without its `000Z`: the milliseconds follow.
      this.prefix = new Date(second * 1000).toISOString().slice(0, -4);
    }
    const milli = ms - second * 1000;
    return `${this.prefix}${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
  }
}

/** The metric directives of a decision's EMF, by which of the service-only metrics it has, as JSON. */
function directives(internal: boolean, stores: boolean): string {
  const serviceOnly = [
    ...(internal ? [[METRIC.internalFailures, MetricUnit.Count] as const] : []),
    ...(stores ? [[METRIC.storeLatency, MetricUnit.Milliseconds] as const] : []),
  ];
  return JSON.stringify([
    emfDirective(["service", "outcome", "reason"], [[METRIC.decisions, MetricUnit.Count]]),
    ...(serviceOnly.length > 0 ? [emfDirective(["service"], serviceOnly)] : []),
  ]);
}

/** `,"CloudWatchMetrics":…}` by [internal][stores]: computed once, the same for every line. */
const DIRECTIVES = [
  [metricsMember(false, false), metricsMember(false, true)],
  [metricsMember(true, false), metricsMember(true, true)],
] as const;

function metricsMember(internal: boolean, stores: boolean): string {
  return `,"CloudWatchMetrics":${directives(internal, stores)}}`;
}

const lineStart = (level: string): string => `{"level":"${level}","message":"authorization decision","timestamp":"`;
/** Everything before the timestamp, by level. */
const LINE_START = { INFO: lineStart("INFO"), WARN: lineStart("WARN"), ERROR: lineStart("ERROR") } as const;

/** Most distinct reasons a decision line keeps the metric members of (there are fewer reason codes). */
const MAX_CACHED_REASONS = 128;

/**
 * The line is put together from JSON fragments: the constant ones (service, the metric directives, the
 * invocation's fields, the members of each outcome and reason) serialized once, the decision with
 * JSON.stringify per line, in as few pieces as that allows. `test/authorizer/
 * decision-line.test.ts` holds it to what the Powertools Logger and Metrics write for the same decision.
 */
export class DecisionLine implements DecisionSink {
  private readonly service: string;
  private readonly emf: boolean;
  private readonly write: (line: string) => void;
  private readonly invocation: () => InvocationLogFields | undefined;
  private readonly env: NodeJS.ProcessEnv;
  /** `,"sampling_rate":…` or nothing. */
  private readonly sampling: string;
  /** The invocation the cached level and fields belong to (the level may change per invocation, with sampling). */
  private cachedFor: InvocationLogFields | undefined;
  private cachedLevel: number = LOG_LEVEL.INFO;
  /**
   * From the timestamp's closing quote to the decision: service, the invocation's fields, the sampling
   * rate and the X-Ray trace id (`_X_AMZN_TRACE_ID` changes per invocation), read with the level.
   */
  private context = "";
  private readonly time = new IsoTime();
  /** `,"outcome":…,"reason":…,"Decisions":1` (and InternalFailures) by [outcome is allow][internal], then reason. */
  private readonly outcomeMembers = [
    [new Map<string, string>(), new Map<string, string>()],
    [new Map<string, string>(), new Map<string, string>()],
  ] as const;

  constructor(private readonly options: DecisionLineOptions) {
    const { metrics } = options;
    this.service = JSON.stringify(metrics?.service ?? process.env["POWERTOOLS_SERVICE_NAME"] ?? "oidc-auth");
    this.env = options.env ?? process.env;
    this.emf = metrics !== undefined && !metrics.disabled;
    this.write = options.write ?? writeStdout;
    this.invocation = options.invocation ?? invocationLogFields;
    const rate = this.env["POWERTOOLS_LOGGER_SAMPLE_RATE"];
    // As Powertools reads it ("" is 0); a value that is no number (Powertools refuses to start) is left out.
    this.sampling = rate !== undefined && Number.isFinite(Number(rate)) ? `,"sampling_rate":${Number(rate)}` : "";
  }

  record(decision: Decision): void {
    const level = decision.outcome === "allow" ? "INFO" : decision.internal ? "ERROR" : "WARN";
    const threshold = this.options.logLevel && this.levelNow(this.options.logLevel);
    const logged = threshold !== undefined && LOG_LEVEL[level] >= threshold;
    if (!logged && !this.emf) return;
    const nowMs = Date.now();
    let line = logged
      ? `${LINE_START[level]}${this.time.of(nowMs)}${this.context}${JSON.stringify(decision)}`
      : `{"service":${this.service}`;
    if (this.emf) {
      const stores = decision.storesMs === undefined ? 0 : 1;
      line += `,"_aws":{"Timestamp":${nowMs}${DIRECTIVES[decision.internal ? 1 : 0][stores]}${this.outcomeMembersOf(decision)}`;
      if (stores) line += `,"${METRIC.storeLatency}":${JSON.stringify(decision.storesMs)}`;
    }
    this.write(`${line}}\n`);
  }

  /** The outcome and reason dimensions with the Decisions count (and InternalFailures), as JSON members. */
  private outcomeMembersOf({ outcome, reason, internal }: Decision): string {
    const byReason = this.outcomeMembers[outcome === "allow" ? 1 : 0][internal ? 1 : 0];
    let members = byReason.get(reason);
    if (members === undefined) {
      // outcome and reason are snake_case identifiers (Decision, AUTH_REASON_CODES): nothing in them to escape.
      members = `,"outcome":"${outcome}","reason":"${reason}","${METRIC.decisions}":1${internal ? `,"${METRIC.internalFailures}":1` : ""}`;
      if (byReason.size < MAX_CACHED_REASONS) byReason.set(reason, members);
    }
    return members;
  }

  /**
   * The logger's level, read once per invocation (and every time outside one); the invocation's fields
   * and its trace id with it.
   */
  private levelNow(logLevel: () => number): number {
    const invocation = this.invocation();
    if (invocation === undefined || invocation !== this.cachedFor) {
      this.cachedLevel = logLevel();
      const fields = invocation ? `,${JSON.stringify(invocation).slice(1, -1)}` : "";
      const id = xrayTraceId(this.env["_X_AMZN_TRACE_ID"]);
      const trace = id === undefined ? "" : `,"xray_trace_id":${JSON.stringify(id)}`;
      this.context = `","service":${this.service}${fields}${this.sampling}${trace},"decision":`;
      this.cachedFor = invocation;
    }
    return this.cachedLevel;
  }
}
