// The stack's operations: alarms and dashboard on the EMF metrics, CORS, edge protection (validation
// expression, throttling) and the exact DynamoDB actions of every function, on the synthesized template.
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { CORS_ORIGINS_ENV } from "../../functions/http/cors";
import { AUTHORIZER_TOKEN_PATTERN, ROUTES, THROTTLING, WRITE_METHODS } from "../../functions/http/routes";
import { METRIC, METRICS_NAMESPACE } from "../../functions/shared/metrics";
import { SERVICE_NAME } from "../../infra/functions";
import { OidcAuthStack } from "../../infra/stack";

// Each stack bundles every function with esbuild: build once per describe and allow for it.
const BUILD_TIMEOUT_MS = 120_000;

const synth = (context: Record<string, unknown> = {}) => {
  const stack = new OidcAuthStack(new App({ context }), "OidcAuthStack");
  return { stack, template: Template.fromStack(stack) };
};

interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

const resourcesOf = (template: Template, type: string) => Object.values(template.findResources(type)) as CfnResource[];

const gatewayResponse = (template: Template, type: string) =>
  resourcesOf(template, "AWS::ApiGateway::GatewayResponse").find(
    (response) => response.Properties["ResponseType"] === type,
  )?.Properties as { ResponseParameters?: Record<string, string> } | undefined;

