// The local stand-in for API Gateway: serves the routes of functions/http/routes.ts, runs the real
// authorizer handler with a TOKEN event, evaluates its policy, applies the same gateway responses and
// passes the authorizer context to the real backend handler.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayTokenAuthorizerEvent,
} from "aws-lambda";
import { routeMatcher } from "../../functions/http/route-match";
import {
  BINARY_MEDIA_TYPES,
  errorEnvelope,
  GATEWAY_RESPONSES,
  type BackendName,
  type GatewayResponseDefinition,
  type RouteDefinition,
} from "../../functions/http/routes";
import type { AppLogger } from "../../functions/shared/logger";
import { evaluatePolicy } from "./policy";

export type AuthorizerHandler = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
export type BackendHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

interface GatewayOptions {
  readonly routes: readonly RouteDefinition[];
  readonly authorizer: AuthorizerHandler;
  readonly backends: Readonly<Record<BackendName, BackendHandler>>;
  /** As the stack's authorizerCacheTtlSeconds: 0 (the default) caches nothing. */
  readonly authorizerCacheTtlSeconds: number;
  readonly logger: AppLogger;
  readonly stage?: string;
  /** API Gateway's payload limit is 10 MB; the backends enforce their own smaller limits. */
  readonly maxBodyBytes?: number;
}

export function createGateway(options: GatewayOptions): RequestListener {
  const stage = options.stage ?? "local";
  const apiId = "localapi";
  const routes = routeMatcher(options.routes);
  const cache = new Map<string, { result: APIGatewayAuthorizerResult; expiresAtMs: number }>();
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;

  async function authorize(token: string, methodArn: string): Promise<APIGatewayAuthorizerResult> {
    const cached = cache.get(token);
    if (cached && cached.expiresAtMs > Date.now()) return cached.result;
    const result = await options.authorizer({ type: "TOKEN", authorizationToken: token, methodArn });
    if (options.authorizerCacheTtlSeconds > 0) {
      cache.set(token, { result, expiresAtMs: Date.now() + options.authorizerCacheTtlSeconds * 1000 });
    }
    return result;
  }

  return (request, response) => {
    void handle(request, response).catch((error: unknown) => {
      options.logger.error("local gateway fault", { error });
      if (!response.headersSent) send(response, jsonError(500, "Internal server error"));
    });
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    const method = (request.method ?? "GET").toUpperCase();
    const path = url.pathname;
    const matched = routes.match(method, path);
    if (!matched.route) {
      // API Gateway answers an unknown resource or method with 403 "Missing Authentication Token".
      return send(response, jsonError(403, "Missing Authentication Token"));
    }
    const body = await readBody(request, maxBodyBytes);
    if (body === undefined) {
      return send(response, jsonError(413, "Request Too Long"));
    }

    const token = request.headers.authorization;
    if (token === undefined || token === "") return send(response, GATEWAY_RESPONSES.UNAUTHORIZED);
    const methodArn = `arn:aws:execute-api:local:000000000000:${apiId}/${stage}/${method}${path}`;
    let policy: APIGatewayAuthorizerResult;
    try {
      policy = await authorize(token, methodArn);
    } catch (error) {
      if (error instanceof Error && error.message === "Unauthorized")
        return send(response, GATEWAY_RESPONSES.UNAUTHORIZED);
      options.logger.error("authorizer failed", { error });
      // API Gateway: an authorizer error other than "Unauthorized" is a 500 (AuthorizerConfigurationException).
      return send(response, jsonError(500, "Internal server error"));
    }
    if (evaluatePolicy(policy.policyDocument, methodArn) === "deny")
      return send(response, GATEWAY_RESPONSES.ACCESS_DENIED);

    const event = proxyEvent({
      request,
      url,
      method,
      body,
      stage,
      apiId,
      route: matched.route,
      pathParameters: matched.params,
      policy,
    });
    const result = await options.backends[matched.route.backend](event);
    const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
    response.writeHead(result.statusCode, headers);
    response.end(result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body);
  }
}

function proxyEvent(input: {
  request: IncomingMessage;
  url: URL;
  method: string;
  body: Buffer;
  stage: string;
  apiId: string;
  route: RouteDefinition;
  pathParameters: Record<string, string>;
  policy: APIGatewayAuthorizerResult;
}): APIGatewayProxyEvent {
  const { request, url, method, body, stage, apiId, route, pathParameters, policy } = input;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const value = request.rawHeaders[i + 1] as string;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    multiQuery[name] = [...(multiQuery[name] ?? []), value];
  }
  const hasQuery = url.searchParams.size > 0;
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    stageVariables: null,
    // As API Gateway with binary media types: a body of such a type arrives base64-encoded, byte for byte.
    ...eventBody(body, headers),
    requestContext: {
      accountId: "000000000000",
      apiId,
      authorizer: { ...policy.context, principalId: policy.principalId },
      protocol: "HTTP/1.1",
      httpMethod: method,
      identity: {
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["User-Agent"] ?? null,
      } as never,
      // In AWS this includes the stage because the URL does; the local URL has no stage segment.
      path: url.pathname,
      stage,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: "local",
      resourcePath: route.path,
    },
  };
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Whether API Gateway treats a body of this Content-Type as binary: it matches one of BINARY_MEDIA_TYPES. */
function isBinary(contentType: string | undefined): boolean {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return BINARY_MEDIA_TYPES.some(
    (range: string) => range === "*/*" || (range.endsWith("/*") ? type.startsWith(range.slice(0, -1)) : type === range),
  );
}

function eventBody(
  body: Buffer,
  headers: Record<string, string>,
): Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded"> {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  const contentType = Object.entries(headers).find(([name]) => name.toLowerCase() === "content-type")?.[1];
  return isBinary(contentType)
    ? { body: body.toString("base64"), isBase64Encoded: true }
    : { body: body.toString("utf8"), isBase64Encoded: false };
}

const jsonError = (statusCode: number, message: string): GatewayResponseDefinition => ({
  statusCode,
  body: errorEnvelope(message),
  headers: { "Content-Type": "application/json" },
});

function send(response: ServerResponse, definition: GatewayResponseDefinition): void {
  response.writeHead(definition.statusCode, definition.headers);
  response.end(definition.body);
}
