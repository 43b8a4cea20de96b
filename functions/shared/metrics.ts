// CloudWatch metrics in Embedded Metric Format, one emitter per process: each metric is a JSON line on
// stdout that CloudWatch Logs turns into a metric, so emitting costs no API call. Dimensions are
// low-cardinality by construction (outcome, reason code, document, result, function name): never a user,
// a token, an issuer or a URL.
//
// The lines are the ones Powertools Metrics writes for the same metric (test/shared/metrics.test.ts holds
// them to it), written by this small emitter instead: Powertools Metrics was 10 KiB of every bundle and
// about 15 µs per metric on the authorizer's path (README, Performance).

/** The one namespace of every metric of the system; the stack's alarms and dashboard read it. */
export const METRICS_NAMESPACE = "OidcAuth";

/** Every metric name, so the emitters and the stack's alarms cannot drift apart. */
export const METRIC = {
  /** One per authorizer decision; dimensions outcome (allow|deny) and reason (the reason code). */
  decisions: "Decisions",
  /** One per deny whose reason is internal (our side failed); no dimension but the service. */
  internalFailures: "InternalFailures",
  /** Milliseconds in the replay write and user lookup, per decision that got that far. */
  storeLatency: "StoreLatency",
  /** One per provider document fetch; dimensions document (discovery|jwks) and result (ok|failed). */
  providerFetches: "ProviderFetches",
  /** One per user created just in time. */
  usersProvisioned: "UsersProvisioned",
  /** One per container, at its first invocation (dimension function_name), as Powertools counts it. */
  coldStart: "ColdStart",
} as const;

/** The units this system's metrics use (CloudWatch's names). */
export const MetricUnit = { Count: "Count", Milliseconds: "Milliseconds" } as const;
export type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

const TRUTHY = new Set(["1", "y", "yes", "t", "true", "on"]);
const flag = (value: string | undefined): boolean => value !== undefined && TRUTHY.has(value.toLowerCase());

/**
 * Whether metrics are switched off, as Powertools reads it: POWERTOOLS_METRICS_DISABLED when set, else its
 * dev mode (POWERTOOLS_DEV).
 */
export const metricsDisabled = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env["POWERTOOLS_METRICS_DISABLED"] !== undefined
    ? flag(env["POWERTOOLS_METRICS_DISABLED"])
    : flag(env["POWERTOOLS_DEV"]);

/** One metric directive of an EMF document (`_aws.CloudWatchMetrics[]`). */
export const emfDirective = (
  dimensions: readonly string[],
  metrics: readonly (readonly [string, MetricUnitName])[],
) => ({
  Namespace: METRICS_NAMESPACE,
  Dimensions: [dimensions],
  Metrics: metrics.map(([name, unit]) => ({ Name: name, Unit: unit })),
});

interface MetricsOptions {
  /** The `service` dimension every metric has. */
  readonly service: string;
  /** Where the lines go (stdout). */
  readonly write?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

const writeStdout = (line: string): void => {
  process.stdout.write(line);
};

export class Metrics {
  readonly service: string;
  /** Off (POWERTOOLS_METRICS_DISABLED, or POWERTOOLS_DEV): nothing is written. */
  readonly disabled: boolean;
  private readonly write: (line: string) => void;

  constructor(options: MetricsOptions) {
    this.service = options.service;
    this.disabled = metricsDisabled(options.env ?? process.env);
    this.write = options.write ?? writeStdout;
  }

  /** Emits one metric now, on its own EMF line, with `dimensions` added to the service. */
  emit(name: string, unit: MetricUnitName, value: number, dimensions: Readonly<Record<string, string>> = {}): void {
    if (this.disabled) return;
    const line = {
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [emfDirective(["service", ...Object.keys(dimensions)], [[name, unit]])],
      },
      service: this.service,
      ...dimensions,
      [name]: value,
    };
    this.write(`${JSON.stringify(line)}\n`);
  }
}

export const createMetrics = (service = process.env["POWERTOOLS_SERVICE_NAME"] ?? "oidc-auth"): Metrics =>
  new Metrics({ service });

export const metrics = createMetrics();
