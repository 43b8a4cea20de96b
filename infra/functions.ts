// The one Lambda factory: runtime, architecture, bundling, logging, environment and table grants for every function.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { CORS_ORIGINS_ENV } from "../functions/http/cors";
import {
  type BucketAccess,
  type BucketName,
  FUNCTION_TIMEOUT_SECONDS,
  type FunctionDefinition,
  type TableAccess,
} from "../functions/http/routes";
import { BUCKETS } from "../functions/shared/s3";
import { TABLES, type TableName } from "../functions/shared/tables";

/** Entries in FunctionDefinition are relative to the project root, one level above infra/. */
const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** One service in the logs; Powertools adds the function name to each line. Matches the logger's default. */
export const SERVICE_NAME = "oidc-auth";

export const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

interface AppFunctionProps {
  readonly definition: FunctionDefinition;
  readonly tables: Readonly<Record<TableName, dynamodb.ITable>>;
  readonly buckets: Readonly<Record<BucketName, s3.IBucket>>;
  readonly logLevel: LogLevel;
  /** Allowed CORS origins (none: CORS off); backends add the headers to their answers. */
  readonly corsOrigins: readonly string[];
  /** @default 256 */
  readonly memorySize?: number;
}

/**
 * Exactly the declared actions on the table (and its indexes, through CDK's grant); never the stream
 * actions or DescribeTable that grantReadData adds. Declared partitions become a dynamodb:LeadingKeys
 * condition, so the function cannot touch another table's items in `records`.
 */
function grantTableAccess(table: dynamodb.ITable, grantee: iam.IGrantable, access: TableAccess): iam.Grant {
  const actions = access.actions.map((action) => `dynamodb:${action}`);
  if (access.partitions === undefined) return table.grant(grantee, ...actions);
  if (access.actions.includes("Query")) {
    // An index whose keys begin with the table's name (the journal's `incident/<sys_id>`) is queried
    // under the same partitions.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["dynamodb:Query"],
      resourceArns: [`${table.tableArn}/index/*`],
      conditions: {
        "ForAllValues:StringLike": { "dynamodb:LeadingKeys": access.partitions.map((partition) => `${partition}/*`) },
      },
    });
  }
  return iam.Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: [table.tableArn],
    conditions: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [...access.partitions] } },
  });
}

/**
 * The object actions each access needs, on the bucket's key prefix only: the bucket's own `grantRead`/
 * `grantReadWrite` would add `s3:List*`, `s3:GetBucket*`, `s3:Abort*` and wildcards on every object action,
 * none of which the attachment store uses.
 */
const BUCKET_ACTIONS: Record<BucketAccess, readonly string[]> = {
  readWrite: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
  delete: ["s3:DeleteObject"],
};

/** A Lambda function built from a FunctionDefinition; every function in the stack is one of these. */
export class AppFunction extends Construct {
  /** What the function declares (tables and access), for grants here and cdk-nag acknowledgements. */
  readonly definition: FunctionDefinition;
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    const { definition, tables, buckets, logLevel, corsOrigins, memorySize = 256 } = props;
    this.definition = definition;
    const tableNames = Object.keys(definition.tables) as TableName[];
    const bucketNames = Object.keys(definition.buckets ?? {}) as BucketName[];

    this.logGroup = new logs.LogGroup(this, "Logs", {
      // The authorizer's decision lines are the record of who was let in; keep them a while, not forever.
      retention: logs.RetentionDays.THREE_MONTHS,
    });

    // An own role instead of the default one, whose AWSLambdaBasicExecutionRole may write to any log
    // group in the account: this role may write to its own log group and nothing else until granted.
    const role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of ${definition.id}`,
    });
    this.logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, "Function", {
      entry: join(PROJECT_ROOT, definition.entry),
      handler: "handler",
      description: definition.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS),
      role,
      logGroup: this.logGroup,
      depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
      projectRoot: PROJECT_ROOT,
      bundling: {
        minify: true,
        sourceMap: true,
        // Stack traces only need the mappings; the sources would double the bundle for nothing.
        sourcesContent: false,
        // esbuild is a devDependency and there is no Docker engine in CI or on developer machines.
        forceDockerBundling: false,
      },
      // The map ships beside the bundle, but Node does not load it (no --enable-source-maps): that flag
      // costs every cold start the map's parse (authorizer about 10 ms, Table API 25 ms: README "Cold
      // start and bundle size"), and a logged stack's positions can be mapped afterwards with the map.
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: logLevel,
        ...(corsOrigins.length > 0 && { [CORS_ORIGINS_ENV]: corsOrigins.join(",") }),
        // Only the tables the function declares: a handler cannot even name a table it may not touch.
        ...Object.fromEntries(tableNames.map((name) => [TABLES[name].envVar, tables[name].tableName])),
        ...Object.fromEntries(bucketNames.map((name) => [BUCKETS[name].envVar, buckets[name].bucketName])),
        ...definition.environment,
      },
    });

    for (const name of tableNames) {
      const access = definition.tables[name];
      if (access !== undefined) grantTableAccess(tables[name], this.function, access);
    }
    for (const name of bucketNames) {
      const access = definition.buckets?.[name];
      if (access === undefined) continue;
      iam.Grant.addToPrincipal({
        grantee: this.function,
        actions: [...BUCKET_ACTIONS[access]],
        resourceArns: [buckets[name].arnForObjects(`${BUCKETS[name].keyPrefix}*`)],
      });
    }
  }
}
