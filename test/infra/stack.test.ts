// Assertions on the synthesized OidcAuthStack: authorizer, tables, functions, grants, routes, responses, cdk-nag.
import { App, Stack, Validations, type CfnElement } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { UNAUTHENTICATED_BODY } from "../../functions/shared/errors";
import {
  AUTHORIZER,
  BACKENDS,
  BINARY_MEDIA_TYPES,
  ROUTES,
  SHIPPED_ROUTE_RULES,
  type BackendName,
  type BucketName,
  type FunctionDefinition,
} from "../../functions/http/routes";
import { BUCKETS } from "../../functions/shared/s3";
import { NONCURRENT_VERSION_DAYS } from "../../infra/buckets";
import { TABLES, type TableName } from "../../functions/shared/tables";
import { SERVICE_NAME } from "../../infra/functions";
import { parseShippedRouteRules } from "../../functions/authorizer/route-access";
import { SHIPPED_ROUTE_RULES_ENV } from "../../functions/shared/env";
import { OidcAuthStack } from "../../infra/stack";

// Each stack bundles every function with esbuild; build once per describe and allow for it.
const BUILD_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = 60_000;

const TABLE_NAMES = Object.keys(TABLES) as TableName[];
const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];
const WRITE_ACTIONS = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"];

type Json = unknown;
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}
interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: Json;
}

const logicalId = (construct: IConstruct): string => {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
};

/** Logical ids a CloudFormation value points at through Ref or Fn::GetAtt. */
const referencedIds = (value: Json): Set<string> => {
  const ids = new Set<string>();
  const visit = (node: Json): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const [key, child] of Object.entries(node)) {
      if (key === "Ref" && typeof child === "string") ids.add(child);
      else if (key === "Fn::GetAtt" && Array.isArray(child) && typeof child[0] === "string") ids.add(child[0]);
      else visit(child);
    }
  };
  visit(value);
  return ids;
};

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every Allow statement of the inline and attached policies of a role. */
const allowStatementsOfRole = (template: Template, roleLogicalId: string): PolicyStatement[] => {
  const policies = Object.values(template.findResources("AWS::IAM::Policy") as Record<string, CfnResource>);
  return policies
    .filter((policy) => referencedIds(policy.Properties?.["Roles"]).has(roleLogicalId))
    .flatMap(
      (policy) =>
        (policy.Properties?.["PolicyDocument"] as { Statement: PolicyStatement[] } | undefined)?.Statement ?? [],
    )
    .filter((statement) => statement.Effect === "Allow");
};

/** Actions a role may perform on one table: statements naming it, plus any on `*`. */
const actionsOnTable = (statements: PolicyStatement[], tableLogicalId: string): Set<string> =>
  new Set(
    statements
      .filter((statement) => {
        const resources = asArray(statement.Resource);
        return resources.includes("*") || referencedIds(resources).has(tableLogicalId);
      })
      .flatMap((statement) => asArray(statement.Action)),
  );

const dynamoActions = (statements: PolicyStatement[]): string[] =>
  statements.flatMap((statement) => asArray(statement.Action)).filter((action) => action.startsWith("dynamodb:"));

