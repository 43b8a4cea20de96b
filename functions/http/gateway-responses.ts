// API Gateway's own answers (gateway responses) in the ServiceNow error envelope: one definition for the
// CDK stack and the local gateway.
import { errorBody, UNAUTHENTICATED_BODY } from "../shared/errors";

export interface GatewayResponseDefinition {
  readonly statusCode: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

const json = { "Content-Type": "application/json" };

export const GATEWAY_RESPONSES = {
  /** The authorizer said "Unauthorized", or the Authorization header is missing. RFC 6750 3: WWW-Authenticate. */
  UNAUTHORIZED: {
    statusCode: 401,
    body: JSON.stringify(UNAUTHENTICATED_BODY),
    headers: { ...json, "WWW-Authenticate": "Bearer" },
  },
  /** The authorizer's policy does not allow this method. */
  ACCESS_DENIED: {
    statusCode: 403,
    body: JSON.stringify(errorBody("Operation Failed", "Access denied")),
    headers: json,
  },
} as const satisfies Record<string, GatewayResponseDefinition>;

/** Any other gateway error (4XX/5XX): API Gateway's message in the envelope. */
export const errorEnvelope = (message: string): string => JSON.stringify(errorBody(message, ""));

/**
 * The same envelope as an API Gateway response template: `$context.error.messageString` is already a
 * quoted JSON string, so it replaces a quoted placeholder.
 */
export const ERROR_ENVELOPE_TEMPLATE = errorEnvelope("\u0000").replace(
  JSON.stringify("\u0000"),
  "$context.error.messageString",
);
