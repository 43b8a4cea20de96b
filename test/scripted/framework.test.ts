// The scripted REST framework's contract: declarations, mounting, matching, roles, request, envelopes.
import type { APIGatewayProxyEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import {
  BadRequestError,
  ConflictError,
  defineApi,
  ForbiddenError,
  mountPaths,
  mountRoutes,
  NotFoundError,
  reply,
  serveApi,
  type ScriptedApi,
  type ScriptedRequest,
} from "../../functions/scripted/framework";
import { capturingLogger } from "../kit/authorizer-fixture";
import { caller, parseReply, resultOf } from "../table-api/api-event";

interface Services {
  readonly seen: ScriptedRequest[];
}

const api = defineApi<Services>({
  namespace: "x_test",
  id: "demo",
  version: "v2",
  description: "test API",
  resources: [
    {
      method: "GET",
      path: "/echo/{a}/and/{b}",
      tables: [],
      handle: (request, { seen }) => {
        seen.push(request);
        return { echoed: true };
      },
    },
    {
      method: "POST",
      path: "/echo/{a}/and/{b}",
      tables: [],
      handle: (request) => reply({ got: request.body }, { status: 201, headers: { Location: "/x" } }),
    },
    { method: "GET", path: "/itil-only", tables: [], roles: ["itil", "itil_admin"], handle: () => "ok" },
    { method: "GET", path: "/nothing", tables: [], handle: () => undefined },
    {
      method: "GET",
      path: "/secret",
      tables: [
        { table: "open", operation: "read" },
        { table: "secret", operation: "write" },
      ],
      handle: (request, { seen }) => {
        seen.push(request);
        return "leaked";
      },
    },
    {
      method: "GET",
      path: "/fail/bad-request",
      tables: [],
      handle: () => {
        throw new BadRequestError("Bad thing", "because");
      },
    },
    {
      method: "GET",
      path: "/fail/not-found",
      tables: [],
      handle: () => {
        throw new NotFoundError("No Record found", "gone");
      },
    },
    {
      method: "GET",
      path: "/fail/conflict",
      tables: [],
      handle: () => {
        throw new ConflictError("Conflict", "again");
      },
    },
    {
      method: "GET",
      path: "/fail/forbidden",
      tables: [],
      handle: () => {
        throw new ForbiddenError("Operation Failed", "no");
      },
    },
    {
      method: "GET",
      path: "/fail/bug",
      tables: [],
      handle: () => {
        throw new Error("secret table name t1-users");
      },
    },
  ],
});

const logger = capturingLogger();
const seen: ScriptedRequest[] = [];
// Unit tests of the framework: every table ACL allows, except "secret" (the helper's own test).
const access = { allows: async (table: string) => table !== "secret" };
const handler = serveApi(api, { seen }, { logger, access });

/** An event as API Gateway sends it to a `{path+}` mount. */
function event(
  method: string,
  path: string,
  options: {
    body?: string;
    roles?: string[];
    headers?: Record<string, string>;
    query?: Record<string, string>;
    noCaller?: boolean;
  } = {},
): APIGatewayProxyEvent {
  const who = caller("beth.anglin", options.roles ?? ["itil"]);
  return {
    httpMethod: method,
    path: `/api/x_test/demo/${path}`,
    resource: "/api/x_test/demo/{path+}",
    pathParameters: { path },
    queryStringParameters: options.query ?? null,
    headers: options.headers ?? {},
    body: options.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      authorizer: options.noCaller
        ? undefined
        : {
            principalId: who.sys_id,
            sys_id: who.sys_id,
            user_name: who.user_name,
            roles: who.roles.join(","),
            provider: "okta",
          },
    },
  } as unknown as APIGatewayProxyEvent;
}

const call = async (...args: Parameters<typeof event>) => parseReply(await handler(event(...args)));

describe("defineApi", () => {
  const base: ScriptedApi<unknown> = { namespace: "x_ok", id: "ok", version: "v1", description: "", resources: [] };

  it.each<[string, Partial<ScriptedApi<unknown>>]>([
    ["the Table API's namespace", { namespace: "now" }],
    ["an upper-case namespace", { namespace: "X_OK" }],
    ["an id that looks like a version", { id: "v2" }],
    ["a version that is not vN", { version: "1.0" }],
    ["a path without a leading slash", { resources: [{ method: "GET", path: "me", tables: [], handle: () => 1 }] }],
    ["the API root as a path", { resources: [{ method: "GET", path: "/", tables: [], handle: () => 1 }] }],
    ["a malformed parameter", { resources: [{ method: "GET", path: "/a/{b c}", tables: [], handle: () => 1 }] }],
    [
      "two resources for one method and path shape",
      {
        resources: [
          { method: "GET", path: "/a/{x}", tables: [], handle: () => 1 },
          { method: "GET", path: "/a/{y}", tables: [], handle: () => 2 },
        ],
      },
    ],
  ])("refuses %s when the module loads", (_label, change) => {
    expect(() => defineApi({ ...base, ...change })).toThrow(TypeError);
  });
});

