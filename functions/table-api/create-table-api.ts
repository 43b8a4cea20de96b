// Wires the Table API from its parts; the Lambda handler, the local stack and the tests share it.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { AttachmentStore, SYS_ATTACHMENT } from "../attachments/store";
import { Journal, type JournalColumns, SYS_JOURNAL_FIELD, taskJournalColumns } from "../journal/journal";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { BadRequestError, ForbiddenError } from "../http/api-errors";
import { serveRequest } from "../http/serve";
import { callerOf } from "../http/caller";
import { systemClock, type Clock } from "../shared/clock";
import type { AclOperation } from "../config/schema";
import { createConfigReader, TableAccess } from "../config/table-access";
import type { AppLogger } from "../shared/logger";
import { RecordsStore } from "../records/store";
import { UserDirectory } from "../users/directory";
import { DynamoUserStore } from "../users/store";
import { toApiError } from "./errors";
import { operationOf, perform, type TableRequest } from "./operations";
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
  const access = new TableAccess(config);
  const records = new RecordsStore(client, tables.records, clock);
  const users = usersTable({
    store: new DynamoUserStore(client, tables.users),
    directory: new UserDirectory(client, tables.users, clock),
  });
  const attachments = new AttachmentStore(records, options.attachments.s3, options.attachments.bucket, clock, logger);
  const journal = new Journal(records, options.journalColumns ?? taskJournalColumns);
  const sourceFor = (table: string): TableSource =>
    table === SYS_USER ? users : recordsTable(records, attachments, journal, table);

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
        const writer = WRITTEN_ELSEWHERE[request.table];
        if (writer !== undefined && operation !== "read") {
          throw new ForbiddenError("Operation Failed", `${request.table} is written through ${writer}`);
        }
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
