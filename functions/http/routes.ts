// The manifest of the API: its functions, its routes and API Gateway's own answers (gateway responses),
// defined once; the CDK stack and the local stack both build from this.
import { SCRIPTED_BACKENDS, SCRIPTED_ROUTES } from "../scripted/apis";
import type { FunctionDefinition, HttpMethod } from "./route-types";
import { errorBody, UNAUTHENTICATED_BODY } from "../shared/errors";

export type { BucketAccess, BucketName, FunctionDefinition, HttpMethod, TableAccess } from "./route-types";

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway resource path; `{name}` is a path parameter, `{name+}` a greedy one (the rest of the path). */
  readonly path: string;
  readonly backend: BackendName;
}

export const AUTHORIZER: FunctionDefinition = {
  id: "Authorizer",
  entry: "functions/authorizer/handler.ts",
  description: "Verifies external OIDC ID tokens and maps them to users",
  // users: readWrite for just-in-time provisioning and last_login_time.
  tables: { config: "read", users: "readWrite", jti: "readWrite" },
};

export const BACKENDS = {
  tableApi: {
    id: "TableApi",
    entry: "functions/table-api/handler.ts",
    description: "ServiceNow Table API over DynamoDB, with role-based ACLs",
    // config: ACLs; users: sys_user is served (and, by admins, written) from the users table.
    tables: { config: "read", records: "readWrite", users: "readWrite" },
    // Deleting a record deletes its attachments' bytes; it never reads or writes them.
    buckets: { attachments: "delete" },
  },
  attachmentApi: {
    id: "AttachmentApi",
    entry: "functions/attachments/handler.ts",
    description: "ServiceNow Attachment API: bytes in S3, metadata as sys_attachment records",
    // config: ACLs and limits; records: sys_attachment rows and the records they belong to.
    tables: { config: "read", records: "readWrite" },
    buckets: { attachments: "readWrite" },
  },
  // One per scripted REST API module (functions/scripted/apis.ts).
  ...SCRIPTED_BACKENDS,
} as const satisfies Record<string, FunctionDefinition>;

export type BackendName = keyof typeof BACKENDS;

/** The Table API answers under ServiceNow's three prefixes: unversioned, v1 and v2. */
const TABLE_API_PREFIXES = ["/api/now/table", "/api/now/v1/table", "/api/now/v2/table"] as const;

/** The Attachment API answers unversioned and under v1, as ServiceNow's. */
const ATTACHMENT_API_PREFIXES = ["/api/now/attachment", "/api/now/v1/attachment"] as const;

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
  /** The authorizer's policy does not allow this method. */
  ACCESS_DENIED: {
    statusCode: 403,
    body: JSON.stringify(errorBody("Operation Failed", "Access denied")),
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
