// Wires the Table API from its parts; the Lambda handler, the local stack and the tests share it.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { AttachmentStore, SYS_ATTACHMENT } from "../attachments/store";
import { dictionaryJournalColumns, Journal, type JournalColumns, SYS_JOURNAL_FIELD } from "../journal/journal";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { BadRequestError, ForbiddenError } from "../http/api-errors";
import { serveRequest } from "../http/serve";
import { callerOf } from "../http/caller";
import { systemClock, type Clock } from "../shared/clock";
import type { AclOperation } from "../config/schema";
import { createConfigReader, TableAccess } from "../config/table-access";
import type { Dictionary } from "../dictionary/dictionary";
import type { AppLogger } from "../shared/logger";
import { NumberCounters } from "../records/numbers";
import { RecordsStore } from "../records/store";
import { UserDirectory } from "../users/directory";
import { DynamoUserStore } from "../users/store";
import { toApiError } from "./errors";
import { operationOf, perform, type TableRequest } from "./operations";
import type { ReferenceResolver } from "./present";
import { recordsTable, SYS_USER, usersTable, type TableSource } from "./table-source";

interface TableApiOptions {
  readonly client: DynamoDBDocumentClient;
  /** The attachment bucket, where a deleted record's attachments are deleted (DeleteObject only). */
  readonly attachments: { readonly s3: S3Client; readonly bucket: string };
  readonly tables: { readonly config: string; readonly records: string; readonly users: string };
  readonly logger: AppLogger;
  readonly clock?: Clock;
  /** Which columns of a table are journals; the task family's comments and work_notes by default. */
  readonly journalColumns?: JournalColumns;
  /** How long ACLs are cached; a changed ACL applies within this time. */
  readonly configTtlMs?: number;
}

/** ACL changes should apply quickly; the config table is tiny and one Scan per 10 s per container is cheap. */
export const TABLE_API_CONFIG_TTL_MS = 10_000;

/** Tables the Table API lists and reads but never writes: another API owns their rows. */
const WRITTEN_ELSEWHERE: Readonly<Record<string, string>> = {
  [SYS_ATTACHMENT]: "the Attachment API (/api/now/attachment)",
  [SYS_JOURNAL_FIELD]: "the journal fields of its record (comments, work_notes)",
};

export type TableApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export function createTableApi(options: TableApiOptions): TableApiHandler {
  const { client, tables, logger } = options;
  const clock = options.clock ?? systemClock;
  const config = createConfigReader({
    client,
    configTable: tables.config,
    logger,
    clock,
    ttlMs: options.configTtlMs ?? TABLE_API_CONFIG_TTL_MS,
  });
  const access = new TableAccess(config, logger);
  const records = new RecordsStore(client, tables.records, clock);
  const numbers = new NumberCounters(client, tables.records);
  const users = usersTable({
    store: new DynamoUserStore(client, tables.users),
    directory: new UserDirectory(client, tables.users, clock),
  });
  const attachments = new AttachmentStore(records, options.attachments.s3, options.attachments.bucket, clock, logger);
  const journalOf = (dictionary: Dictionary): Journal =>
    new Journal(records, options.journalColumns ?? dictionaryJournalColumns(dictionary));

  return (event) => {
    let operation: AclOperation = "read";
    return serveRequest(
      event,
      { message: "table api request", logger, clock, translate: (thrown) => toApiError(thrown, operation) },
      async (line) => {
        line["table"] = event.pathParameters?.["table"];
        const request = parseRequest(event);
        operation = request.operation;
        const rules = await access.rules();
        const { dictionary } = rules;
        rules.check(request.table, request.caller, operation);
        const writer = WRITTEN_ELSEWHERE[request.table];
        if (writer !== undefined && operation !== "read") {
          throw new ForbiddenError("Operation Failed", `${request.table} is written through ${writer}`);
        }
        const journal = journalOf(dictionary);
        const sourceFor = (table: string, op: AclOperation): TableSource =>
          table === SYS_USER
            ? users
            : recordsTable({
                store: records,
                numbers,
                attachments,
                journal,
                table,
                definition: dictionary.table(table),
                partitions:
                  dictionary.table(table) === undefined
                    ? [table]
                    : dictionary
                        .descendants(table)
                        .filter((name) => name === table || rules.allows(name, request.caller, op)),
              });
        const references: ReferenceResolver = {
          async displayValues(table, sysIds) {
            const definition = dictionary.table(table);
            const display = definition?.display;
            // References to a table the caller may not read show no display value, as ServiceNow's ACLs hide it.
            if (definition === undefined || display === undefined || !rules.allows(table, request.caller, "read")) {
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
            dictionary.table(table) !== undefined && rules.allows(table, request.caller, "read")
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
