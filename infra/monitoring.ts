// Alarms and a dashboard on the EMF metrics the functions write (functions/shared/metrics.ts): internal
// failures of the authorizer, provider fetch failures, and decisions, latency and cold starts at a glance.
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { Construct } from "constructs";
import { METRIC, METRICS_NAMESPACE } from "../functions/shared/metrics";

interface MonitoringProps {
  /** The service dimension of every metric (POWERTOOLS_SERVICE_NAME of the functions). */
  readonly serviceName: string;
}

const PERIOD = Duration.minutes(5);

export class Monitoring extends Construct {
  readonly internalFailuresAlarm: cloudwatch.Alarm;
  readonly fetchFailuresAlarm: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const metric = (metricName: string, dimensions: Record<string, string> = {}, statistic = "Sum") =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: props.serviceName, ...dimensions },
        statistic,
        period: PERIOD,
      });
    const fetchFailures = new cloudwatch.MathExpression({
      label: "provider fetch failures",
      expression: "discovery + jwks",
      usingMetrics: {
        discovery: metric(METRIC.providerFetches, { document: "discovery", result: "failed" }),
        jwks: metric(METRIC.providerFetches, { document: "jwks", result: "failed" }),
      },
      period: PERIOD,
    });

    // Any internal failure is a deny we owe to our own side (DynamoDB, a provider outage, a bug): page on one.
    this.internalFailuresAlarm = new cloudwatch.Alarm(this, "InternalFailures", {
      alarmDescription: "The authorizer denied requests because our side failed (store, provider or bug).",
      metric: metric(METRIC.internalFailures),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // One failed fetch is absorbed by the last good copy and the back-off; three in 5 min is an outage.
    this.fetchFailuresAlarm = new cloudwatch.Alarm(this, "ProviderFetchFailures", {
      alarmDescription: "Discovery or key-set fetches of an OpenID provider are failing.",
      metric: fetchFailures,
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const decisionsByReason = new cloudwatch.MathExpression({
      label: "",
      expression: `SEARCH('{${METRICS_NAMESPACE},service,outcome,reason} MetricName="${METRIC.decisions}" service="${props.serviceName}"', 'Sum', 300)`,
      period: PERIOD,
    });
    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: "Decisions by outcome and reason",
            left: [decisionsByReason],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: "Internal failures and fetch failures",
            left: [metric(METRIC.internalFailures), fetchFailures],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: "Store latency (ms)",
            left: [metric(METRIC.storeLatency, {}, "p50"), metric(METRIC.storeLatency, {}, "p99")],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: "Cold starts",
            left: [
              new cloudwatch.MathExpression({
                label: "",
                expression: `SEARCH('{${METRICS_NAMESPACE},service,function_name} MetricName="${METRIC.coldStart}"', 'Sum', 300)`,
                period: PERIOD,
              }),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({ title: "Users provisioned", left: [metric(METRIC.usersProvisioned)], width: 8 }),
        ],
      ],
    });
  }
}
