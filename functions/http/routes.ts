// The manifest of the API: its functions, its routes and API Gateway's own answers (gateway responses),
// defined once; the CDK stack and the local stack both build from this.
import { SCRIPTED_BACKENDS, SCRIPTED_ROUTE_RULES, SCRIPTED_ROUTES } from "../scripted/apis";
import { API_PREFIXES } from "./api-prefixes";
import { SHIPPED_ROUTE_RULES_ENV } from "../shared/env";
import type { FunctionDefinition, HttpMethod } from "./route-types";
import { errorBody, UNAUTHENTICATED_BODY } from "../shared/errors";

export type { BucketAccess, BucketName, FunctionDefinition, HttpMethod, TableAccess } from "./route-types";

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway resource path; `{name}` is a path parameter, `{name+}` a greedy one (the rest of the path). */
  readonly path: string;
  readonly backend: BackendName;
}

/**
 * What the shipped routes require of every caller, checked by the authorizer as the operators' route
 * rules are: today the roles of the scripted resources that name some. The authorizer learns them from
 * its environment (SHIPPED_ROUTE_RULES_ENV), so its bundle carries none of the APIs.
 */
export const SHIPPED_ROUTE_RULES = SCRIPTED_ROUTE_RULES;

export const AUTHORIZER: FunctionDefinition = {
  id: "Authorizer",
  entry: "functions/authorizer/handler.ts",
  description: "Verifies external OIDC ID tokens and access tokens, maps them to users and routes",
  environment: { [SHIPPED_ROUTE_RULES_ENV]: JSON.stringify(SHIPPED_ROUTE_RULES) },
  tables: {
    config: { actions: ["Scan"] },
    // Lookups by sys_id and by index; binding, provisioning (guards claimed and given back), last_login_time.
    users: { actions: ["GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"] },
    // One conditional PutItem per token; only the admin CLI's explain (outside Lambda) reads markers.
    jti: { actions: ["PutItem"] },
    // The persisted discovery documents and key sets: read at a cold start, written after each good fetch.
    providerState: { actions: ["GetItem", "UpdateItem"] },
  },
};

/**
 * The TOKEN authorizer's validation expression: `Bearer` (any case, RFC 6750 2.1) and a compact JWS of three
 * non-empty base64url segments. API Gateway answers anything else with 401 without invoking the authorizer,
 * so junk Authorization values cost no Lambda call (and `alg: none`, with its empty signature, never
 * reaches one). Spelled without flags: API Gateway evaluates it as a Java regex, the local gateway in JS.
 */
export const AUTHORIZER_TOKEN_PATTERN =
  "^[Bb][Ee][Aa][Rr][Ee][Rr] +[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+ *$";

