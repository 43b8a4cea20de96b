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
  Context,
} from "aws-lambda";
import { gatewayCorsHeaders, originOf, preflightHeaders } from "../../functions/http/cors";
import { routeMatcher } from "../../functions/http/route-match";
import {
  BINARY_MEDIA_TYPES,
  errorEnvelope,
  FUNCTION_TIMEOUT_SECONDS,
  GATEWAY_RESPONSES,
  INTEGRATION_TIMEOUT_SECONDS,
  WRITE_METHODS,
  type ThrottleLimits,
  type BackendName,
  type GatewayResponseDefinition,
  type RouteDefinition,
} from "../../functions/http/routes";
import type { AppLogger } from "../../functions/shared/logger";
import { evaluatePolicy } from "./policy";

export type AuthorizerHandler = (
  event: APIGatewayTokenAuthorizerEvent,
  context: Context,
) => Promise<APIGatewayAuthorizerResult>;
export type BackendHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** A Lambda invocation context as the handlers read it: a fresh request id per invocation. */
function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadlineMs = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

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
  /** As API Gateway: the authorizer Lambda's timeout (FUNCTION_TIMEOUT_SECONDS), then AUTHORIZER_FAILURE. */
  readonly authorizerTimeoutMs?: number;
  /** As API Gateway: the integration timeout (INTEGRATION_TIMEOUT_SECONDS), then 504. */
  readonly integrationTimeoutMs?: number;
  /** As the stack's corsAllowOrigins: preflight answered here, CORS headers on the gateway's own answers. */
  readonly corsOrigins?: readonly string[];
  /** As the stack's validation expression: a token that does not match is a 401 without the authorizer. */
  readonly tokenPattern?: string;
  /** As the stack's stage and per-method throttling (THROTTLING); none: unthrottled. */
  readonly throttling?: { readonly stage: ThrottleLimits; readonly writes: ThrottleLimits };
}

/** API Gateway's throttle: a token bucket of burstLimit tokens, refilled at rateLimit per second. */
function tokenBucket({ rateLimit, burstLimit }: ThrottleLimits): () => boolean {
  let tokens = burstLimit;
  let lastMs = performance.now();
  return () => {
    const nowMs = performance.now();
    tokens = Math.min(burstLimit, tokens + ((nowMs - lastMs) / 1000) * rateLimit);
    lastMs = nowMs;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** What a handler that has not answered in time resolves to. */
const TIMED_OUT = Symbol("timed out");

async function within<T>(work: Promise<T>, timeoutMs: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export function createGateway(options: GatewayOptions): RequestListener {
  const stage = options.stage ?? "local";
  const apiId = "localapi";
  const routes = routeMatcher(options.routes);
  const cache = new Map<string, { result: APIGatewayAuthorizerResult; expiresAtMs: number }>();
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const authorizerTimeoutMs = options.authorizerTimeoutMs ?? FUNCTION_TIMEOUT_SECONDS * 1000;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_SECONDS * 1000;
  const corsOrigins = options.corsOrigins ?? [];
  const tokenPattern = options.tokenPattern === undefined ? undefined : new RegExp(options.tokenPattern);
  const { throttling } = options;
  const stageBucket = throttling && tokenBucket(throttling.stage);
  const methodBuckets = new Map<string, () => boolean>();
  /** Whether the stage's and the method's buckets each have a token (API Gateway takes from both). */
  const admitted = (route: RouteDefinition): boolean => {
    if (!throttling || !stageBucket) return true;
    if (!WRITE_METHODS.has(route.method)) return stageBucket();
    const key = `${route.path}/${route.method}`;
    let bucket = methodBuckets.get(key);
    if (!bucket) {
      bucket = tokenBucket(throttling.writes);
      methodBuckets.set(key, bucket);
    }
    return bucket() && stageBucket();
  };

  async function authorize(token: string, methodArn: string): Promise<APIGatewayAuthorizerResult> {
    const cached = cache.get(token);
    if (cached && cached.expiresAtMs > Date.now()) return cached.result;
    const result = await within(
      options.authorizer(
        { type: "TOKEN", authorizationToken: token, methodArn },
        lambdaContext("Authorizer", authorizerTimeoutMs),
      ),
      authorizerTimeoutMs,
    );
    if (result === TIMED_OUT) throw new Error(`authorizer timed out after ${authorizerTimeoutMs} ms`);
    if (options.authorizerCacheTtlSeconds > 0) {
      cache.set(token, { result, expiresAtMs: Date.now() + options.authorizerCacheTtlSeconds * 1000 });
    }
    return result;
  }

  return (request, response) => {
    const origin = originOf(request.headers);
    // API Gateway's own answers carry the CORS headers of its gateway responses (infra/api.ts).
    const send = (definition: GatewayResponseDefinition) =>
      sendRaw(response, {
        ...definition,
        headers: { ...definition.headers, ...gatewayCorsHeaders(corsOrigins, origin) },
      });
    void handle(request, response, send).catch((error: unknown) => {
      options.logger.error("local gateway fault", { error });
      if (!response.headersSent) send(jsonError(500, "Internal server error"));
    });
  };

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
    send: (definition: GatewayResponseDefinition) => void,
  ): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    const method = (request.method ?? "GET").toUpperCase();
    const path = url.pathname;
    const matched = routes.match(method, path);
    if (method === "OPTIONS" && corsOrigins.length > 0 && !matched.route && matched.pathMatched) {
      // The stack's preflight method: a mock integration, no authorizer (browsers send no token on it).
      response.writeHead(204, preflightHeaders(corsOrigins, originOf(request.headers)));
      response.end();
      return;
    }
    if (!matched.route) {
      // API Gateway's MISSING_AUTHENTICATION_TOKEN, before any authorizer: the stack's gateway response.
      return send(GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN);
    }
    // API Gateway throttles before anything else runs, the authorizer included.
    if (!admitted(matched.route)) return send(GATEWAY_RESPONSES.THROTTLED);
    const body = await readBody(request, maxBodyBytes);
    if (body === undefined) {
      return send(jsonError(413, "Request Too Long"));
    }

    const token = request.headers.authorization;
    if (token === undefined || token === "" || (tokenPattern && !tokenPattern.test(token)))
      return send(GATEWAY_RESPONSES.UNAUTHORIZED);
    const methodArn = `arn:aws:execute-api:local:000000000000:${apiId}/${stage}/${method}${path}`;
    let policy: APIGatewayAuthorizerResult;
    try {
      policy = await authorize(token, methodArn);
    } catch (error) {
      if (error instanceof Error && error.message === "Unauthorized") return send(GATEWAY_RESPONSES.UNAUTHORIZED);
      options.logger.error("authorizer failed", { error });
      // API Gateway: an authorizer error other than "Unauthorized", or no answer in time, is a 500.
      return send(GATEWAY_RESPONSES.AUTHORIZER_FAILURE);
    }
    if (evaluatePolicy(policy.policyDocument, methodArn) === "deny") return send(GATEWAY_RESPONSES.ACCESS_DENIED);

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
    const { backend } = matched.route;
    const result = await within(
      options.backends[backend](event, lambdaContext(backend, integrationTimeoutMs)),
      integrationTimeoutMs,
    );
    if (result === TIMED_OUT) {
      options.logger.error("backend timed out", { backend, timeoutMs: integrationTimeoutMs });
      return send(jsonError(504, "Endpoint request timed out"));
    }
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

function sendRaw(response: ServerResponse, definition: GatewayResponseDefinition): void {
  response.writeHead(definition.statusCode, definition.headers);
  response.end(definition.body);
}
