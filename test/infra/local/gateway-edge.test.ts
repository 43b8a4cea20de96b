// Edge protection as the stack configures it, on the local gateway: the authorizer's validation
// expression (a Bearer JWS or a 401 without invoking it) and the stage and per-method throttles (429).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { APIGatewayAuthorizerResult } from "aws-lambda";
import {
  AUTHORIZER_TOKEN_PATTERN,
  GATEWAY_RESPONSES,
  type RouteDefinition,
  type ThrottleLimits,
} from "../../../functions/http/routes";
import { UNAUTHENTICATED_BODY } from "../../../functions/shared/errors";
import { createGateway } from "../../../infra/local/gateway";
import { capturingLogger } from "../../kit/authorizer-fixture";
import { startTestIssuer, type TestIssuer } from "../../kit/issuer";

const routes = [
  { method: "GET", path: "/api/now/table/{table}", backend: "table" },
  { method: "POST", path: "/api/now/table/{table}", backend: "table" },
] as unknown as RouteDefinition[];

const allowAll: APIGatewayAuthorizerResult = {
  principalId: "p1",
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*" }],
  },
};

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer({ algs: ["RS256", "ES256", "EdDSA"] });
});
afterAll(() => issuer?.close());

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  running?.closeAllConnections();
  if (running) await new Promise((resolve) => running.close(resolve));
});

async function start(throttling?: { stage: ThrottleLimits; writes: ThrottleLimits }) {
  const tokensSeen: string[] = [];
  server = createServer(
    createGateway({
      routes,
      authorizer: async (event) => {
        tokensSeen.push(event.authorizationToken);
        return allowAll;
      },
      backends: { table: async () => ({ statusCode: 200, body: "{}" }) } as never,
      authorizerCacheTtlSeconds: 0,
      logger: capturingLogger(),
      tokenPattern: AUTHORIZER_TOKEN_PATTERN,
      ...(throttling && { throttling }),
    }),
  );
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/now/table/incident`, tokensSeen };
}

describe("the validation expression", () => {
  it("matches real ID tokens of every algorithm, whatever the case of Bearer", async () => {
    const pattern = new RegExp(AUTHORIZER_TOKEN_PATTERN);
    for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
      const token = await issuer.mint({}, { alg });
      expect(pattern.test(`Bearer ${token}`), alg).toBe(true);
      expect(pattern.test(`bearer  ${token}`), alg).toBe(true);
    }
  });

  it("answers junk with the 401 without invoking the authorizer, and passes a Bearer JWS to it", async () => {
    const { url, tokensSeen } = await start();
    const token = await issuer.mint();
    const unsigned = `${token.split(".").slice(0, 2).join(".")}.`;
    const junk = [
      "junk",
      "Basic dXNlcjpwYXNz",
      `Bearer ${unsigned}`,
      "Bearer a.b",
      `Bearer ${token} extra`,
      "Bearer a+b.c.d",
    ];

    for (const authorization of junk) {
      const response = await fetch(url, { headers: { Authorization: authorization } });
      expect(response.status, authorization).toBe(401);
      expect(await response.json()).toEqual(UNAUTHENTICATED_BODY);
    }
    expect(tokensSeen).toEqual([]);

    const accepted = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(accepted.status).toBe(200);
    expect(tokensSeen).toEqual([`Bearer ${token}`]);
  });
});

describe("throttling", () => {
  it("refuses requests over the stage's burst with API Gateway's 429, before the authorizer", async () => {
    const { url, tokensSeen } = await start({
      stage: { rateLimit: 1, burstLimit: 3 },
      writes: { rateLimit: 1, burstLimit: 10 },
    });
    const token = await issuer.mint();

    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).status);

    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(tokensSeen).toHaveLength(3);
    const throttled = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(await throttled.json()).toEqual(JSON.parse(GATEWAY_RESPONSES.THROTTLED.body));
  });

  it("throttles a write method by its own lower limit, leaving reads their stage limit", async () => {
    const { url } = await start({ stage: { rateLimit: 1, burstLimit: 10 }, writes: { rateLimit: 1, burstLimit: 2 } });
    const headers = { Authorization: `Bearer ${await issuer.mint()}` };

    const writes = [];
    for (let i = 0; i < 3; i++) writes.push((await fetch(url, { method: "POST", headers, body: "{}" })).status);
    const read = await fetch(url, { headers });

    expect(writes).toEqual([200, 200, 429]);
    expect(read.status).toBe(200);
  });
});
