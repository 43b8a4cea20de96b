// The stack's operations: alarms and dashboard on the EMF metrics, CORS, edge protection (validation
// expression, throttling) and the exact DynamoDB actions of every function, on the synthesized template.
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { METRIC, METRICS_NAMESPACE } from "../../functions/shared/metrics";
import { SERVICE_NAME } from "../../infra/functions";
import { OidcAuthStack } from "../../infra/stack";

// Each stack bundles every function with esbuild: build once per describe and allow for it.
const BUILD_TIMEOUT_MS = 120_000;

const synth = (context: Record<string, unknown> = {}) => {
  const stack = new OidcAuthStack(new App({ context }), "OidcAuthStack");
  return { stack, template: Template.fromStack(stack) };
};

describe("operations, default context", { timeout: 60_000 }, () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = synth());
  }, BUILD_TIMEOUT_MS);

  describe("alarms and dashboard", () => {
    it("alarms on any internal failure of the authorizer, in the metrics' namespace and service", () => {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: METRICS_NAMESPACE,
        MetricName: METRIC.internalFailures,
        Dimensions: [{ Name: "service", Value: SERVICE_NAME }],
        Statistic: "Sum",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      });
    });

    it("alarms on failed discovery and key-set fetches together", () => {
      const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")) as {
        Properties: { Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: unknown } }[] };
      }[];
      const fetchAlarm = alarms.find((alarm) => alarm.Properties.Metrics !== undefined);
      const queried = fetchAlarm?.Properties.Metrics?.flatMap((entry) =>
        entry.MetricStat ? [entry.MetricStat.Metric] : [],
      );
      expect(queried).toEqual(
        ["discovery", "jwks"].map((document) => ({
          Namespace: METRICS_NAMESPACE,
          MetricName: METRIC.providerFetches,
          Dimensions: expect.arrayContaining([
            { Name: "service", Value: SERVICE_NAME },
            { Name: "document", Value: document },
            { Name: "result", Value: "failed" },
          ]),
        })),
      );
    });

    it("has a dashboard with decisions by reason, failures, store latency, cold starts and provisioning", () => {
      const [dashboard] = Object.values(template.findResources("AWS::CloudWatch::Dashboard")) as {
        Properties: { DashboardBody: unknown };
      }[];
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);
      for (const name of Object.values(METRIC)) expect(body).toContain(name);
      expect(body).toContain("Decisions by outcome and reason");
    });
  });
});
