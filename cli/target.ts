// Where the CLI reads and writes: flags > environment > a deployed stack's outputs > the running local stack.
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BACKEND_CALL_DEADLINE, createDynamoClient as clientWithDeadline } from "../functions/shared/dynamo";
import { isLoopbackHost } from "../functions/shared/loopback";
import { allowLoopbackHttp } from "../functions/shared/env";
import { TABLES } from "../functions/shared/tables";
import { readLocalState, type LocalState } from "../infra/local/state";
import { CliError } from "./errors";

/** The tables the CLI uses: config for every command, users and jti for explain, providerState for provider test. */
export type CliTable = "config" | "users" | "jti" | "providerState";
const CLI_TABLES: readonly CliTable[] = ["config", "users", "jti", "providerState"];

/** infra/stack.ts names each table's output `${tableConstructId(name)}Name`; kept literal so the CLI never loads the CDK. */
export const STACK_OUTPUT_KEYS: Readonly<Record<CliTable, string>> = {
  config: "ConfigTableName",
  users: "UsersTableName",
  jti: "JtiTableName",
  providerState: "ProviderStateTableName",
};

export type TargetOrigin = "flags" | "environment" | "stack" | "local stack";

export interface Target {
  /** Where the config table's name came from. */
  readonly origin: TargetOrigin;
  readonly endpoint: string | undefined;
  /** Undefined: the SDK's own chain (AWS_REGION, ~/.aws/config). */
  readonly region: string | undefined;
  readonly stack: string | undefined;
  readonly tables: Readonly<{ config: string; users?: string; jti?: string; providerState?: string }>;
  /** A DynamoDB-compatible server on loopback (the local stack, dynalite): dummy credentials. */
  readonly local: boolean;
  /** http:// issuers on loopback may be fetched: the local stack's semantics, or --allow-loopback-http. */
  readonly allowLoopbackHttp: boolean;
}

export interface TargetFlags {
  readonly endpoint?: string;
  readonly region?: string;
  readonly stack?: string;
  readonly tables: Partial<Record<CliTable, string>>;
  readonly allowLoopbackHttp: boolean;
}

export type StackOutputsReader = (stackName: string, region: string | undefined) => Promise<Record<string, string>>;

interface TargetSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The local stack's state file; defaults to the one `npm start` writes. */
  readonly localStateFile?: string;
  readonly stackOutputs?: StackOutputsReader;
}

const NO_TARGET_MESSAGE =
  "no target: no local stack is running and no table was named. Start the local stack (npm start), " +
  "or name a deployed stack (--stack <name>), or the tables (--config-table, or CONFIG_TABLE; " +
  "--endpoint for a DynamoDB-compatible server)";

const nonEmpty = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim() !== "" ? value : undefined;

export async function resolveTarget(flags: TargetFlags, sources: TargetSources): Promise<Target> {
  const { env } = sources;
  const endpoint = nonEmpty(flags.endpoint) ?? nonEmpty(env["AWS_ENDPOINT_URL_DYNAMODB"]);
  let region = nonEmpty(flags.region) ?? nonEmpty(env["AWS_REGION"]) ?? nonEmpty(env["AWS_DEFAULT_REGION"]);

  const named = (table: CliTable): [string, TargetOrigin] | undefined => {
    const fromFlag = nonEmpty(flags.tables[table]);
    if (fromFlag) return [fromFlag, "flags"];
    const fromEnv = nonEmpty(env[TABLES[table].envVar]);
    return fromEnv ? [fromEnv, "environment"] : undefined;
  };

  let fallback: { origin: TargetOrigin; tables: Partial<Record<CliTable, string>> } | undefined;
  let state: LocalState | undefined;
  if (flags.stack !== undefined) {
    const outputs = await (sources.stackOutputs ?? describeStackOutputs)(flags.stack, region);
    fallback = { origin: "stack", tables: pick(outputs, STACK_OUTPUT_KEYS) };
  } else if (named("config") === undefined) {
    // The local stack is the default only when nothing else was named, and only if it is the server asked for.
    state = readLocalState(sources.localStateFile);
    if (state && endpoint !== undefined && endpoint !== state.dynamoEndpoint) state = undefined;
    if (state) {
      fallback = { origin: "local stack", tables: state.tables };
      region ??= state.region;
    }
  }

  const tables: Partial<Record<CliTable, string>> = {};
  let origin: TargetOrigin | undefined;
  for (const table of CLI_TABLES) {
    const [name, from] = named(table) ?? [fallback?.tables[table], fallback?.origin];
    if (name === undefined) continue;
    tables[table] = name;
    if (table === "config") origin = from;
  }
  if (tables.config === undefined || origin === undefined) {
    throw new CliError(
      "no_target",
      flags.stack === undefined ? NO_TARGET_MESSAGE : `stack ${flags.stack} has no output ${STACK_OUTPUT_KEYS.config}`,
    );
  }

  const resolvedEndpoint = endpoint ?? state?.dynamoEndpoint;
  const local = resolvedEndpoint !== undefined && isLoopbackUrl(resolvedEndpoint);
  return {
    origin,
    endpoint: resolvedEndpoint,
    region,
    stack: flags.stack,
    tables: { ...tables, config: tables.config },
    local,
    allowLoopbackHttp: local || flags.allowLoopbackHttp || allowLoopbackHttp(env as NodeJS.ProcessEnv),
  };
}

function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

function pick(
  outputs: Record<string, string>,
  keys: Readonly<Record<CliTable, string>>,
): Partial<Record<CliTable, string>> {
  const tables: Partial<Record<CliTable, string>> = {};
  for (const table of CLI_TABLES) {
    const value = outputs[keys[table]];
    if (value !== undefined) tables[table] = value;
  }
  return tables;
}

/** The table name, or a clear error naming the flag and variable that would give it. */
export function requireTable(target: Target, table: CliTable, why: string): string {
  const name = target.tables[table];
  if (name !== undefined) return name;
  throw new CliError(
    "no_target",
    `${why} needs the ${table} table: give --${table}-table (or ${TABLES[table].envVar}), or --stack <name>`,
  );
}

/** The deployed stack's outputs, with the standard credential chain. */
const describeStackOutputs: StackOutputsReader = async (stackName, region) => {
  const client = new CloudFormationClient({
    ...(region !== undefined && { region }),
    maxAttempts: BACKEND_CALL_DEADLINE.maxAttempts,
    requestHandler: {
      connectionTimeout: BACKEND_CALL_DEADLINE.connectionTimeoutMs,
      requestTimeout: BACKEND_CALL_DEADLINE.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
  try {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs: Record<string, string> = {};
    for (const { OutputKey, OutputValue } of Stacks[0]?.Outputs ?? []) {
      if (OutputKey !== undefined && OutputValue !== undefined) outputs[OutputKey] = OutputValue;
    }
    return outputs;
  } catch (error) {
    throw new CliError("no_target", `stack ${stackName}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  } finally {
    client.destroy();
  }
};

/** A DynamoDB client for the target. Local servers take any credentials, so none are looked up. */
export function createDynamoClient(target: Target): DynamoDBClient {
  // A local server that does not answer will not answer on a retry either.
  const deadline = target.local ? { ...BACKEND_CALL_DEADLINE, maxAttempts: 1 } : BACKEND_CALL_DEADLINE;
  return clientWithDeadline(deadline, {
    ...(target.endpoint !== undefined && { endpoint: target.endpoint }),
    ...(target.region !== undefined && { region: target.region }),
    ...(target.local && {
      region: target.region ?? "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }),
  });
}
