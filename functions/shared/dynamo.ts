// The DynamoDB document client, one per process. The endpoint comes from the environment
// (AWS_ENDPOINT_URL_DYNAMODB, read by the SDK itself), so the same code talks to AWS or to dynalite.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export function createDocumentClient(client = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** AWS SDK errors carry their service error name; anything else is ours. */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === "ConditionalCheckFailedException";
