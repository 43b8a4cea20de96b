// The five Table API operations, each from a parsed request to its response.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { MethodNotAllowedError } from "../http/api-errors";
import { noContent, ok } from "../http/response";
import type { Caller } from "../http/caller";
import type { AclOperation } from "../config/schema";
import { jsonObjectBody } from "../http/request-body";
import { recordNotFound } from "./errors";
import { listRecords } from "./listing";
import { listParams, project, readOptions, type QueryParams } from "./params";
import { fieldsFromBody } from "./record-input";
import { paginationLinks, requestUrl } from "./request-url";
import type { TableSource } from "./table-source";

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

/** The ACL operation of a method: GET reads, POST creates, PUT and PATCH write, DELETE deletes. */
export function operationOf(method: string, hasSysId: boolean): AclOperation {
  if (method === "GET") return "read";
  if (method === "POST" && !hasSysId) return "create";
  if ((method === "PUT" || method === "PATCH") && hasSysId) return "write";
  if (method === "DELETE" && hasSysId) return "delete";
  throw new MethodNotAllowedError("Method not Supported", `${method} is not supported on this resource`);
}

export async function perform(source: TableSource, request: TableRequest): Promise<APIGatewayProxyResult> {
  const { sysId, caller, params } = request;
  if (sysId === undefined) {
    return request.operation === "read" ? list(source, request) : create(source, request);
  }
  switch (request.operation) {
    case "read": {
      const record = await source.get(sysId);
      if (!record) throw recordNotFound("read");
      return ok(project(record, readOptions(params)));
    }
    case "write": {
      const options = readOptions(params);
      const record = await source.update(sysId, fieldsFromBody(jsonObjectBody(request.event)), caller);
      return ok(project(record, options));
    }
    case "delete":
      await source.delete(sysId);
      return noContent();
    case "create":
      throw new MethodNotAllowedError("Method not Supported", "POST is not supported on a record");
  }
}

async function list(source: TableSource, request: TableRequest): Promise<APIGatewayProxyResult> {
  const params = listParams(request.params);
  const { records, total } = await listRecords(source, params);
  const headers: Record<string, string> = { "X-Total-Count": String(total) };
  if (!params.suppressPaginationHeader) {
    headers["Link"] = paginationLinks(requestUrl(request.event), total, params.offset, params.limit);
  }
  return ok(records, 200, headers);
}

async function create(source: TableSource, request: TableRequest): Promise<APIGatewayProxyResult> {
  const options = readOptions(request.params);
  const record = await source.create(fieldsFromBody(jsonObjectBody(request.event)), request.caller);
  const location = `${requestUrl(request.event).base}/${record["sys_id"] ?? ""}`;
  return ok(project(record, options), 201, { Location: location });
}