describe("OidcAuthStack with default context", { timeout: TEST_TIMEOUT_MS }, () => {
  let stack: OidcAuthStack;
  let template: Template;

  beforeAll(() => {
    const app = new App();
    stack = new OidcAuthStack(app, "OidcAuthStack");
    template = Template.fromStack(stack);
  }, BUILD_TIMEOUT_MS);

  const functionsByDefinition = (): [FunctionDefinition, OidcAuthStack["authorizer"]][] => [
    [AUTHORIZER, stack.authorizer],
    ...BACKEND_NAMES.map((name): [FunctionDefinition, OidcAuthStack["authorizer"]] => [
      BACKENDS[name],
      stack.backends[name],
    ]),
  ];

  describe("authorizer", () => {
    it("is a TOKEN authorizer on the Authorization header with result caching off", () => {
      template.resourceCountIs("AWS::ApiGateway::Authorizer", 1);
      template.hasResourceProperties("AWS::ApiGateway::Authorizer", {
        Type: "TOKEN",
        IdentitySource: "method.request.header.Authorization",
        AuthorizerResultTtlInSeconds: 0,
      });
      const [authorizer] = Object.values(template.findResources("AWS::ApiGateway::Authorizer")) as CfnResource[];
      expect(referencedIds(authorizer?.Properties?.["AuthorizerUri"])).toContain(logicalId(stack.authorizer.function));
    });
  });

  describe("tables", () => {
    it("creates exactly the tables in TABLES", () => {
      template.resourceCountIs("AWS::DynamoDB::Table", TABLE_NAMES.length);
    });

    it.each(TABLE_NAMES)("%s has the declared keys and indexes, on-demand and encrypted", (name) => {
      const definition = TABLES[name];
      const keySchema = [
        { AttributeName: definition.partitionKey.name, KeyType: "HASH" },
        ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: "RANGE" }] : []),
      ];
      const table = template.findResources("AWS::DynamoDB::Table")[logicalId(stack.tables[name])] as CfnResource;
      expect(table.Properties).toMatchObject({
        KeySchema: keySchema,
        BillingMode: "PAY_PER_REQUEST",
        SSESpecification: { SSEEnabled: true },
      });
      expect(table.Properties?.["TableName"]).toBeUndefined();
      const indexes = (table.Properties?.["GlobalSecondaryIndexes"] ?? []) as Json[];
      expect(indexes).toEqual(
        definition.indexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: "HASH" },
            ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: "RANGE" }] : []),
          ],
          Projection: { ProjectionType: "ALL" },
        })),
      );
    });

    it("keys the tables as the design says", () => {
      const keysOf = (name: TableName) =>
        (template.findResources("AWS::DynamoDB::Table")[logicalId(stack.tables[name])] as CfnResource).Properties?.[
          "KeySchema"
        ];
      expect(keysOf("config")).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
      expect(keysOf("users")).toEqual([{ AttributeName: "sys_id", KeyType: "HASH" }]);
      expect(keysOf("jti")).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
      expect(keysOf("records")).toEqual([
        { AttributeName: "table", KeyType: "HASH" },
        { AttributeName: "sys_id", KeyType: "RANGE" },
      ]);
    });

    it("expires jti markers through TTL on expiresAt", () => {
      const jti = template.findResources("AWS::DynamoDB::Table")[logicalId(stack.tables.jti)] as CfnResource;
      expect(jti.Properties?.["TimeToLiveSpecification"]).toEqual({ AttributeName: "expiresAt", Enabled: true });
    });

    it.each(["config", "users"] as const)("%s has point-in-time recovery", (name) => {
      const table = template.findResources("AWS::DynamoDB::Table")[logicalId(stack.tables[name])] as CfnResource;
      expect(table.Properties?.["PointInTimeRecoverySpecification"]).toEqual({ PointInTimeRecoveryEnabled: true });
    });

    it.each(["config", "users", "records"] as const)("%s is retained when the stack is deleted", (name) => {
      const table = template.findResources("AWS::DynamoDB::Table")[logicalId(stack.tables[name])] as CfnResource;
      expect(table.DeletionPolicy).toBe("Retain");
      expect(table.UpdateReplacePolicy).toBe("Retain");
    });

    it("deletes the jti table with the stack: it holds nothing worth keeping", () => {
      const jti = template.findResources("AWS::DynamoDB::Table")[logicalId(stack.tables.jti)] as CfnResource;
      expect(jti.DeletionPolicy).toBe("Delete");
    });
  });

  describe("functions", () => {
    it("runs every Lambda function on nodejs22.x, arm64", () => {
      const functions = Object.values(template.findResources("AWS::Lambda::Function")) as CfnResource[];
      expect(functions).toHaveLength(1 + BACKEND_NAMES.length);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({ Runtime: "nodejs22.x", Architectures: ["arm64"], Timeout: 10 });
      }
    });

    it("gives the authorizer 512 MB and the backends 256 MB", () => {
      const functions = template.findResources("AWS::Lambda::Function") as Record<string, CfnResource>;
      expect(functions[logicalId(stack.authorizer.function)]?.Properties?.["MemorySize"]).toBe(512);
      for (const name of BACKEND_NAMES) {
        expect(functions[logicalId(stack.backends[name].function)]?.Properties?.["MemorySize"]).toBe(256);
      }
    });

    it("passes exactly the declared tables' names and Powertools settings (no --enable-source-maps)", () => {
      const functions = template.findResources("AWS::Lambda::Function") as Record<string, CfnResource>;
      for (const [definition, appFunction] of functionsByDefinition()) {
        const declared = Object.keys(definition.tables) as TableName[];
        const variables = (
          functions[logicalId(appFunction.function)]?.Properties?.["Environment"] as
            | { Variables: Record<string, Json> }
            | undefined
        )?.Variables;
        expect(variables).toEqual({
          POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
          POWERTOOLS_LOG_LEVEL: "INFO",
          ...Object.fromEntries(declared.map((name) => [TABLES[name].envVar, { Ref: logicalId(stack.tables[name]) }])),
          ...Object.fromEntries(
            (Object.keys(definition.buckets ?? {}) as BucketName[]).map((name) => [
              BUCKETS[name].envVar,
              { Ref: logicalId(stack.buckets[name]) },
            ]),
          ),
          ...definition.environment,
        });
      }
    });

    it("uses no AWS managed policies on the function roles", () => {
      const roles = template.findResources("AWS::IAM::Role") as Record<string, CfnResource>;
      for (const [, appFunction] of functionsByDefinition()) {
        const role = roles[logicalId(appFunction.function.role!)];
        expect(role?.Properties?.["ManagedPolicyArns"]).toBeUndefined();
      }
    });
  });

  describe("least privilege", () => {
    it("lets the authorizer put jti markers and do nothing else on the jti table", () => {
      const statements = allowStatementsOfRole(template, logicalId(stack.authorizer.function.role!));
      const onJti = actionsOnTable(statements, logicalId(stack.tables.jti));
      expect([...onJti]).toEqual(["dynamodb:PutItem"]);
    });

    it("gives the authorizer no write on the config table, write on users (provisioning), nothing on records", () => {
      const statements = allowStatementsOfRole(template, logicalId(stack.authorizer.function.role!));
      const config = actionsOnTable(statements, logicalId(stack.tables.config));
      expect(config).toContain("dynamodb:Scan");
      for (const write of WRITE_ACTIONS) expect(config, `config ${write}`).not.toContain(write);
      expect(actionsOnTable(statements, logicalId(stack.tables.users))).toContain("dynamodb:PutItem");
      expect(actionsOnTable(statements, logicalId(stack.tables.records)).size).toBe(0);
    });

    it("grants every function exactly the table access it declares", () => {
      for (const [definition, appFunction] of functionsByDefinition()) {
        const statements = allowStatementsOfRole(template, logicalId(appFunction.function.role!));
        for (const name of TABLE_NAMES) {
          const actions = [...actionsOnTable(statements, logicalId(stack.tables[name]))].filter((action) =>
            action.startsWith("dynamodb:"),
          );
          const access = definition.tables[name];
          const where = `${definition.id} on ${name}`;
          expect(actions.sort(), where).toEqual((access?.actions ?? []).map((action) => `dynamodb:${action}`).sort());
        }
      }
    });

    it("gives a backend no DynamoDB permission beyond its declaration", () => {
      for (const name of BACKEND_NAMES) {
        const definition: FunctionDefinition = BACKENDS[name];
        const statements = allowStatementsOfRole(template, logicalId(stack.backends[name].function.role!));
        const declaredIds = new Set(
          (Object.keys(definition.tables) as TableName[]).map((table) => logicalId(stack.tables[table])),
        );
        for (const statement of statements.filter((s) => dynamoActions([s]).length > 0)) {
          const targets = asArray(statement.Resource);
          expect(targets, name).not.toContain("*");
          for (const id of referencedIds(targets)) expect(declaredIds, `${name} reaches ${id}`).toContain(id);
        }
        if (Object.keys(definition.tables).length === 0) expect(dynamoActions(statements), name).toEqual([]);
      }
    });
  });

  describe("routes", () => {
    /** Full path of every API Gateway resource, rebuilt from PathPart and ParentId. */
    const resourcePaths = (): Map<string, string> => {
      const resources = template.findResources("AWS::ApiGateway::Resource") as Record<string, CfnResource>;
      const paths = new Map<string, string>();
      const pathOf = (id: string): string => {
        const known = paths.get(id);
        if (known !== undefined) return known;
        const properties = resources[id]?.Properties ?? {};
        const [parent] = referencedIds(properties["ParentId"]);
        const parentPath = parent !== undefined && parent in resources ? pathOf(parent) : "";
        const path = `${parentPath}/${String(properties["PathPart"])}`;
        paths.set(id, path);
        return path;
      };
      for (const id of Object.keys(resources)) pathOf(id);
      return paths;
    };

    const methods = (): { method: string; path: string; properties: Record<string, Json> }[] => {
      const paths = resourcePaths();
      return (Object.values(template.findResources("AWS::ApiGateway::Method")) as CfnResource[]).map((resource) => {
        const properties = resource.Properties ?? {};
        const [resourceId] = referencedIds(properties["ResourceId"]);
        return {
          method: String(properties["HttpMethod"]),
          path: (resourceId !== undefined && paths.get(resourceId)) || "/",
          properties,
        };
      });
    };

    it("has a method for every ROUTES entry and no other", () => {
      const actual = methods().map(({ method, path }) => `${method} ${path}`);
      expect(actual.sort()).toEqual(ROUTES.map(({ method, path }) => `${method} ${path}`).sort());
    });

    it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
      "%s goes through the authorizer to its backend",
      (_label, route) => {
        const found = methods().find(({ method, path }) => method === route.method && path === route.path);
        expect(found).toBeDefined();
        expect(found?.properties).toMatchObject({
          AuthorizationType: "CUSTOM",
          AuthorizerId: { Ref: logicalId(stack.api.authorizer) },
          Integration: { Type: "AWS_PROXY", IntegrationHttpMethod: "POST" },
        });
        const uri = (found?.properties["Integration"] as { Uri: Json } | undefined)?.Uri ?? null;
        expect(referencedIds(uri)).toContain(logicalId(stack.backends[route.backend].function));
      },
    );

    it("lets API Gateway invoke each backend once per route, and never through test-invoke (no authorizer)", () => {
      const permissions = Object.values(template.findResources("AWS::Lambda::Permission")) as CfnResource[];
      for (const name of BACKEND_NAMES) {
        const target = logicalId(stack.backends[name].function);
        const own = permissions.filter((p) => referencedIds(p.Properties?.["FunctionName"]).has(target));
        expect(own, name).toHaveLength(ROUTES.filter((route) => route.backend === name).length);
        expect(JSON.stringify(own), name).not.toContain("test-invoke-stage");
      }
    });
  });

  describe("gateway responses", () => {
    it("answers UNAUTHORIZED with 401, the ServiceNow body and WWW-Authenticate: Bearer", () => {
      const body =
        '{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}';
      expect(JSON.parse(body)).toEqual(UNAUTHENTICATED_BODY);
      template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
        ResponseType: "UNAUTHORIZED",
        StatusCode: "401",
        ResponseTemplates: { "application/json": body },
        ResponseParameters: {
          "gatewayresponse.header.WWW-Authenticate": "'Bearer'",
          "gatewayresponse.header.Content-Type": "'application/json'",
        },
      });
    });

    it("answers ACCESS_DENIED (a token's policy does not cover the route) as UNAUTHORIZED: 401 and the seed's body", () => {
      template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
        ResponseType: "ACCESS_DENIED",
        StatusCode: "401",
        ResponseTemplates: { "application/json": JSON.stringify(UNAUTHENTICATED_BODY) },
        ResponseParameters: {
          "gatewayresponse.header.WWW-Authenticate": "'Bearer'",
          "gatewayresponse.header.Content-Type": "'application/json'",
        },
      });
    });

    it("hands the authorizer the shipped routes' rules, which it can read", () => {
      const functions = template.findResources("AWS::Lambda::Function") as Record<string, CfnResource>;
      const environment = functions[logicalId(stack.authorizer.function)]?.Properties?.["Environment"] as
        | { Variables: Record<string, Json> }
        | undefined;
      const variables = environment?.Variables ?? {};
      const rules = parseShippedRouteRules(String(variables[SHIPPED_ROUTE_RULES_ENV]));
      expect(rules.map((rule) => rule.name)).toContain("x_oidc/incident_ops POST /incident/{id}/comment");
      expect(rules).toEqual(SHIPPED_ROUTE_RULES);
    });

    it("answers an unknown resource (MISSING_AUTHENTICATION_TOKEN) with ServiceNow's 400", () => {
      template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
        ResponseType: "MISSING_AUTHENTICATION_TOKEN",
        StatusCode: "400",
        ResponseTemplates: {
          "application/json":
            '{"error":{"message":"Requested URI does not represent any resource","detail":null},"status":"failure"}',
        },
        ResponseParameters: { "gatewayresponse.header.Content-Type": "'application/json'" },
      });
    });

    it.each(["DEFAULT_4XX", "DEFAULT_5XX"])("answers %s in the envelope with API Gateway's message", (type) => {
      template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
        ResponseType: type,
        ResponseTemplates: {
          "application/json": '{"error":{"message":$context.error.messageString,"detail":""},"status":"failure"}',
        },
        ResponseParameters: { "gatewayresponse.header.Content-Type": "'application/json'" },
      });
    });
  });

  describe("stage and outputs", () => {
    it("deploys stage `v1` with access logs and execution logs, never request data", () => {
      template.hasResourceProperties("AWS::ApiGateway::Stage", {
        StageName: "v1",
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
        MethodSettings: Match.arrayWith([
          Match.objectLike({ HttpMethod: "*", ResourcePath: "/*", LoggingLevel: "ERROR", DataTraceEnabled: false }),
        ]),
      });
      // Per-method settings (write throttling) replace the stage's: each repeats the logging settings.
      const [stage] = Object.values(template.findResources("AWS::ApiGateway::Stage")) as CfnResource[];
      const settings = (stage?.Properties?.["MethodSettings"] ?? []) as Record<string, unknown>[];
      expect(settings.length).toBeGreaterThan(1);
      for (const setting of settings) expect(setting).toMatchObject({ LoggingLevel: "ERROR", DataTraceEnabled: false });
    });

    it("keeps attachments in a private, encrypted, TLS-only, versioned bucket that outlives the stack", () => {
      const buckets = template.findResources("AWS::S3::Bucket") as Record<string, CfnResource>;
      expect(Object.keys(buckets)).toEqual([logicalId(stack.buckets.attachments)]);
      const bucket = buckets[logicalId(stack.buckets.attachments)];
      expect(bucket?.DeletionPolicy).toBe("Retain");
      expect(bucket?.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: "Enabled" },
        LifecycleConfiguration: {
          Rules: [
            expect.objectContaining({
              Status: "Enabled",
              NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_VERSION_DAYS },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            }),
          ],
        },
      });
      // enforceSSL: the bucket policy denies every request without TLS.
      template.hasResourceProperties("AWS::S3::BucketPolicy", {
        Bucket: { Ref: logicalId(stack.buckets.attachments) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Deny",
              Action: "s3:*",
              Principal: { AWS: "*" },
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            }),
          ]),
        },
      });
    });

    it("grants S3 object actions on the attachment prefix to the attachment function, delete only to the Table API, none to others", () => {
      const bucketId = logicalId(stack.buckets.attachments);
      const objectArn = {
        "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, `/${BUCKETS.attachments.keyPrefix}*`]],
      };
      const s3Statements = (appFunction: OidcAuthStack["authorizer"]) =>
        allowStatementsOfRole(template, logicalId(appFunction.function.role!)).filter((statement) =>
          asArray(statement.Action).some((action) => action.startsWith("s3:")),
        );
      const expected: Partial<Record<BackendName, string[]>> = {
        attachmentApi: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        tableApi: ["s3:DeleteObject"],
      };
      for (const [definition, appFunction] of functionsByDefinition()) {
        const statements = s3Statements(appFunction);
        const name = BACKEND_NAMES.find((candidate) => BACKENDS[candidate] === definition);
        const wanted = name === undefined ? undefined : expected[name];
        if (wanted === undefined) {
          expect(statements, definition.id).toEqual([]);
          continue;
        }
        expect(statements.flatMap((statement) => asArray(statement.Action)).sort(), definition.id).toEqual(wanted);
        for (const statement of statements) expect(statement.Resource, definition.id).toEqual(objectArn);
      }
    });

    it("passes every body on as bytes (binary media types */*), so attachments arrive intact", () => {
      template.hasResourceProperties("AWS::ApiGateway::RestApi", { BinaryMediaTypes: [...BINARY_MEDIA_TYPES] });
    });

    it("exports the API URL and every table name for the admin CLI", () => {
      template.hasOutput("ApiUrl", { Value: Match.anyValue() });
      const expected = {
        config: "ConfigTableName",
        users: "UsersTableName",
        jti: "JtiTableName",
        records: "RecordsTableName",
        providerState: "ProviderStateTableName",
      };
      for (const name of TABLE_NAMES) {
        template.hasOutput(expected[name], { Value: { Ref: logicalId(stack.tables[name]) } });
      }
    });

    it("is environment-agnostic, so synth needs no account or region", () => {
      expect(stack.resolve(stack.account)).toEqual({ Ref: "AWS::AccountId" });
      expect(stack.resolve(stack.region)).toEqual({ Ref: "AWS::Region" });
    });
  });
});

