// The API's functions and routes, defined once: the CDK stack and the local stack both build from this.
import type { TableName } from "./tables";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type TableAccess = "read" | "readWrite";

export interface FunctionDefinition {
  /** Construct id in the stack, and the name the local stack logs. */
  readonly id: string;
  /** Handler module, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Least privilege: the tables the function may touch, and how. */
  readonly tables: Readonly<Partial<Record<TableName, TableAccess>>>;
}

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway resource path; `{name}` is a path parameter. */
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
  whoami: {
    id: "WhoAmI",
    entry: "functions/whoami/handler.ts",
    description: "Returns the authenticated caller as the authorizer saw them",
    tables: {},
  },
} as const satisfies Record<string, FunctionDefinition>;

export type BackendName = keyof typeof BACKENDS;

export const ROUTES: readonly RouteDefinition[] = [
  { method: "GET", path: "/api/x_oidc/whoami", backend: "whoami" },
];
