// The local gateway: routing, the authorizer's answers mapped like API Gateway, context to the backend.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent } from "aws-lambda";
import { createGateway, type AuthorizerHandler } from "../../../infra/local/gateway";
import type { RouteDefinition } from "../../../functions/http/routes";
import { UNAUTHENTICATED_BODY } from "../../../functions/shared/errors";
import { capturingLogger } from "../../kit/authorizer-fixture";

const routes = [
  { method: "GET", path: "/api/now/table/{table}", backend: "whoami" },
  { method: "GET", path: "/api/now/table/sys_user", backend: "whoami" },
  { method: "POST", path: "/api/x/{path+}", backend: "whoami" },
] as unknown as RouteDefinition[];

const allowAll = (context: Record<string, string> = { user_name: "alice" }): APIGatewayAuthorizerResult => ({
  principalId: "p1",
  policyDocument: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "execute-api:Invoke",
        Resource: "arn:aws:execute-api:local:000000000000:localapi/local/*/*",
      },
    ],
  },
  context,
});

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function start(authorizer: AuthorizerHandler, ttl = 0) {
  const events: APIGatewayProxyEvent[] = [];
  server = createServer(
    createGateway({
      routes,
      authorizer,
      // Any backend name will do: the routes above are this test's own.
      backends: {
        whoami: async (event: APIGatewayProxyEvent) => {
          events.push(event);
          return { statusCode: 200, body: JSON.stringify({ ok: true }), headers: { "X-Backend": "1" } };
        },
      } as never,
      authorizerCacheTtlSeconds: ttl,
      logger: capturingLogger(),
    }),
  );
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server?.address() as AddressInfo | undefined)?.port}`;
  return { base, events };
}

describe("the local gateway", () => {
  it("passes path parameters, query and the authorizer context to the backend", async () => {
    const { base, events } = await start(async () => allowAll());
    const response = await fetch(`${base}/api/now/table/incident?sysparm_limit=1`, {
      headers: { Authorization: "Bearer t" },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get("x-backend")).toBe("1");
    expect(events[0]).toMatchObject({
      resource: "/api/now/table/{table}",
      pathParameters: { table: "incident" },
      queryStringParameters: { sysparm_limit: "1" },
      requestContext: { authorizer: { user_name: "alice", principalId: "p1" } },
    });
  });

  it("prefers a literal route and matches greedy parameters across slashes", async () => {
    const { base, events } = await start(async () => allowAll());
    await fetch(`${base}/api/now/table/sys_user`, { headers: { Authorization: "Bearer t" } });
    await fetch(`${base}/api/x/a/b%20c`, { method: "POST", headers: { Authorization: "Bearer t" }, body: "{}" });
    expect(events[0]?.resource).toBe("/api/now/table/sys_user");
    expect(events[1]).toMatchObject({ resource: "/api/x/{path+}", pathParameters: { path: "a/b c" } });
    // Binary media types are */*, as in the stack: every body arrives base64-encoded.
    expect(events[1]?.isBase64Encoded).toBe(true);
    expect(Buffer.from(events[1]?.body ?? "", "base64").toString("utf8")).toBe("{}");
  });

  it("passes a binary body on byte for byte, bytes that are not UTF-8 included", async () => {
    const { base, events } = await start(async () => allowAll());
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a, 0x0d]);
    await fetch(`${base}/api/x/bin`, {
      method: "POST",
      headers: { Authorization: "Bearer t", "Content-Type": "application/octet-stream" },
      body: bytes,
    });
    expect(events[0]?.isBase64Encoded).toBe(true);
    expect(Buffer.from(events[0]?.body ?? "", "base64").equals(bytes)).toBe(true);
  });

  it("answers 401 with the ServiceNow body and WWW-Authenticate when the authorizer says Unauthorized, or no header", async () => {
    const { base } = await start(async () => {
      throw new Error("Unauthorized");
    });
    for (const headers of [{ Authorization: "Bearer bad" }, {}] as Record<string, string>[]) {
      const response = await fetch(`${base}/api/now/table/incident`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
      expect(await response.json()).toEqual(UNAUTHENTICATED_BODY);
    }
  });

  it("answers 500 when the authorizer fails any other way, and a Deny with the seed's 401", async () => {
    const failing = await start(async () => {
      throw new Error("boom");
    });
    expect(
      (await fetch(`${failing.base}/api/now/table/incident`, { headers: { Authorization: "Bearer t" } })).status,
    ).toBe(500);
    await new Promise((resolve) => {
      server?.closeAllConnections();
      server?.close(resolve);
    });

    const denying = await start(async () => ({
      ...allowAll(),
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Action: "execute-api:Invoke", Resource: "*" }],
      },
    }));
    const response = await fetch(`${denying.base}/api/now/table/incident`, { headers: { Authorization: "Bearer t" } });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(await response.json()).toEqual(UNAUTHENTICATED_BODY);
  });

  it("answers 400 Requested URI does not represent any resource for an unknown route or method, without calling the authorizer", async () => {
    let calls = 0;
    const { base } = await start(async () => {
      calls++;
      return allowAll();
    });
    const unknownResource = {
      error: { message: "Requested URI does not represent any resource", detail: null },
      status: "failure",
    };
    for (const [path, method] of [
      ["/nope", "GET"],
      ["/api/now/tablex/incident", "GET"],
      ["/api/now/table/incident/0123456789abcdef0123456789abcdef/extra", "GET"],
      ["/api/now/table/incident", "DELETE"],
    ] as const) {
      for (const headers of [{ Authorization: "Bearer t" }, {}] as Record<string, string>[]) {
        const response = await fetch(`${base}${path}`, { method, headers });
        expect(response.status, `${method} ${path}`).toBe(400);
        expect(await response.json()).toEqual(unknownResource);
      }
    }
    expect(calls).toBe(0);
  });

  it.each([
    [0, 3],
    [300, 1],
  ])(
    "with authorizer cache TTL %i s calls the authorizer %i time(s) for 3 requests with one token",
    async (ttl, expected) => {
      let calls = 0;
      const { base } = await start(async () => {
        calls++;
        return allowAll();
      }, ttl);
      for (let i = 0; i < 3; i++)
        await fetch(`${base}/api/now/table/incident`, { headers: { Authorization: "Bearer same" } });
      expect(calls).toBe(expected);
    },
  );
});