describe("OidcAuthStack with context", { timeout: TEST_TIMEOUT_MS }, () => {
  const label = "caches authorizer results when authorizerCacheTtlSeconds is set (a string, as `cdk -c` passes it)";
  // Builds, and so bundles, a second stack.
  it(label, { timeout: BUILD_TIMEOUT_MS }, () => {
    const app = new App({ context: { authorizerCacheTtlSeconds: "300", stageName: "prod" } });
    const template = Template.fromStack(new OidcAuthStack(app, "OidcAuthStack"));
    template.hasResourceProperties("AWS::ApiGateway::Authorizer", {
      Type: "TOKEN",
      AuthorizerResultTtlInSeconds: 300,
    });
    template.hasResourceProperties("AWS::ApiGateway::Stage", { StageName: "prod" });
  });

  it.each([["-1"], ["3601"], ["1.5"], ["five minutes"], [true]])(
    "rejects authorizerCacheTtlSeconds %j before building anything",
    (value) => {
      const app = new App({ context: { authorizerCacheTtlSeconds: value } });
      expect(() => new OidcAuthStack(app, "OidcAuthStack")).toThrow(/authorizerCacheTtlSeconds/);
    },
  );
});

describe("cdk-nag AwsSolutions checks", { timeout: TEST_TIMEOUT_MS }, () => {
  let app: App;
  let stack: OidcAuthStack;
  let checks: AwsSolutionsChecks;

  beforeAll(() => {
    // The same registration as infra/app.ts.
    app = new App();
    stack = new OidcAuthStack(app, "OidcAuthStack");
    checks = new AwsSolutionsChecks(app, { verbose: true });
    Validations.of(app).addPlugins(checks);
  }, BUILD_TIMEOUT_MS);

  it("leaves no unacknowledged error or warning", () => {
    // cdk-nag v3 reports through CDK policy validation, not annotations (Annotations cannot see its
    // findings): ask the pack for its report, which lists errors and warnings alike.
    const report = checks.validateScope(app);
    const findings = report.violations.map((violation) => {
      const paths = violation.violatingResources.map((resource) => resource.constructPath).join(", ");
      return `${violation.severity} ${violation.ruleName} at ${paths}`;
    });
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it("synthesizes with the checks registered, with no error or warning annotations", () => {
    // Policy validation fails the synth on any unacknowledged finding.
    expect(() => app.synth()).not.toThrow();
    expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning("*", Match.anyValue())).toEqual([]);
  });
});
