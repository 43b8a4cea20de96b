// Wires the Table API from its parts; the Lambda handler, the local stack and the tests share it.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { BadRequestError } from "../http/api-errors";
import { serveRequest } from "../http/serve";
import { callerOf } from "../http/caller";
import { systemClock, type Clock } from "../shared/clock";
import type { AclOperation } from "../config/schema";
import { CachedConfig, DynamoConfigSource, logInvalidItems, type ConfigSnapshot } from "../config/store";
import { Dictionary } from "../dictionary/dictionary";
import type { AppLogger } from "../shared/logger";
import { NumberCounters } from "../records/numbers";
import { RecordsStore } from "../records/store";
import { UserDirectory } from "../users/directory";
import { DynamoUserStore } from "../users/store";
import { TableAccess } from "./access";
import { toApiError } from "./errors";
import { operationOf, perform, type TableRequest } from "./operations";
import type { ReferenceResolver } from "./present";
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
  const records = new RecordsStore(client, tables.records, clock);
  const numbers = new NumberCounters(client, tables.records);
  const userStore = new DynamoUserStore(client, tables.users);
  const users = usersTable({ store: userStore, directory: new UserDirectory(client, tables.users, clock) });
  // One dictionary per config snapshot: rebuilt only when the config is re-read.
  const dictionaries = new WeakMap<ConfigSnapshot, Dictionary>();
  const dictionaryOf = (snapshot: ConfigSnapshot): Dictionary => {
    let dictionary = dictionaries.get(snapshot);
    if (!dictionary) {
      dictionary = new Dictionary(snapshot.tables, (name, problem) =>
        logger.error("custom table ignored: invalid config item", { table: name, problems: problem }),
      );
      dictionaries.set(snapshot, dictionary);
    }
    return dictionary;
  };

  return (event) => {
    let operation: AclOperation = "read";
    return serveRequest(
      event,
      { message: "table api request", logger, clock, translate: (thrown) => toApiError(thrown, operation) },
      async (line) => {
        line["table"] = event.pathParameters?.["table"];
        const request = parseRequest(event);
        operation = request.operation;
        const snapshot = await config.get();
        const dictionary = dictionaryOf(snapshot);
        const access = new TableAccess(snapshot.acls, dictionary);
        access.check(request.table, request.caller, operation);
        const sourceFor = (table: string, op: AclOperation): TableSource =>
          table === SYS_USER
            ? users
            : recordsTable({
                store: records,
                numbers,
                table,
                definition: dictionary.table(table),
                partitions:
                  dictionary.table(table) === undefined
                    ? [table]
                    : dictionary
                        .descendants(table)
                        .filter((name) => name === table || access.allows(name, request.caller, op)),
              });
        const references: ReferenceResolver = {
          async displayValues(table, sysIds) {
            const definition = dictionary.table(table);
            const display = definition?.display;
            // References to a table the caller may not read show no display value, as ServiceNow's ACLs hide it.
            if (definition === undefined || display === undefined || !access.allows(table, request.caller, "read")) {
              return new Map();
            }
            const found = await sourceFor(table, "read").getMany(sysIds.map((sysId) => ({ sysId })));
            return new Map([...found].map(([sysId, record]) => [sysId, record[display] ?? ""]));
          },
        };
        return perform(sourceFor(request.table, operation), request, {
          dictionary,
          definition: dictionary.table(request.table),
          references,
          referenced: (table) =>
            dictionary.table(table) !== undefined && access.allows(table, request.caller, "read")
              ? sourceFor(table, "read")
              : undefined,
        });
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