const GATEWAY_RESPONSE_TYPES = ["UNAUTHORIZED", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX", "AUTHORIZER_FAILURE"];

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Every DynamoDB action a role is allowed, by table construct id, with the conditions of each statement. */
function dynamoGrants(template: Template, stack: OidcAuthStack, roleLogicalId: string) {
  const tableIds = Object.fromEntries(
    Object.entries(stack.tables).map(([name, table]) => [stack.getLogicalId(table.node.defaultChild as never), name]),
  );
  const grants: Record<string, { actions: string[]; conditions: unknown[] }> = {};
  for (const policy of resourcesOf(template, "AWS::IAM::Policy")) {
    if (!JSON.stringify(policy.Properties["Roles"]).includes(`"${roleLogicalId}"`)) continue;
    for (const statement of (policy.Properties["PolicyDocument"] as { Statement: Statement[] }).Statement) {
      const actions = [statement.Action].flat().filter((action) => action.startsWith("dynamodb:"));
      if (actions.length === 0) continue;
      expect(statement.Effect).toBe("Allow");
      const resources = JSON.stringify(statement.Resource);
      expect(resources).not.toContain('"*"');
      const tables = Object.keys(tableIds).filter((id) => resources.includes(`"${id}"`));
      expect(tables).toHaveLength(1);
      const table = tableIds[tables[0] as string] as string;
      const entry = grants[table] ?? { actions: [], conditions: [] };
      grants[table] = entry;
      entry.actions.push(...actions.map((action) => action.replace("dynamodb:", "")));
      if (statement.Condition !== undefined) entry.conditions.push(statement.Condition);
    }
  }
  // An action granted by two statements (a table and its index) is listed once.
  for (const entry of Object.values(grants)) entry.actions = [...new Set(entry.actions)].sort();
  return grants;
}

describe("operations, default context", { timeout: 60_000 }, () => {
  let template: Template;
  let stack: OidcAuthStack;

  beforeAll(() => {
    ({ template, stack } = synth());
  }, BUILD_TIMEOUT_MS);

  describe("least privilege: every function's exact DynamoDB actions", () => {
    // Spelled out, not derived from the manifest: a widening shows up in review as a change here.
    const EXPECTED: Record<string, Record<string, string[]>> = {
      Authorizer: {
        config: ["Scan"],
        users: ["DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"],
        jti: ["PutItem"],
        providerState: ["GetItem", "UpdateItem"],
      },
      TableApi: {
        config: ["Scan"],
        // UpdateItem: the number counters (one conditional ADD per numbered insert).
        records: ["BatchGetItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"],
        users: ["BatchGetItem", "DeleteItem", "GetItem", "PutItem", "Query"],
      },
      AttachmentApi: {
        config: ["Scan"],
        records: ["BatchGetItem", "DeleteItem", "GetItem", "PutItem", "Query"],
      },
      // config: the table ACLs every scripted resource is checked against.
      ScriptedAuth: { config: ["Scan"], users: ["GetItem"] },
      ScriptedIncidentOps: { config: ["Scan"], records: ["GetItem", "PutItem", "Query"] },
    };

    it("grants each function exactly the actions listed, table by table, and nothing on *", () => {
      const functions = [stack.authorizer, ...Object.values(stack.backends)];
      expect(functions.map((fn) => fn.definition.id).sort()).toEqual(Object.keys(EXPECTED).sort());
      for (const fn of functions) {
        const grants = dynamoGrants(template, stack, stack.getLogicalId(fn.function.role?.node.defaultChild as never));
        const actions = Object.fromEntries(Object.entries(grants).map(([table, grant]) => [table, grant.actions]));
        expect(actions, fn.definition.id).toEqual(EXPECTED[fn.definition.id]);
      }
    });

    it("limits incident_ops to the incident and journal partitions of records (dynamodb:LeadingKeys), and nobody else", () => {
      const conditionsOf = (fn: { function: { role?: { node: { defaultChild?: unknown } } } }) =>
        dynamoGrants(template, stack, stack.getLogicalId(fn.function.role?.node.defaultChild as never));
      // The table's items by partition; the journal index (keys `incident/<sys_id>`) by the same prefixes.
      expect(conditionsOf(stack.backends.scriptedIncidentOps)["records"]?.conditions).toEqual([
        { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["incident/*", "sys_journal_field/*"] } },
        { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["incident", "sys_journal_field"] } },
      ]);
      expect(conditionsOf(stack.backends.tableApi)["records"]?.conditions).toEqual([]);
    });

    it("grants no stream action and no DescribeTable to anyone", () => {
      const text = JSON.stringify(resourcesOf(template, "AWS::IAM::Policy"));
      for (const action of ["GetRecords", "GetShardIterator", "DescribeStream", "ListStreams", "DescribeTable"])
        expect(text).not.toContain(`dynamodb:${action}`);
    });
  });

  describe("edge protection", () => {
    it("validates the Authorization header against a Bearer JWS before invoking the authorizer", () => {
      template.hasResourceProperties("AWS::ApiGateway::Authorizer", {
        Type: "TOKEN",
        IdentitySource: "method.request.header.Authorization",
        IdentityValidationExpression: AUTHORIZER_TOKEN_PATTERN,
      });
    });

    it("throttles the stage, and each write method lower", () => {
      const [stage] = resourcesOf(template, "AWS::ApiGateway::Stage");
      const settings = stage?.Properties["MethodSettings"] as {
        ResourcePath: string;
        HttpMethod: string;
        ThrottlingRateLimit?: number;
        ThrottlingBurstLimit?: number;
      }[];
      expect(settings).toContainEqual(
        expect.objectContaining({
          ResourcePath: "/*",
          HttpMethod: "*",
          ThrottlingRateLimit: THROTTLING.stage.rateLimit,
          ThrottlingBurstLimit: THROTTLING.stage.burstLimit,
        }),
      );
      const writes = ROUTES.filter((route) => WRITE_METHODS.has(route.method));
      expect(writes.length).toBeGreaterThan(0);
      for (const route of writes) {
        expect(settings, `${route.method} ${route.path}`).toContainEqual(
          expect.objectContaining({
            // CloudFormation's encoding: an initial slash, then each slash of the path as ~1.
            ResourcePath: `/${route.path.replaceAll("/", "~1")}`,
            HttpMethod: route.method,
            ThrottlingRateLimit: THROTTLING.writes.rateLimit,
            ThrottlingBurstLimit: THROTTLING.writes.burstLimit,
          }),
        );
      }
    });

    it("answers a throttled request in the envelope (THROTTLED gateway response, 429)", () => {
      expect(gatewayResponse(template, "THROTTLED")).toMatchObject({ StatusCode: "429" });
    });
  });

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

  describe("CORS, off by default", () => {
    it("has no OPTIONS method and no CORS header on any gateway response or function", () => {
      const methods = resourcesOf(template, "AWS::ApiGateway::Method");
      expect(methods.filter((method) => method.Properties["HttpMethod"] === "OPTIONS")).toEqual([]);
      for (const type of GATEWAY_RESPONSE_TYPES) {
        expect(gatewayResponse(template, type)?.ResponseParameters ?? {}, type).not.toHaveProperty(
          "gatewayresponse.header.Access-Control-Allow-Origin",
        );
      }
      for (const fn of resourcesOf(template, "AWS::Lambda::Function"))
        expect(JSON.stringify(fn.Properties["Environment"])).not.toContain(CORS_ORIGINS_ENV);
    });
  });
});

