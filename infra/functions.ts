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
import type { BucketAccess, BucketName, FunctionDefinition, TableAccess } from "../functions/http/routes";
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
  /** @default 256 */
  readonly memorySize?: number;
}

const GRANTS: Record<TableAccess, (table: dynamodb.ITable, grantee: iam.IGrantable) => iam.Grant> = {
  read: (table, grantee) => table.grantReadData(grantee),
  readWrite: (table, grantee) => table.grantReadWriteData(grantee),
};

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
    const { definition, tables, buckets, logLevel, memorySize = 256 } = props;
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
      timeout: Duration.seconds(10),
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
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: logLevel,
        // Only the tables the function declares: a handler cannot even name a table it may not touch.
        ...Object.fromEntries(tableNames.map((name) => [TABLES[name].envVar, tables[name].tableName])),
        ...Object.fromEntries(bucketNames.map((name) => [BUCKETS[name].envVar, buckets[name].bucketName])),
      },
    });

    for (const name of tableNames) {
      const access = definition.tables[name];
      if (access !== undefined) GRANTS[access](tables[name], this.function);
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
