// The Lambda handlers as Lambda calls them: with the invocation context, every log line carries the
// request id (Powertools addContext), and the container's first invocation counts a cold start (EMF).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from "aws-lambda";
import { TABLES, type TableName } from "../../functions/shared/tables";
import { AUTHORIZER } from "../../functions/http/routes";
import { METHOD_ARN, putProvider, putUser } from "../kit/authorizer-fixture";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let handler: (event: APIGatewayTokenAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult>;

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer()]);
  await putProvider(dynamo, { name: "corp", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
  await putUser(dynamo, { user_name: "alice", email: "alice@example.com" });
  const env: Record<string, string> = {
    AWS_REGION: "local",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    OIDC_ALLOW_LOOPBACK_HTTP: "true",
    POWERTOOLS_SERVICE_NAME: "oidc-auth-test",
    // vitest.config.ts silences the logger; this test reads its lines.
    POWERTOOLS_LOG_LEVEL: "INFO",
    // As Lambda sets it for an on-demand container: Powertools counts cold starts only then.
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    // As the stack sets it from the manifest.
    ...AUTHORIZER.environment,
    ...Object.fromEntries(
      (["config", "users", "jti", "providerState"] as TableName[]).map((name) => [
        TABLES[name].envVar,
        dynamo.tables[name],
      ]),
    ),
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  ({ handler } = await import("../../functions/authorizer/handler"));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([dynamo?.stop(), issuer?.close()]);
});

const context = (awsRequestId: string): Context =>
  ({
    awsRequestId,
    functionName: "Authorizer",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:Authorizer",
    memoryLimitInMB: "512",
    getRemainingTimeInMillis: () => 10_000,
  }) as Context;

/** The JSON lines the handler wrote to stdout and stderr (warnings and errors) while `run` ran. */
async function stdoutLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n")) if (line.startsWith("{")) lines.push(JSON.parse(line));
    return true;
  };
  const spies = [vi.spyOn(process.stdout, "write"), vi.spyOn(process.stderr, "write")].map((spy) =>
    spy.mockImplementation(capture),
  );
  try {
    await run().catch(() => undefined);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines;
}

describe("the authorizer handler with its Lambda context", () => {
  it("logs every line with the invocation's request id, and counts one cold start", async () => {
    const first = await stdoutLines(async () => {
      const token = await issuer.mint({ sub: "sub-alice", email: "alice@example.com" });
      await handler({ type: "TOKEN", authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN }, context("req-1"));
    });
    const second = await stdoutLines(() =>
      handler({ type: "TOKEN", authorizationToken: "Bearer junk", methodArn: METHOD_ARN }, context("req-2")),
    );

    // Log lines have a message; the decision line also carries the decision's metrics (EMF), once.
    const logLines = (lines: Record<string, unknown>[]) => lines.filter((line) => "message" in line);
    const decisionLine = (lines: Record<string, unknown>[]) =>
      lines.filter((line) => line["message"] === "authorization decision");
    expect(decisionLine(first)).toEqual([
      expect.objectContaining({
        level: "INFO",
        service: "oidc-auth-test",
        cold_start: true,
        function_name: "Authorizer",
        decision: expect.objectContaining({ outcome: "allow" }),
        Decisions: 1,
        outcome: "allow",
        reason: "authenticated",
      }),
    ]);
    expect(decisionLine(second)).toEqual([
      expect.objectContaining({
        level: "WARN",
        cold_start: false,
        decision: expect.objectContaining({ outcome: "deny", reason: "token_malformed" }),
        Decisions: 1,
        reason: "token_malformed",
      }),
    ]);
    // No other line counts a decision.
    expect([...first, ...second].filter((line) => "Decisions" in line)).toHaveLength(2);
    for (const line of logLines(first))
      expect(line, String(line["message"])).toMatchObject({ function_request_id: "req-1" });
    for (const line of logLines(second)) expect(line).toMatchObject({ function_request_id: "req-2" });

    const coldStarts = [...first, ...second].filter((line) => "ColdStart" in line);
    expect(coldStarts).toEqual([expect.objectContaining({ ColdStart: 1, function_name: "Authorizer" })]);
  });
});
