// Lambda authorizer (TOKEN type): the token's policy for a valid ID or access token of a known, active user; otherwise 401.
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from "aws-lambda";
import { AUTHORIZER_CALL_DEADLINE, createDocumentClient, createDynamoClient } from "../shared/dynamo";
import { allowLoopbackHttp, requireEnv, SHIPPED_ROUTE_RULES_ENV, tableNames } from "../shared/env";
import { withLambdaContext } from "../shared/lambda-context";
import { logger } from "../shared/logger";
import { metrics } from "../shared/metrics";
import { authorizeEvent } from "./authorize-event";
import { createAuthenticatorDeps } from "./create-authenticator";
import { parseShippedRouteRules } from "./route-access";

// Module scope: built once per container, so key sets, discovery and config stay cached across calls.
const deps = createAuthenticatorDeps({
  client: createDocumentClient(createDynamoClient(AUTHORIZER_CALL_DEADLINE)),
  tables: tableNames(["config", "users", "jti", "providerState"]),
  logger,
  logLevel: () => logger.level,
  fetchPolicy: { allowLoopbackHttp: allowLoopbackHttp() },
  metrics,
  shippedRouteRules: parseShippedRouteRules(requireEnv(SHIPPED_ROUTE_RULES_ENV)),
});

export const handler = withLambdaContext(
  (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => authorizeEvent(event, deps),
);
