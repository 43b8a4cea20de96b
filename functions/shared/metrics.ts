// CloudWatch metrics in Embedded Metric Format (Powertools Metrics), one instance per process: each metric
// is a JSON line on stdout that CloudWatch Logs turns into a metric, so emitting costs no API call.
// Dimensions are low-cardinality by construction (outcome, reason code, document, result): never a user,
// a token, an issuer or a URL.
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

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
  /** Powertools' own cold-start metric (dimension function_name). */
  coldStart: "ColdStart",
} as const;

export { MetricUnit };
export type { Metrics };

/** The service each Metrics of ours was made for: its one default dimension (Powertools keeps it private). */
const services = new WeakMap<Metrics, string>();

export const createMetrics = (serviceName = process.env["POWERTOOLS_SERVICE_NAME"] ?? "oidc-auth"): Metrics => {
  const created = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  services.set(created, serviceName);
  return created;
};

const TRUTHY = new Set(["1", "y", "yes", "t", "true", "on"]);
const flag = (value: string | undefined): boolean => value !== undefined && TRUTHY.has(value.toLowerCase());

/**
 * Whether Powertools Metrics is switched off in this environment (its `isDisabled()` is not public):
 * POWERTOOLS_METRICS_DISABLED when set, else its dev mode (POWERTOOLS_DEV), each in Powertools' parsing.
 */
export const metricsDisabled = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env["POWERTOOLS_METRICS_DISABLED"] !== undefined
    ? flag(env["POWERTOOLS_METRICS_DISABLED"])
    : flag(env["POWERTOOLS_DEV"]);

/** The `service` dimension of a Metrics made by createMetrics. */
export const serviceOf = (target: Metrics): string => services.get(target) ?? "oidc-auth";

export const metrics = createMetrics();

/**
 * One single-metric emitter per Metrics, made on first use: Powertools' singleMetric() builds a new
 * Metrics (with its own Console and environment reads) per call, which cost the authorizer more than its
 * decision line. An emitter publishes, and clears its dimensions, at every addMetric; it keeps the default
 * dimensions `target` had when it was made (ours are set once, at construction).
 */
const emitters = new WeakMap<Metrics, Metrics>();

/** Emits one metric now, on its own EMF line, with `dimensions` added to the service's. */
export function emitMetric(
  target: Metrics,
  name: string,
  unit: (typeof MetricUnit)[keyof typeof MetricUnit],
  value: number,
  dimensions: Readonly<Record<string, string>> = {},
): void {
  let single = emitters.get(target);
  if (single === undefined) {
    single = target.singleMetric();
    emitters.set(target, single);
  }
  try {
    single.addDimensions({ ...dimensions });
    single.addMetric(name, unit, value);
  } catch (error) {
    // Nothing of a metric that failed may reach the next one.
    single.clearMetrics();
    single.clearDimensions();
    throw error;
  }
}
