// Lambda authorizer (TOKEN type): Allow for a valid ID token of a known, active user; otherwise 401.
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from "aws-lambda";
import { AUTHORIZER_CALL_DEADLINE, createDocumentClient, createDynamoClient } from "../shared/dynamo";
import { allowLoopbackHttp, tableNames } from "../shared/env";
import { withLambdaContext } from "../shared/lambda-context";
import { logger } from "../shared/logger";
import { metrics } from "../shared/metrics";
import { authorizeEvent } from "./authorize-event";
import { createAuthenticatorDeps } from "./create-authenticator";

// Module scope: built once per container, so key sets, discovery and config stay cached across calls.
const deps = createAuthenticatorDeps({
  client: createDocumentClient(createDynamoClient(AUTHORIZER_CALL_DEADLINE)),
  tables: tableNames(["config", "users", "jti", "providerState"]),
  logger,
  fetchPolicy: { allowLoopbackHttp: allowLoopbackHttp() },
  metrics,
});

export const handler = withLambdaContext(
  (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => authorizeEvent(event, deps),
);
