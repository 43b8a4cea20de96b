// API Gateway proxy responses in ServiceNow's shapes: {"result": ...} on success, the error envelope otherwise.
import type { APIGatewayProxyResult } from "aws-lambda";

export type Headers = Readonly<Record<string, string>>;

/** ServiceNow sends its JSON with an explicit charset; responses carry user data, so no caching anywhere. */
const JSON_HEADERS: Headers = {
  "Content-Type": "application/json;charset=UTF-8",
  "Cache-Control": "no-store",
};

/** The ServiceNow error envelope: `detail` is null where ServiceNow sends null (e.g. `Invalid table`). */
export interface ErrorBody {
  readonly error: { readonly message: string; readonly detail: string | null };
  readonly status: "failure";
}

export function ok(result: unknown, status = 200, headers: Headers = {}): APIGatewayProxyResult {
  return { statusCode: status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify({ result }) };
}

/** DELETE's answer: 204 and no body at all, as ServiceNow (and pysnow, which checks for it) expect. */
export function noContent(): APIGatewayProxyResult {
  return { statusCode: 204, headers: { "Cache-Control": "no-store" }, body: "" };
}

export function error(status: number, message: string, detail: string | null = null): APIGatewayProxyResult {
  const body: ErrorBody = { error: { message, detail }, status: "failure" };
  return { statusCode: status, headers: JSON_HEADERS, body: JSON.stringify(body) };
}
