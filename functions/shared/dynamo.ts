// The DynamoDB document client, one per process. The endpoint comes from the environment
// (AWS_ENDPOINT_URL_DYNAMODB, read by the SDK itself), so the same code talks to AWS or to dynalite.
// Every call has a deadline: the SDK's defaults (a 300 s socket timeout, several attempts) would let a
// silent endpoint hang a request until the Lambda itself times out.
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** How long one DynamoDB call may take, all attempts included. */
export interface CallDeadline {
  /** TCP (and TLS) connect. */
  readonly connectionTimeoutMs: number;
  /** Socket silence on one attempt before it is abandoned. */
  readonly requestTimeoutMs: number;
  /** Attempts in all, the first included (the SDK's standard retry with its back-off and retry quota). */
  readonly maxAttempts: number;
}

/**
 * The authorizer sits in front of every request: one call gives up within about 1.7 s (2 x 800 ms plus
 * back-off), and the decision's whole store time is capped at 2 s (STORE_BUDGET_MS in authenticate.ts).
 */
export const AUTHORIZER_CALL_DEADLINE: CallDeadline = {
  connectionTimeoutMs: 500,
  requestTimeoutMs: 800,
  maxAttempts: 2,
};

/** Backends (10 s Lambda timeout): one call gives up within about 6.5 s (3 x 2 s plus back-off). */
export const BACKEND_CALL_DEADLINE: CallDeadline = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  maxAttempts: 3,
};

/** A DynamoDB client whose every call ends within the deadline; `config` adds endpoint, region, credentials. */
export function createDynamoClient(deadline: CallDeadline, config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...config,
    maxAttempts: deadline.maxAttempts,
    requestHandler: {
      connectionTimeout: deadline.connectionTimeoutMs,
      requestTimeout: deadline.requestTimeoutMs,
      // Without it the request timeout only logs a warning, and the call waits on.
      throwOnRequestTimeout: true,
    },
  });
}

export function createDocumentClient(client = createDynamoClient(BACKEND_CALL_DEADLINE)): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** AWS SDK errors carry their service error name; anything else is ours. */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === "ConditionalCheckFailedException";
