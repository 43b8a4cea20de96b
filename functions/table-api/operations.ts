// The five Table API operations, each from a parsed request to its response.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { MethodNotAllowedError } from "../http/api-errors";
import { noContent, ok } from "../http/response";
import type { Caller } from "../http/caller";
import type { AclOperation } from "../config/schema";
import type { Dictionary, DictionaryTable } from "../dictionary/dictionary";
import type { FieldValues } from "../records/store";
import { BINDING_FIELDS } from "../users/store";
import { CUSTOM_USER_FIELD } from "../users/fields";
import { jsonObjectBody } from "../http/request-body";
import { resolveDotWalks, type ReferencedSource } from "./dot-walk";
import { recordNotFound } from "./errors";
import { listRecords } from "./listing";
import { listParams, readOptions, type QueryParams } from "./params";
import { present, referencesOf, resolveReferences, type ReadOptions, type ReferenceResolver } from "./present";
import { fieldsFromBody } from "./record-input";
import { paginationLinks, requestUrl } from "./request-url";
import { SYS_USER, type TableSource } from "./table-source";

export interface TableRequest {
  readonly event: APIGatewayProxyEvent;
  readonly method: string;
  readonly table: string;
  /** Present on /table/{table}/{sys_id}. */
  readonly sysId: string | undefined;
  readonly operation: AclOperation;
  readonly caller: Caller;
  readonly params: QueryParams;
}

/** What the operations know of the table: its dictionary entry (if any) and how to show references. */
interface TableContext {
  readonly dictionary: Dictionary;
  readonly definition: DictionaryTable | undefined;
  readonly references: ReferenceResolver;
  /** A referenced table's records, for dot-walked conditions (undefined: the caller may not read it). */
  readonly referenced: ReferencedSource;
}

/** The ACL operation of a method: GET reads, POST creates, PUT and PATCH write, DELETE deletes. */
export function operationOf(method: string, hasSysId: boolean): AclOperation {
  if (method === "GET") return "read";
  if (method === "POST" && !hasSysId) return "create";
  if ((method === "PUT" || method === "PATCH") && hasSysId) return "write";
  if (method === "DELETE" && hasSysId) return "delete";
  throw new MethodNotAllowedError("Method not Supported", `${method} is not supported on this resource`);
}

/** sys_user also takes the binding fields (to clear them: an unbind) and `u_` fields the directory keeps. */
const userWritable = (name: string): boolean =>
  (BINDING_FIELDS as readonly string[]).includes(name) || CUSTOM_USER_FIELD.test(name);

function bodyFields(request: TableRequest, context: TableContext): FieldValues {
  const body = jsonObjectBody(request.event);
  return fieldsFromBody(body, context.definition, request.table === SYS_USER ? userWritable : undefined);
}

export async function perform(
  source: TableSource,
  request: TableRequest,
  context: TableContext,
): Promise<APIGatewayProxyResult> {
  const { sysId, caller, params } = request;
  if (sysId === undefined) {
    return request.operation === "read" ? list(source, request, context) : create(source, request, context);
  }
  switch (request.operation) {
    case "read": {
      const record = await source.get(sysId);
      if (!record) throw recordNotFound("read");
      return ok(await presentOne(record, readOptions(params), request, context));
    }
    case "write": {
      const options = readOptions(params);
      const record = await source.update(sysId, bodyFields(request, context), caller);
      return ok(await presentOne(record, options, request, context));
    }
    case "delete":
      await source.delete(sysId);
      return noContent();
    case "create":
      throw new MethodNotAllowedError("Method not Supported", "POST is not supported on a record");
  }
}

/** The records as the caller asked to see them, with the display values of what they reference. */
async function presentAll(
  records: readonly FieldValues[],
  options: ReadOptions,
  request: TableRequest,
  context: TableContext,
): Promise<Record<string, unknown>[]> {
  const { definition, dictionary } = context;
  const references = await resolveReferences(referencesOf(records, options, definition), context.references);
  const base = requestUrl(request.event).base;
  const at = base.indexOf("/api/now/");
  const presentation = {
    table: definition,
    linkBase: `${at < 0 ? "" : base.slice(0, at)}/api/now/table`,
    labelOf: (table: string) => dictionary.table(table)?.label,
    references,
  };
  return records.map((record) => present(record, options, presentation));
}

const presentOne = async (
  record: FieldValues,
  options: ReadOptions,
  request: TableRequest,
  context: TableContext,
): Promise<Record<string, unknown>> => (await presentAll([record], options, request, context))[0] ?? {};

async function list(source: TableSource, request: TableRequest, context: TableContext): Promise<APIGatewayProxyResult> {
  const parsed = listParams(request.params);
  const params = { ...parsed, query: await resolveDotWalks(parsed.query, context.definition, context.referenced) };
  const { records, total } = await listRecords(source, params);
  const headers: Record<string, string> = { "X-Total-Count": String(total) };
  if (!params.suppressPaginationHeader) {
    headers["Link"] = paginationLinks(requestUrl(request.event), total, params.offset, params.limit);
  }
  return ok(await presentAll(records, params, request, context), 200, headers);
}

async function create(
  source: TableSource,
  request: TableRequest,
  context: TableContext,
): Promise<APIGatewayProxyResult> {
  const options = readOptions(request.params);
  const record = await source.create(bodyFields(request, context), request.caller);
  const location = `${requestUrl(request.event).base}/${record["sys_id"] ?? ""}`;
  return ok(await presentOne(record, options, request, context), 201, { Location: location });
}
