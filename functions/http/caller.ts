// The authenticated caller, as the authorizer put it in the request context. Roles come from there only,
// never from anything the request itself carries.
import type { APIGatewayProxyEvent } from "aws-lambda";
import { ForbiddenError } from "./api-errors";

export interface Caller {
  readonly sys_id: string;
  readonly user_name: string;
  readonly roles: readonly string[];
  /** The OIDC provider that issued the caller's ID token. */
  readonly provider: string;
}

/** Authorizer context values are strings (API Gateway flattens them); roles arrive comma-separated. */
const parseRoles = (csv: unknown): string[] =>
  typeof csv === "string"
    ? csv
        .split(",")
        .map((role) => role.trim())
        .filter((role) => role.length > 0)
    : [];

/**
 * Behind the authorizer the context is always there; without it (a route added without the authorizer,
 * a misconfigured local gateway) nobody is authenticated, so fail closed. Backends never answer 401:
 * that is the authorizer's job, with its fixed body.
 */
export function callerOf(event: Pick<APIGatewayProxyEvent, "requestContext">): Caller {
  const context = event.requestContext?.authorizer ?? {};
  const sysId = context["sys_id"];
  const userName = context["user_name"];
  if (typeof sysId !== "string" || sysId === "" || typeof userName !== "string" || userName === "") {
    throw new ForbiddenError("Operation Failed", "The request carries no authenticated user");
  }
  const provider = context["provider"];
  return {
    sys_id: sysId,
    user_name: userName,
    roles: parseRoles(context["roles"]),
    provider: typeof provider === "string" ? provider : "",
  };
}
