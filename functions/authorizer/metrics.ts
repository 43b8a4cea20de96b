// The authorizer's metrics (functions/shared/metrics.ts) besides the decision's own (Decisions by outcome
// and reason, InternalFailures, StoreLatency: on the decision line, decision-line.ts): provider fetches
// by document and result, users provisioned. Each is a decorator at a seam the authenticator already
// has, so the decision code does not know about metrics.
import { METRIC, MetricUnit, type Metrics } from "../shared/metrics";
import type { UserProvisioner } from "./authenticate";
import type { DecisionSink } from "./decision-log";
import type { JsonFetcher, ProviderDocument } from "./http";

/** Records each decision in every sink, in order. */
export const allSinks = (...sinks: readonly DecisionSink[]): DecisionSink => ({
  record: (decision) => {
    for (const sink of sinks) sink.record(decision);
  },
});

/** Counts every provider document fetch by document and result. */
export const meteredFetcher = (fetcher: JsonFetcher, metrics: Metrics): JsonFetcher => {
  const counted = async <T>(document: ProviderDocument | undefined, fetch: () => Promise<T>): Promise<T> => {
    const dimensions = { document: document ?? "other" };
    try {
      const fetched = await fetch();
      metrics.emit(METRIC.providerFetches, MetricUnit.Count, 1, { ...dimensions, result: "ok" });
      return fetched;
    } catch (error) {
      metrics.emit(METRIC.providerFetches, MetricUnit.Count, 1, { ...dimensions, result: "failed" });
      throw error;
    }
  };
  const withHeaders = fetcher.fetchWithHeaders?.bind(fetcher);
  return {
    fetchJson: (url, document) => counted(document, () => fetcher.fetchJson(url, document)),
    ...(withHeaders && {
      fetchWithHeaders: (url: string, document?: ProviderDocument) =>
        counted(document, () => withHeaders(url, document)),
    }),
  };
};

/** Counts the users created just in time (a refusal is a provisioning_failed decision, counted there). */
export const meteredProvisioner = (provisioner: UserProvisioner, metrics: Metrics): UserProvisioner => ({
  async provision(...args) {
    const created = await provisioner.provision(...args);
    if (created) metrics.emit(METRIC.usersProvisioned, MetricUnit.Count, 1);
    return created;
  },
  bind: (...args) => provisioner.bind(...args),
  onLogin: (...args) => provisioner.onLogin(...args),
});
