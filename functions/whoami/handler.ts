// Placeholder backend: returns the caller as the authorizer authenticated them, so the path is testable end to end.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const context = event.requestContext.authorizer ?? {};
  const result = {
    sys_id: String(context["sys_id"] ?? ""),
    user_name: String(context["user_name"] ?? ""),
    roles: String(context["roles"] ?? "")
      .split(",")
      .filter((role) => role.length > 0),
    provider: String(context["provider"] ?? ""),
  };
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ result }),
  };
};
