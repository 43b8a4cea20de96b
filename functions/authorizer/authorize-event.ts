// Turns an API Gateway TOKEN authorizer event into an Allow policy, or the error API Gateway maps to 401.
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from "aws-lambda";
import { authenticate, type AuthenticatedCaller, type AuthenticatorDeps } from "./authenticate";
import { allowPolicy } from "./policy";

/** The exact message API Gateway turns into the UNAUTHORIZED gateway response (401). */
const UNAUTHORIZED = "Unauthorized";

/**
 * Every failure, ours included, becomes "Unauthorized": nothing fails open, and no reason reaches the
 * caller. `authenticate` has already logged the decision with its reason code.
 */
export async function authorizeEvent(
  event: APIGatewayTokenAuthorizerEvent,
  deps: AuthenticatorDeps,
): Promise<APIGatewayAuthorizerResult> {
  let caller: AuthenticatedCaller;
  try {
    caller = await authenticate(event.authorizationToken, deps);
  } catch {
    throw new Error(UNAUTHORIZED);
  }
  try {
    return allowPolicy(event.methodArn, {
      sys_id: caller.user.sys_id,
      user_name: caller.user.user_name,
      roles: caller.user.roles.join(","),
      provider: caller.provider,
    });
  } catch (error) {
    deps.logger.error("authorizer fault: no policy could be built", { error });
    throw new Error(UNAUTHORIZED);
  }
}
