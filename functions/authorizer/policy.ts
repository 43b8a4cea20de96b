// The authorizer's answer to API Gateway: the token's policy over the whole API, with the caller in the context.
import type { APIGatewayAuthorizerResult, PolicyDocument } from "aws-lambda";
import { AuthError } from "../shared/errors";
import type { RequestRoute } from "./route-access";

/** An invoked method's ARN, split: the API's base (`arn:...:{apiId}/{stage}/`) and the route being called. */
export interface MethodArn {
  readonly base: string;
  readonly route: RequestRoute;
}

/**
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}` into its base and its route.
 * Policies name resources below the base, so a result cache an operator turns on applies the same
 * policy to every route the token is used on afterwards.
 */
export function parseMethodArn(methodArn: string): MethodArn {
  const match = /^(arn:[^:]+:execute-api:[^:]+:[^:]+:[^/]+\/[^/]+\/)([A-Z]+)(\/.*)?$/s.exec(methodArn);
  if (!match) throw new AuthError("internal_error", "methodArn is not an execute-api ARN");
  const [, base = "", method = "", path] = match;
  return { base, route: { method, path: path ?? "/" } };
}

interface CallerContext {
  readonly sys_id: string;
  readonly user_name: string;
  /** Comma-separated: authorizer context values must be strings, numbers or booleans. */
  readonly roles: string;
  readonly provider: string;
}

/** The caller's policy (RouteAccess.policy), with the caller in the context. */
export function allowPolicy(policyDocument: PolicyDocument, caller: CallerContext): APIGatewayAuthorizerResult {
  const { sys_id, user_name, roles, provider } = caller;
  return { principalId: sys_id, policyDocument, context: { sys_id, user_name, roles, provider } };
}
