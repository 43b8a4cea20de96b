// Turns an API Gateway TOKEN authorizer event into the token's policy, or the error API Gateway maps to 401.
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from "aws-lambda";
import { authenticate, type AuthenticatedCaller, type AuthenticatorDeps } from "./authenticate";
import { allowPolicy, parseMethodArn, type MethodArn } from "./policy";

/** The exact message API Gateway turns into the UNAUTHORIZED gateway response (401). */
const UNAUTHORIZED = "Unauthorized";

/**
 * Every failure, ours included, becomes "Unauthorized": nothing fails open, and no reason reaches the
 * caller. Whatever is logged as the decision is what is answered: the route and the policy's base are
 * read from the methodArn before the token is looked at, so a malformed event is a logged deny, never an
 * "allow" line followed by a 401. An allowed call's policy covers every route the token may call and
 * denies every other, so a result cache an operator turns on answers later calls as the authorizer would.
 */
export async function authorizeEvent(
  event: APIGatewayTokenAuthorizerEvent,
  deps: AuthenticatorDeps,
): Promise<APIGatewayAuthorizerResult> {
  let method: MethodArn;
  try {
    method = parseMethodArn(event.methodArn);
  } catch (error) {
    deps.decisions.record({
      outcome: "deny",
      reason: "internal_error",
      internal: true,
      durationMs: 0,
      detail: String(error),
    });
    deps.logger.error("authorizer fault: the event's methodArn is not an execute-api ARN", { error });
    throw new Error(UNAUTHORIZED);
  }
  let caller: AuthenticatedCaller;
  try {
    caller = await authenticate(event.authorizationToken, deps, method.route);
  } catch {
    throw new Error(UNAUTHORIZED);
  }
  return allowPolicy(caller.policy(method.base), {
    sys_id: caller.user.sys_id,
    user_name: caller.user.user_name,
    roles: caller.user.roles.join(","),
    provider: caller.provider,
  });
}