/** Requests per second and burst, as API Gateway throttles them (a token bucket per stage and per method). */
export interface ThrottleLimits {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * Stage limits: far above what the ServiceNow-shaped clients of one organization send, far below the
 * account's 10,000 requests/s that every API in the region shares, so a runaway client or a token flood
 * is refused at the edge (429) before it becomes authorizer invocations (about 5 concurrent at 100/s).
 * Writes are throttled lower: each is several DynamoDB writes and a record's history.
 */
export const THROTTLING: { readonly stage: ThrottleLimits; readonly writes: ThrottleLimits } = {
  stage: { rateLimit: 100, burstLimit: 200 },
  writes: { rateLimit: 25, burstLimit: 50 },
};

export const WRITE_METHODS: ReadonlySet<HttpMethod> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export const BACKENDS = {
  tableApi: {
    id: "TableApi",
    entry: "functions/table-api/handler.ts",
    description: "ServiceNow Table API over DynamoDB, with role-based ACLs",
    tables: {
      // ACLs.
      config: { actions: ["Scan"] },
      // Records and their journal entries; UpdateItem: the number counters and journal-only writes.
      records: { actions: ["GetItem", "BatchGetItem", "Query", "PutItem", "DeleteItem", "UpdateItem"] },
      // sys_user is served (and, by admins, written) from the users table; guards keep names unique.
      users: { actions: ["GetItem", "BatchGetItem", "Query", "PutItem", "DeleteItem"] },
    },
    // Deleting a record deletes its attachments' bytes; it never reads or writes them.
    buckets: { attachments: "delete" },
  },
  attachmentApi: {
    id: "AttachmentApi",
    entry: "functions/attachments/handler.ts",
    description: "ServiceNow Attachment API: bytes in S3, metadata as sys_attachment records",
    tables: {
      // ACLs and limits.
      config: { actions: ["Scan"] },
      // sys_attachment rows (added, listed, removed) and the records they belong to (read).
      records: { actions: ["GetItem", "BatchGetItem", "Query", "PutItem", "DeleteItem"] },
    },
    buckets: { attachments: "readWrite" },
  },
  // One per scripted REST API module (functions/scripted/apis.ts).
  ...SCRIPTED_BACKENDS,
} as const satisfies Record<string, FunctionDefinition>;

export type BackendName = keyof typeof BACKENDS;

/** The Table API answers under ServiceNow's three prefixes: unversioned, v1 and v2. */
const TABLE_API_PREFIXES = API_PREFIXES["now/table"];

/** The Attachment API answers unversioned and under v1, as ServiceNow's. */
const ATTACHMENT_API_PREFIXES = API_PREFIXES["now/attachment"];

const ATTACHMENT_METHODS = {
  "": ["GET"],
  "/file": ["POST"],
  "/upload": ["POST"],
  "/{sys_id}": ["GET", "DELETE"],
  "/{sys_id}/file": ["GET"],
} as const satisfies Record<string, readonly HttpMethod[]>;

/**
 * Request bodies API Gateway passes on as bytes (base64 in the event), untouched: all of them, since an
 * attachment may be of any type. JSON bodies arrive base64-encoded too, and every backend decodes them.
 */
export const BINARY_MEDIA_TYPES = ["*/*"] as const;

export const ROUTES: readonly RouteDefinition[] = [
  ...TABLE_API_PREFIXES.flatMap((prefix): RouteDefinition[] => [
    { method: "GET", path: `${prefix}/{table}`, backend: "tableApi" },
    { method: "POST", path: `${prefix}/{table}`, backend: "tableApi" },
    ...(["GET", "PUT", "PATCH", "DELETE"] as const).map(
      (method): RouteDefinition => ({ method, path: `${prefix}/{table}/{sys_id}`, backend: "tableApi" }),
    ),
  ]),
  ...ATTACHMENT_API_PREFIXES.flatMap((prefix) =>
    Object.entries(ATTACHMENT_METHODS).flatMap(([below, methods]) =>
      methods.map((method): RouteDefinition => ({ method, path: `${prefix}${below}`, backend: "attachmentApi" })),
    ),
  ),
  ...SCRIPTED_ROUTES,
];

/** Every function's Lambda timeout: API Gateway waits this long for the authorizer, then answers AUTHORIZER_FAILURE. */
export const FUNCTION_TIMEOUT_SECONDS = 10;
/** API Gateway's REST integration timeout: a backend still running then is answered with 504. */
export const INTEGRATION_TIMEOUT_SECONDS = 29;

// API Gateway's own answers, in the ServiceNow error envelope.

export interface GatewayResponseDefinition {
  readonly statusCode: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

const json = { "Content-Type": "application/json" };

export const GATEWAY_RESPONSES = {
  /** The authorizer said "Unauthorized", or the Authorization header is missing. RFC 6750 3: WWW-Authenticate. */
  UNAUTHORIZED: {
    statusCode: 401,
    body: JSON.stringify(UNAUTHENTICATED_BODY),
    headers: { ...json, "WWW-Authenticate": "Bearer" },
  },
  /**
   * No route has this path and method: API Gateway's MISSING_AUTHENTICATION_TOKEN (by default a 403
   * "Missing Authentication Token"), answered as ServiceNow answers a URI no API serves.
   */
  MISSING_AUTHENTICATION_TOKEN: {
    statusCode: 400,
    body: JSON.stringify(errorBody("Requested URI does not represent any resource", null)),
    headers: json,
  },
  /**
   * The token's policy does not cover this route (a cached policy, applied to another route the token may
   * not call): the same 401 and body as any other refusal, as ServiceNow answers a token its restrictions
   * keep from an API. Only the authorizer's policies deny; the API has no resource policy.
   */
  ACCESS_DENIED: {
    statusCode: 401,
    body: JSON.stringify(UNAUTHENTICATED_BODY),
    headers: { ...json, "WWW-Authenticate": "Bearer" },
  },
  /** Over a stage or method throttle: API Gateway's 429 and its message. */
  THROTTLED: {
    statusCode: 429,
    body: JSON.stringify(errorBody("Too Many Requests", "")),
    headers: json,
  },
  /**
   * The authorizer failed other than with "Unauthorized", or timed out: API Gateway's 500 (its own body is
   * `{"message": null}`), in the envelope with API Gateway's message for a 500.
   */
  AUTHORIZER_FAILURE: {
    statusCode: 500,
    body: JSON.stringify(errorBody("Internal server error", "")),
    headers: json,
  },
} as const satisfies Record<string, GatewayResponseDefinition>;

/** Any other gateway error (4XX/5XX): API Gateway's message in the envelope. */
export const errorEnvelope = (message: string): string => JSON.stringify(errorBody(message, ""));

/**
 * The same envelope as an API Gateway response template: `$context.error.messageString` is already a
 * quoted JSON string, so it replaces a quoted placeholder.
 */
export const ERROR_ENVELOPE_TEMPLATE = errorEnvelope("\u0000").replace(
  JSON.stringify("\u0000"),
  "$context.error.messageString",
);