describe("operations, corsAllowOrigins set", { timeout: 60_000 }, () => {
  const APP = "https://app.example.com";
  let template: Template;

  beforeAll(() => {
    ({ template } = synth({ corsAllowOrigins: APP }));
  }, BUILD_TIMEOUT_MS);

  it("answers preflight OPTIONS on every routed resource with a mock integration and no authorizer", () => {
    const methods = resourcesOf(template, "AWS::ApiGateway::Method");
    const options = methods.filter((method) => method.Properties["HttpMethod"] === "OPTIONS");
    const routedResources = new Set(
      methods
        .filter((method) => method.Properties["HttpMethod"] !== "OPTIONS")
        .map((method) => JSON.stringify(method.Properties["ResourceId"])),
    );
    const preflighted = new Set(options.map((method) => JSON.stringify(method.Properties["ResourceId"])));
    expect(routedResources.size).toBe(new Set(ROUTES.map((route) => route.path)).size);
    for (const resource of routedResources) expect(preflighted).toContain(resource);
    for (const method of options) {
      expect(method.Properties["AuthorizationType"]).toBe("NONE");
      expect(method.Properties).not.toHaveProperty("AuthorizerId");
      expect(method.Properties["Integration"]).toMatchObject({
        Type: "MOCK",
        IntegrationResponses: [
          {
            StatusCode: "204",
            ResponseParameters: expect.objectContaining({
              "method.response.header.Access-Control-Allow-Origin": `'${APP}'`,
              "method.response.header.Access-Control-Allow-Headers": "'Authorization,Content-Type,Accept'",
              "method.response.header.Access-Control-Allow-Methods": "'GET,POST,PUT,PATCH,DELETE,OPTIONS'",
            }),
          },
        ],
      });
    }
  });

  it("adds the origin to every gateway response, the 401 among them", () => {
    for (const type of GATEWAY_RESPONSE_TYPES) {
      expect(gatewayResponse(template, type)?.ResponseParameters, type).toMatchObject({
        "gatewayresponse.header.Access-Control-Allow-Origin": `'${APP}'`,
        "gatewayresponse.header.Vary": "'Origin'",
      });
    }
    expect(gatewayResponse(template, "UNAUTHORIZED")?.ResponseParameters).toMatchObject({
      "gatewayresponse.header.WWW-Authenticate": "'Bearer'",
    });
  });

  it("tells every function the origins, so each success and error carries them", () => {
    const functions = resourcesOf(template, "AWS::Lambda::Function").filter((fn) =>
      JSON.stringify(fn.Properties["Environment"]).includes("POWERTOOLS_SERVICE_NAME"),
    );
    expect(functions.length).toBeGreaterThan(1);
    for (const fn of functions)
      expect(fn.Properties["Environment"]).toMatchObject({ Variables: { [CORS_ORIGINS_ENV]: APP } });
  });
});
