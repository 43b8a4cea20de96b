// The local gateway enforces API Gateway's timeouts: an authorizer that does not answer within its Lambda's
// timeout is API Gateway's authorizer failure (500), a backend past the integration timeout a 504.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { APIGatewayAuthorizerResult } from "aws-lambda";
import { createGateway, type AuthorizerHandler, type BackendHandler } from "../../../infra/local/gateway";
import { GATEWAY_RESPONSES, type RouteDefinition } from "../../../functions/http/routes";
import { errorBody } from "../../../functions/shared/errors";
import { capturingLogger } from "../../kit/authorizer-fixture";

const routes = [{ method: "GET", path: "/api/now/table/{table}", backend: "slow" }] as unknown as RouteDefinition[];

const allowAll: APIGatewayAuthorizerResult = {
  principalId: "p1",
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*" }],
  },
};

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function start(authorizer: AuthorizerHandler, backend: BackendHandler) {
  server = createServer(
    createGateway({
      routes,
      authorizer,
      backends: { slow: backend } as never,
      authorizerCacheTtlSeconds: 0,
      logger: capturingLogger(),
      authorizerTimeoutMs: 300,
      integrationTimeoutMs: 300,
    }),
  );
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/now/table/incident`;
}

const get = (url: string) => fetch(url, { headers: { Authorization: "Bearer t" } });

describe("the local gateway's timeouts", () => {
  it("answers an authorizer that hangs with API Gateway's authorizer failure, once its timeout has passed", async () => {
    const url = await start(never, async () => ({ statusCode: 200, body: "{}" }));
    const startedMs = performance.now();

    const response = await get(url);

    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(290);
    expect(performance.now() - startedMs).toBeLessThan(2000);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual(JSON.parse(GATEWAY_RESPONSES.AUTHORIZER_FAILURE.body));
    expect(JSON.parse(GATEWAY_RESPONSES.AUTHORIZER_FAILURE.body)).toEqual(errorBody("Internal server error", ""));
  });

  it("answers a backend past the integration timeout with 504 Endpoint request timed out", async () => {
    const url = await start(async () => allowAll, never);

    const response = await get(url);

    expect(response.status).toBe(504);
    expect(await response.json()).toEqual(errorBody("Endpoint request timed out", ""));
  });

  it("passes an authorizer and a backend that answer in time", async () => {
    const url = await start(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return allowAll;
      },
      async () => ({ statusCode: 200, body: JSON.stringify({ result: "ok" }) }),
    );

    const response = await get(url);

    expect(response.status).toBe(200);
  });
});
