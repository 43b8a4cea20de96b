// CORS through the local gateway and the real request wrapper (serve.ts), as the stack configures it:
// a success and an error carry the headers, a preflight OPTIONS is answered without the authorizer,
// the gateway's 401 carries them too; with CORS off nothing changes.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_ORIGINS_ENV } from "../../../functions/http/cors";
import { GATEWAY_RESPONSES, type RouteDefinition } from "../../../functions/http/routes";
import { systemClock } from "../../../functions/shared/clock";
import { UNAUTHENTICATED_BODY } from "../../../functions/shared/errors";
import { createGateway, type AuthorizerHandler, type BackendHandler } from "../../../infra/local/gateway";
import { capturingLogger } from "../../kit/authorizer-fixture";

const APP = "https://app.example.com";
const OTHER_APP = "https://admin.example.com";
const routes = [
  { method: "GET", path: "/api/now/table/{table}", backend: "table" },
  { method: "POST", path: "/api/now/table/{table}", backend: "table" },
] as unknown as RouteDefinition[];

const allow: AuthorizerHandler = async () => ({
  principalId: "p1",
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*" }],
  },
});

let backend: BackendHandler;
beforeAll(async () => {
  // serve.ts reads the origins once, at cold start, as in Lambda: set them before it is loaded.
  vi.stubEnv(CORS_ORIGINS_ENV, `${APP},${OTHER_APP}`);
  vi.resetModules();
  const { serveRequest } = await import("../../../functions/http/serve");
  const { ok } = await import("../../../functions/http/response");
  const { NotFoundError } = await import("../../../functions/http/api-errors");
  backend = (event: APIGatewayProxyEvent) =>
    serveRequest(event, { message: "test request", logger: capturingLogger(), clock: systemClock }, async () => {
      if (event.pathParameters?.["table"] === "missing") throw new NotFoundError("No Record found", "none");
      return ok({ table: event.pathParameters?.["table"] });
    });
});
afterAll(() => {
  vi.unstubAllEnvs();
});

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function start(authorizer: AuthorizerHandler, corsOrigins: readonly string[]) {
  server = createServer(
    createGateway({
      routes,
      authorizer,
      backends: { table: backend } as never,
      authorizerCacheTtlSeconds: 0,
      logger: capturingLogger(),
      corsOrigins,
    }),
  );
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("CORS on the local gateway", () => {
  it("adds the allowed origin to a success and to a backend's error", async () => {
    const base = await start(allow, [APP, OTHER_APP]);

    const success = await fetch(`${base}/api/now/table/incident`, {
      headers: { Authorization: "Bearer t", Origin: OTHER_APP },
    });
    const notFound = await fetch(`${base}/api/now/table/missing`, {
      headers: { Authorization: "Bearer t", Origin: APP },
    });

    expect(success.status).toBe(200);
    expect(success.headers.get("access-control-allow-origin")).toBe(OTHER_APP);
    expect(success.headers.get("vary")).toBe("Origin");
    expect(success.headers.get("access-control-expose-headers")).toContain("X-Total-Count");
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get("access-control-allow-origin")).toBe(APP);
  });

  it("never names an origin that is not allowed", async () => {
    const base = await start(allow, [APP, OTHER_APP]);

    const response = await fetch(`${base}/api/now/table/incident`, {
      headers: { Authorization: "Bearer t", Origin: "https://evil.example" },
    });

    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
  });

  it("answers a preflight OPTIONS itself, without calling the authorizer", async () => {
    let authorizerCalls = 0;
    const base = await start(
      async (event, context) => {
        authorizerCalls += 1;
        return allow(event, context);
      },
      [APP],
    );

    const preflight = await fetch(`${base}/api/now/table/incident`, {
      method: "OPTIONS",
      headers: {
        Origin: APP,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
      },
    });

    expect(preflight.status).toBe(204);
    expect(authorizerCalls).toBe(0);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP);
    expect(preflight.headers.get("access-control-allow-methods")).toBe(CORS_ALLOW_METHODS.join(","));
    expect(preflight.headers.get("access-control-allow-headers")).toBe(CORS_ALLOW_HEADERS.join(","));
    expect(preflight.headers.get("access-control-max-age")).toBe("600");
  });

  it("adds the headers to the gateway's 401, so a browser app can see it", async () => {
    const base = await start(async () => {
      throw new Error("Unauthorized");
    }, [APP]);

    const response = await fetch(`${base}/api/now/table/incident`, {
      headers: { Authorization: "Bearer forged", Origin: APP },
    });

    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(response.headers.get("www-authenticate")).toBe(GATEWAY_RESPONSES.UNAUTHORIZED.headers["WWW-Authenticate"]);
    expect(await response.json()).toEqual(UNAUTHENTICATED_BODY);
  });

  it("with CORS off: no preflight method (400, the stack's unknown-resource answer) and no headers on the gateway's answers", async () => {
    const base = await start(async () => {
      throw new Error("Unauthorized");
    }, []);

    const preflight = await fetch(`${base}/api/now/table/incident`, { method: "OPTIONS", headers: { Origin: APP } });
    const denied = await fetch(`${base}/api/now/table/incident`, {
      headers: { Authorization: "Bearer x", Origin: APP },
    });

    expect(preflight.status).toBe(400);
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });
});
