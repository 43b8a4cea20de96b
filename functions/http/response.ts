// API Gateway proxy responses in ServiceNow's shapes: {"result": ...} on success, the error envelope otherwise.
import type { APIGatewayProxyResult } from "aws-lambda";
import { errorBody } from "../shared/errors";

export type Headers = Readonly<Record<string, string>>;

/** ServiceNow sends its JSON with an explicit charset; responses carry user data, so no caching anywhere. */
const JSON_HEADERS: Headers = {
  "Content-Type": "application/json;charset=UTF-8",
  "Cache-Control": "no-store",
};

export function ok(result: unknown, status = 200, headers: Headers = {}): APIGatewayProxyResult {
  return { statusCode: status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify({ result }) };
}

/** DELETE's answer: 204 and no body at all, as ServiceNow (and pysnow, which checks for it) expect. */
export function noContent(): APIGatewayProxyResult {
  return { statusCode: 204, headers: { "Cache-Control": "no-store" }, body: "" };
}

export function error(status: number, message: string, detail: string | null = null): APIGatewayProxyResult {
  return { statusCode: status, headers: JSON_HEADERS, body: JSON.stringify(errorBody(message, detail)) };
}
