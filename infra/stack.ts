// The one stack: tables, functions, the API and its outputs; environment-agnostic, so `cdk synth` needs no account.
import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { parseCorsOrigins } from "../functions/http/cors";
import { AUTHORIZER, BACKENDS, type BackendName, type BucketName } from "../functions/http/routes";
import type { TableName } from "../functions/shared/tables";
import { Api } from "./api";
import { Buckets } from "./buckets";
import { AppFunction, LOG_LEVELS, SERVICE_NAME, type LogLevel } from "./functions";
import { Monitoring } from "./monitoring";
import { suppressAcknowledgedFindings } from "./nag-suppressions";
import { Tables, tableConstructId } from "./tables";

/** API Gateway caches authorizer results for at most one hour. */
const MAX_AUTHORIZER_CACHE_TTL_SECONDS = 3600;

/**
 * Context (cdk.json or `cdk -c`): `authorizerCacheTtlSeconds` (default 0, caching off), `stageName`
 * (default `v1`), `logLevel` (POWERTOOLS_LOG_LEVEL of every function, default `INFO`), `corsAllowOrigins`
 * (comma-separated origins or `*`; default none: CORS off).
 */
export class OidcAuthStack extends Stack {
  readonly tables: Readonly<Record<TableName, dynamodb.Table>>;
  readonly buckets: Readonly<Record<BucketName, s3.Bucket>>;
  readonly authorizer: AppFunction;
  readonly backends: Readonly<Record<BackendName, AppFunction>>;
  readonly api: Api;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Read every setting first, so a bad value fails before anything is bundled.
    const logLevel = readLogLevel(this);
    const stageName = readStageName(this);
    const authorizerCacheTtl = Duration.seconds(readAuthorizerCacheTtlSeconds(this));
    const corsOrigins = readCorsOrigins(this);

    this.tables = new Tables(this, "Tables").byName;
    this.buckets = new Buckets(this, "Buckets").byName;

    this.authorizer = new AppFunction(this, AUTHORIZER.id, {
      definition: AUTHORIZER,
      tables: this.tables,
      buckets: this.buckets,
      logLevel,
      corsOrigins,
      // Signature checks are CPU-bound, and Lambda scales CPU with memory; it sits on every request.
      memorySize: 512,
    });

    this.backends = mapBackends((name) => {
      const definition = BACKENDS[name];
      return new AppFunction(this, definition.id, {
        definition,
        tables: this.tables,
        buckets: this.buckets,
        logLevel,
        corsOrigins,
      });
    });

    this.api = new Api(this, "Api", {
      authorizerFunction: this.authorizer.function,
      backendFunctions: mapBackends((name) => this.backends[name].function),
      stageName,
      authorizerCacheTtl,
      corsOrigins,
    });

    this.monitoring = new Monitoring(this, "Monitoring", { serviceName: SERVICE_NAME });

    // The admin CLI reads these by name: keep them stable.
    new CfnOutput(this, "ApiUrl", { value: this.api.restApi.url });
    for (const name of Object.keys(this.tables) as TableName[]) {
      new CfnOutput(this, `${tableConstructId(name)}Name`, { value: this.tables[name].tableName });
    }
    new CfnOutput(this, "AttachmentsBucketName", { value: this.buckets.attachments.bucketName });

    suppressAcknowledgedFindings({
      restApi: this.api.restApi,
      tables: this.tables,
      buckets: this.buckets,
      functions: [this.authorizer, ...Object.values(this.backends)],
    });
  }
}

/** Object.fromEntries over BACKENDS, keeping the key type. */
function mapBackends<T>(toValue: (name: BackendName) => T): Record<BackendName, T> {
  const names = Object.keys(BACKENDS) as BackendName[];
  return Object.fromEntries(names.map((name) => [name, toValue(name)])) as Record<BackendName, T>;
}

// Context values given with `cdk -c key=value` arrive as strings, values from cdk.json as JSON.

function readAuthorizerCacheTtlSeconds(scope: Construct): number {
  const raw: unknown = scope.node.tryGetContext("authorizerCacheTtlSeconds") ?? 0;
  const seconds = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  if (
    typeof seconds !== "number" ||
    !Number.isInteger(seconds) ||
    seconds < 0 ||
    seconds > MAX_AUTHORIZER_CACHE_TTL_SECONDS
  ) {
    throw new Error(
      `Context authorizerCacheTtlSeconds must be an integer from 0 to ${MAX_AUTHORIZER_CACHE_TTL_SECONDS}, ` +
        `got ${JSON.stringify(raw)}`,
    );
  }
  return seconds;
}

function readStageName(scope: Construct): string {
  const raw: unknown = scope.node.tryGetContext("stageName") ?? "v1";
  // The characters API Gateway accepts in a stage name.
  if (typeof raw !== "string" || !/^[A-Za-z0-9_-]{1,128}$/.test(raw)) {
    throw new Error(
      `Context stageName must be 1-128 letters, digits, hyphens or underscores, got ${JSON.stringify(raw)}`,
    );
  }
  return raw;
}

function readCorsOrigins(scope: Construct): readonly string[] {
  const raw: unknown = scope.node.tryGetContext("corsAllowOrigins") ?? "";
  if (typeof raw !== "string" && !(Array.isArray(raw) && raw.every((origin) => typeof origin === "string"))) {
    throw new Error(`Context corsAllowOrigins must be comma-separated origins or "*", got ${JSON.stringify(raw)}`);
  }
  return parseCorsOrigins(raw as string | string[]);
}

function readLogLevel(scope: Construct): LogLevel {
  const raw: unknown = scope.node.tryGetContext("logLevel") ?? "INFO";
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (level === undefined) {
    throw new Error(`Context logLevel must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(raw)}`);
  }
  return level;
}