describe("mounting", () => {
  it("mounts an API at /api/{namespace}/{id}/... and /api/{namespace}/{version}/{id}/...", () => {
    expect(mountPaths(api)).toEqual(["/api/x_test/demo/{path+}", "/api/x_test/v2/demo/{path+}"]);
  });

  it("routes each method its resources use, on both paths", () => {
    expect(mountRoutes(api)).toEqual([
      { method: "GET", path: "/api/x_test/demo/{path+}" },
      { method: "POST", path: "/api/x_test/demo/{path+}" },
      { method: "GET", path: "/api/x_test/v2/demo/{path+}" },
      { method: "POST", path: "/api/x_test/v2/demo/{path+}" },
    ]);
  });
});

describe("serveApi", () => {
  it("hands the resource its path parameters, query, headers (lower-cased, no Authorization), body and user", async () => {
    seen.length = 0;
    const response = await call("GET", "echo/one/and/two%20three", {
      query: { q: "1" },
      headers: { "X-Trace": "abc", Authorization: "Bearer secret-token" },
      body: '{"n": 1}',
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ result: { echoed: true } });
    expect(seen[0]).toMatchObject({
      method: "GET",
      path: "/echo/one/and/two%20three",
      pathParams: { a: "one", b: "two%20three" },
      query: { q: "1" },
      headers: { "x-trace": "abc" },
      body: { n: 1 },
      user: { user_name: "beth.anglin", roles: ["itil"], provider: "okta" },
    });
    expect(JSON.stringify(seen[0]?.headers)).not.toContain("secret-token");
  });

  it("sends a reply() with its status and headers, in the result envelope", async () => {
    const response = await call("POST", "echo/1/and/2", { body: '{"a":"b"}' });
    expect(response.status).toBe(201);
    expect(response.headers["Location"]).toBe("/x");
    expect(resultOf(response)).toEqual({ got: { a: "b" } });
  });

  it('sends a handler\'s undefined as {"result": null}', async () => {
    expect((await call("GET", "nothing")).body).toEqual({ result: null });
  });

  it("tolerates a trailing slash", async () => {
    expect((await call("GET", "nothing/")).status).toBe(200);
  });

  it("checks every table ACL a resource declares before it runs: 403 and the handler never called", async () => {
    const before = seen.length;
    const denied = await call("GET", "secret");
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      error: { message: "Operation Failed", detail: "ACL Exception Update Failed due to security constraints" },
      status: "failure",
    });
    expect(seen.length).toBe(before);
  });

  it("requires one of a resource's roles; admin always passes", async () => {
    expect((await call("GET", "itil-only", { roles: ["itil_admin"] })).status).toBe(200);
    expect((await call("GET", "itil-only", { roles: ["admin"] })).status).toBe(200);
    const denied = await call("GET", "itil-only", { roles: ["knowledge"] });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      error: { message: "User Not Authorized", detail: "Requires one of the roles: itil, itil_admin" },
      status: "failure",
    });
  });

  it("refuses a request without an authenticated caller with 403 (never 401, which is the authorizer's)", async () => {
    expect((await call("GET", "nothing", { noCaller: true })).status).toBe(403);
  });

  it.each([
    ["bad-request", 400, "Bad thing", "because"],
    ["not-found", 404, "No Record found", "gone"],
    ["conflict", 409, "Conflict", "again"],
    ["forbidden", 403, "Operation Failed", "no"],
  ])("maps a thrown %s error to its status and envelope", async (name, status, message, detail) => {
    const response = await call("GET", `fail/${name}`);
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: { message, detail }, status: "failure" });
  });

  it("answers any other thrown error with a 500 that reveals nothing, and logs it", async () => {
    const response = await call("GET", "fail/bug");
    expect(response.status).toBe(500);
    expect(response.raw).not.toContain("secret");
    expect(JSON.stringify(logger.lines.map((line) => line.message))).toContain("request failed");
  });

  it("answers a path no resource serves with ServiceNow's 400, and a wrong method with 405", async () => {
    const unknown = await call("GET", "no/such/thing");
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      error: { message: "Requested URI does not represent any resource", detail: null },
      status: "failure",
    });
    expect((await call("POST", "itil-only")).status).toBe(405);
  });

  it("answers an invalid JSON body with 400 and an oversized one with 413", async () => {
    expect((await call("POST", "echo/1/and/2", { body: "{nope" })).status).toBe(400);
    expect((await call("POST", "echo/1/and/2", { body: "x".repeat(1024 * 1024 + 1) })).status).toBe(413);
  });
});
