// The one request wrapper of every backend Lambda: run the request, turn what it throws into ServiceNow's
// error envelope, and log one line per request with the same fields everywhere (never a body or values).
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { Clock } from "../shared/clock";
import type { AppLogger } from "../shared/logger";
import { errorResponse } from "./api-errors";
import { CORS_ORIGINS_ENV, corsHeaders, originOf, parseCorsOrigins } from "./cors";

/** Read once at cold start: a bad value fails there. */
const CORS_ORIGINS = parseCorsOrigins(process.env[CORS_ORIGINS_ENV]);

/**
 * Serves one request: `run` answers it, or throws; `translate` turns a domain error into an ApiError first
 * (the stores' errors, in the words of this backend). The line: `message`, method, resource, status,
 * userSysId, durationMs, and the backend's fields.
 */
export async function serveRequest(
  event: APIGatewayProxyEvent,
  options: { message: string; logger: AppLogger; clock: Clock; translate?: (thrown: unknown) => unknown },
  run: (fields: Record<string, string | undefined>) => Promise<APIGatewayProxyResult>,
): Promise<APIGatewayProxyResult> {
  const startedMs = options.clock.nowMs();
  const fields: Record<string, string | undefined> = {};
  let response: APIGatewayProxyResult;
  try {
    response = await run(fields);
  } catch (thrown) {
    response = errorResponse(options.translate ? options.translate(thrown) : thrown, options.logger);
  }
  options.logger.info(options.message, {
    method: event.httpMethod,
    resource: event.resource,
    ...fields,
    status: response.statusCode,
    userSysId: event.requestContext?.authorizer?.["sys_id"],
    durationMs: options.clock.nowMs() - startedMs,
  });
  // Every answer, errors included, so a browser app can read a 4XX as well as a 200.
  const cors = corsHeaders(CORS_ORIGINS, originOf(event.headers));
  return Object.keys(cors).length === 0 ? response : { ...response, headers: { ...response.headers, ...cors } };
}
