// API Gateway proxy events for backend tests, routed through ROUTES the way API Gateway (and the local
// gateway) route them, with the authorizer's context as it passes it on.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { newSysId } from "../kit/authorizer-fixture";
import { routeMatcher } from "../../functions/http/route-match";
import { ROUTES, type BackendName, type HttpMethod, type RouteDefinition } from "../../functions/http/routes";

export interface TestCaller {
  readonly sys_id: string;
  readonly user_name: string;
  readonly roles: readonly string[];
  readonly provider?: string;
}

export interface EventInput {
  readonly method: HttpMethod;
  /** The path as a client requests it, e.g. `/api/now/table/incident?sysparm_limit=1` (a query is allowed here). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** An object is sent as JSON; a string as it is. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The authenticated caller; null sends no authorizer context at all. */
  readonly caller?: TestCaller | null;
  /** The authorizer's result as it is (context and principalId), instead of `caller`. */
  readonly authorizerResult?: {
    readonly principalId: string;
    readonly context?: Readonly<Record<string, unknown>> | null;
  };
}

export { newSysId };

export const caller = (user_name: string, roles: readonly string[], sys_id = newSysId()): TestCaller => ({
  sys_id,
  user_name,
  roles,
  provider: "okta",
});

const routes = routeMatcher(ROUTES);

/** The route API Gateway would pick: literal segments win over parameters, as it does. */
function route(method: string, path: string): { route: RouteDefinition; pathParameters: Record<string, string> } {
  const matched = routes.match(method, path);
  if (!matched.route) throw new Error(`no route for ${method} ${path}`);
  return { route: matched.route, pathParameters: matched.params };
}

export function apiEvent(input: EventInput): { event: APIGatewayProxyEvent; backend: BackendName } {
  const url = new URL(input.path, "https://snow.example.com");
  for (const [name, value] of Object.entries(input.query ?? {})) url.searchParams.append(name, value);
  const { route: matched, pathParameters } = route(input.method, url.pathname);
  const query: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  const who = input.caller === undefined ? caller("beth.anglin", ["itil"]) : input.caller;
  const body =
    input.body === undefined ? null : typeof input.body === "string" ? input.body : JSON.stringify(input.body);
  const event = {
    resource: matched.path,
    path: url.pathname,
    httpMethod: input.method,
    headers: { Host: "snow.example.com", "X-Forwarded-Proto": "https", Accept: "application/json", ...input.headers },
    multiValueHeaders: {},
    queryStringParameters: url.searchParams.size > 0 ? query : null,
    multiValueQueryStringParameters: url.searchParams.size > 0 ? multi : null,
    pathParameters,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      path: url.pathname,
      stage: "v1",
      httpMethod: input.method,
      resourcePath: matched.path,
      // API Gateway passes the authorizer's context on with its principalId added.
      authorizer: input.authorizerResult
        ? { ...input.authorizerResult.context, principalId: input.authorizerResult.principalId }
        : who === null
          ? undefined
          : {
              principalId: who.sys_id,
              sys_id: who.sys_id,
              user_name: who.user_name,
              roles: who.roles.join(","),
              provider: who.provider ?? "okta",
            },
    },
  } as unknown as APIGatewayProxyEvent;
  return { event, backend: matched.backend };
}

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or undefined for an empty body. */
  readonly body: unknown;
  readonly raw: string;
}

export function parseReply(result: APIGatewayProxyResult): Reply {
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]),
  );
  return {
    status: result.statusCode,
    headers,
    body: result.body === "" ? undefined : (JSON.parse(result.body) as unknown),
    raw: result.body,
  };
}

/** `{"result": ...}` of a reply, typed loosely for assertions. */
export const resultOf = <T = Record<string, string>>(reply: Reply): T => (reply.body as { result: T }).result;
