// Scripted REST services: an API module declares its namespace, id, version and resources; this serves
// them behind the authorizer with ServiceNow's {"result": ...} and error envelope.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { isAdmin } from "../config/acl";
import type { AclOperation } from "../config/schema";
import { aclDenied, type TableAccess } from "../config/table-access";
import { BadRequestError, ForbiddenError, MethodNotAllowedError } from "../http/api-errors";
import { serveRequest } from "../http/serve";
import { systemClock, type Clock } from "../shared/clock";
import { ok, type Headers } from "../http/response";
import { callerOf, type Caller } from "../http/caller";
import type { AppLogger } from "../shared/logger";
import { jsonBody } from "../http/request-body";
import type { HttpMethod } from "../http/route-types";
import { routeMatcher, type RouteMatcher } from "../http/route-match";

// What an API's handlers throw to answer with an error; anything else is a 500.
export { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "../http/api-errors";
export type { Caller } from "../http/caller";

export interface ScriptedRequest {
  readonly method: HttpMethod;
  /** The path below the API's mount point, e.g. `/incident/INC0010001/comment`. */
  readonly path: string;
  /** Values of the resource path's `{name}` segments. */
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** Header names lower-cased. Authorization is left out: the caller is `user`, and a token must never be logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON body, parsed; undefined when there is none. */
  readonly body: unknown;
  /** The authenticated caller as the authorizer saw them (roles included). */
  readonly user: Caller;
}

/** A table a resource reads or changes, and the ACL operation that needs. */
interface TableRequirement {
  readonly table: string;
  readonly operation: AclOperation;
}

export interface Resource<Services> {
  readonly method: HttpMethod;
  /** Relative to the API, with `{name}` segments: `/incident/{id}/comment`. */
  readonly path: string;
  /** The caller needs at least one of these roles (admin always passes); none listed = any authenticated user. */
  readonly roles?: readonly string[];
  /**
   * The table ACLs the resource acts under: the framework checks each before `handle` runs (403
   * otherwise), so no resource can forget its table's ACL. Required; `[]` for one that touches no
   * ACL-governed table (say so in its description).
   */
  readonly tables: readonly TableRequirement[];
  readonly description?: string;
  /** Returns the result (sent as `{"result": ...}`, status 200) or a `reply(...)` for another status. */
  handle(request: ScriptedRequest, services: Services): unknown;
}

export interface ScriptedApi<Services> {
  /** Lowercase, like a ServiceNow application scope (`x_oidc`); `now` belongs to the Table API. */
  readonly namespace: string;
  readonly id: string;
  /** `v1`, `v2`, ...: the API is mounted with and without it. */
  readonly version: string;
  readonly description: string;
  readonly resources: readonly Resource<Services>[];
}

/** A result with a status other than 200, or extra headers. */
class Reply {
  constructor(
    readonly body: unknown,
    readonly status: number,
    readonly headers: Headers,
  ) {}
}

export const reply = (body: unknown, options: { status?: number; headers?: Headers } = {}): Reply =>
  new Reply(body, options.status ?? 200, options.headers ?? {});

const NAMESPACE = /^[a-z][a-z0-9_]{1,39}$/;
const API_ID = /^[a-z][a-z0-9_]{0,79}$/;
const VERSION = /^v[0-9]{1,3}$/;
const LITERAL_SEGMENT = /^[A-Za-z0-9_.~-]+$/;
const PARAM_SEGMENT = /^\{([a-z_][a-z0-9_]*)\}$/;

/** Checks an API's declaration when its module loads, so a mistake fails the build and tests, not a request. */
export function defineApi<Services>(api: ScriptedApi<Services>): ScriptedApi<Services> {
  const where = `scripted API ${api.namespace}/${api.id}`;
  if (!NAMESPACE.test(api.namespace) || api.namespace === "now") {
    throw new TypeError(`${where}: namespace must be 2-40 of a-z, 0-9, _ and not "now"`);
  }
  // An id like `v1` would be taken for the version segment of the other mount path.
  if (!API_ID.test(api.id) || VERSION.test(api.id)) {
    throw new TypeError(`${where}: id must be a-z, 0-9, _ and not a version`);
  }
  if (!VERSION.test(api.version)) throw new TypeError(`${where}: version must be v1, v2, ...`);
  const seen = new Set<string>();
  for (const resource of api.resources) {
    const segments = splitPath(resource.path);
    const valid =
      resource.path.startsWith("/") &&
      segments.length > 0 &&
      segments.every((segment) => LITERAL_SEGMENT.test(segment) || PARAM_SEGMENT.test(segment));
    if (!valid) throw new TypeError(`${where}: invalid resource path ${resource.path}`);
    const shape = `${resource.method} /${segments.map((s) => (PARAM_SEGMENT.test(s) ? "{}" : s)).join("/")}`;
    if (seen.has(shape)) throw new TypeError(`${where}: two resources for ${shape}`);
    seen.add(shape);
  }
  return api;
}

/** The greedy path parameter both mount paths end with. */
const PROXY_PARAMETER = "path";

/** Where an API is mounted: `/api/{namespace}/{id}/...` and `/api/{namespace}/{version}/{id}/...`, as ServiceNow does. */
export function mountPaths(api: Pick<ScriptedApi<unknown>, "namespace" | "id" | "version">): [string, string] {
  return [
    `/api/${api.namespace}/${api.id}/{${PROXY_PARAMETER}+}`,
    `/api/${api.namespace}/${api.version}/${api.id}/{${PROXY_PARAMETER}+}`,
  ];
}

type Mountable = Pick<ScriptedApi<unknown>, "namespace" | "id" | "version"> & {
  readonly resources: readonly { readonly method: HttpMethod }[];
};

/** Every (method, path) API Gateway needs for an API: each method its resources use, on both mount paths. */
export function mountRoutes(api: Mountable): { method: HttpMethod; path: string }[] {
  const methods = [...new Set(api.resources.map((resource) => resource.method))];
  return mountPaths(api).flatMap((path) => methods.map((method) => ({ method, path })));
}

/**
 * The authorizer's rules for an API's resources that require roles: the same roles, at the gateway, on
 * both mount paths, so a token without them is refused before the API runs (and its cached policy denies
 * them). The API still checks them itself.
 */
export function shippedRouteRules(
  api: Pick<ScriptedApi<unknown>, "namespace" | "id" | "version"> & {
    readonly resources: readonly {
      readonly method: HttpMethod;
      readonly path: string;
      readonly roles?: readonly string[];
    }[];
  },
): { name: string; routes: { path: string; methods: HttpMethod[] }[]; requires: { roles: string[] } }[] {
  return api.resources.flatMap((resource) => {
    const roles = resource.roles ?? [];
    if (roles.length === 0) return [];
    const paths = mountPaths(api).map((mount) => mount.replace(`/{${PROXY_PARAMETER}+}`, resource.path));
    return [
      {
        name: `${api.namespace}/${api.id} ${resource.method} ${resource.path}`,
        routes: paths.map((path) => ({ path, methods: [resource.method] })),
        requires: { roles: [...roles] },
      },
    ];
  });
}

const splitPath = (path: string): string[] => path.split("/").filter((segment) => segment !== "");

/** The resource a method and relative path select, with its path parameters (decoded by API Gateway already). */
function match<Services>(
  resources: RouteMatcher<Resource<Services>>,
  method: string,
  path: string,
): { resource: Resource<Services>; pathParams: Record<string, string> } {
  const matched = resources.match(method, path);
  if (matched.route) return { resource: matched.route, pathParams: matched.params };
  if (matched.pathMatched)
    throw new MethodNotAllowedError("Method not Supported", `${method} is not supported on this resource`);
  // ServiceNow's answer for a path no resource serves.
  throw new BadRequestError("Requested URI does not represent any resource");
}

const lowerCaseHeaders = (headers: APIGatewayProxyEvent["headers"]): Record<string, string> => {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (typeof value === "string" && lower !== "authorization") result[lower] = value;
  }
  return result;
};

