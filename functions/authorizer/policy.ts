// The authorizer's answer to API Gateway: Allow on the whole API, with the caller in the context.
import type { APIGatewayAuthorizerResult } from "aws-lambda";
import { AuthError } from "../shared/errors";

/**
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/*\/*` from the invoked method's ARN. Covering the
 * whole API means a result cache an operator turns on can never deny another route.
 */
export function wholeApiResource(methodArn: string): string {
  const match = /^(arn:[^:]+:execute-api:[^:]+:[^:]+:)([^/]+)\/([^/]+)\//.exec(methodArn);
  if (!match) throw new AuthError("internal_error", "methodArn is not an execute-api ARN");
  const [, prefix, apiId, stage] = match;
  return `${prefix}${apiId}/${stage}/*/*`;
}

interface CallerContext {
  readonly sys_id: string;
  readonly user_name: string;
  /** Comma-separated: authorizer context values must be strings, numbers or booleans. */
  readonly roles: string;
  readonly provider: string;
}

/** Allow on `resource` (wholeApiResource of the method's ARN), with the caller in the context. */
export function allowPolicy(resource: string, caller: CallerContext): APIGatewayAuthorizerResult {
  return {
    principalId: caller.sys_id,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: resource }],
    },
    context: { ...caller },
  };
}
