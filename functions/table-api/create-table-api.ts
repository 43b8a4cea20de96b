// Wires the Table API from its parts; the Lambda handler, the local stack and the tests share it.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { BadRequestError } from "../http/api-errors";
import { serveRequest } from "../http/serve";
import { callerOf } from "../http/caller";
import { systemClock, type Clock } from "../shared/clock";
import type { AclOperation } from "../config/schema";
import { CachedConfig, DynamoConfigSource, logInvalidItems } from "../config/store";
import type { AppLogger } from "../shared/logger";
import { RecordsStore } from "../records/store";
import { UserDirectory } from "../users/directory";
import { DynamoUserStore } from "../users/store";
import { TableAccess } from "./access";
import { toApiError } from "./errors";
import { operationOf, perform, type TableRequest } from "./operations";
import { recordsTable, SYS_USER, usersTable, type TableSource } from "./table-source";

interface TableApiOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tables: { readonly config: string; readonly records: string; readonly users: string };
  readonly logger: AppLogger;
  readonly clock?: Clock;
  /** How long ACLs are cached; a changed ACL applies within this time. */
  readonly configTtlMs?: number;
}

/** ACL changes should apply quickly; the config table is tiny and one Scan per 10 s per container is cheap. */
export const TABLE_API_CONFIG_TTL_MS = 10_000;

export type TableApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export function createTableApi(options: TableApiOptions): TableApiHandler {
  const { client, tables, logger } = options;
  const clock = options.clock ?? systemClock;
  const config = new CachedConfig(
    new DynamoConfigSource(client, tables.config, logInvalidItems(logger)),
    clock,
    logger,
    options.configTtlMs ?? TABLE_API_CONFIG_TTL_MS,
  );
  const access = new TableAccess(config);
  const records = new RecordsStore(client, tables.records, clock);
  const users = usersTable({
    store: new DynamoUserStore(client, tables.users),
    directory: new UserDirectory(client, tables.users, clock),
  });
  const sourceFor = (table: string): TableSource => (table === SYS_USER ? users : recordsTable(records, table));

  return (event) => {
    let operation: AclOperation = "read";
    return serveRequest(
      event,
      { message: "table api request", logger, clock, translate: (thrown) => toApiError(thrown, operation) },
      async (line) => {
        line["table"] = event.pathParameters?.["table"];
        const request = parseRequest(event);
        operation = request.operation;
        await access.check(request.table, request.caller, operation);
        return perform(sourceFor(request.table), request);
      },
    );
  };
}

function parseRequest(event: APIGatewayProxyEvent): TableRequest {
  const table = event.pathParameters?.["table"];
  if (table === undefined || table === "") throw new BadRequestError("Invalid table");
  const sysId = event.pathParameters?.["sys_id"] || undefined;
  const method = event.httpMethod.toUpperCase();
  return {
    event,
    method,
    table,
    sysId,
    operation: operationOf(method, sysId !== undefined),
    caller: callerOf(event),
    params: event.queryStringParameters ?? {},
  };
}