/**
 * The Lambda handler serving one API, with the services (stores, clock) its resources use and the table
 * ACLs (`access`) every resource's `tables` are checked against.
 */
export function serveApi<Services>(
  api: ScriptedApi<Services>,
  services: Services,
  options: { readonly logger: AppLogger; readonly access: Pick<TableAccess, "allows">; readonly clock?: Clock },
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const { logger, access } = options;
  const clock = options.clock ?? systemClock;
  const resources = routeMatcher(api.resources, { decode: false });
  const apiName = `${api.namespace}/${api.id}`;
  return (event) =>
    serveRequest(event, { message: "scripted api request", logger, clock }, async (line) => {
      line["api"] = apiName;
      line["resource"] = undefined;
      const user = callerOf(event);
      const path = `/${event.pathParameters?.[PROXY_PARAMETER] ?? ""}`;
      const method = event.httpMethod.toUpperCase() as HttpMethod;
      const { resource, pathParams } = match(resources, method, path);
      line["resource"] = resource.path;
      const roles = resource.roles ?? [];
      if (roles.length > 0 && !isAdmin(user.roles) && !roles.some((role) => user.roles.includes(role))) {
        throw new ForbiddenError("User Not Authorized", `Requires one of the roles: ${roles.join(", ")}`);
      }
      for (const { table, operation } of resource.tables) {
        if (!(await access.allows(table, user, operation))) throw aclDenied(operation);
      }
      const request: ScriptedRequest = {
        method,
        path,
        pathParams,
        query: Object.fromEntries(
          Object.entries(event.queryStringParameters ?? {}).filter(
            (entry): entry is [string, string] => entry[1] !== undefined,
          ),
        ),
        headers: lowerCaseHeaders(event.headers),
        body: jsonBody(event),
        user,
      };
      const result: unknown = await resource.handle(request, services);
      return result instanceof Reply ? ok(result.body ?? null, result.status, result.headers) : ok(result ?? null);
    });
}
