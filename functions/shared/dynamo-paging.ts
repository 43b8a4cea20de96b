// Reading many items without holding them all: Query page by page, and BatchGet in chunks of 100.
import {
  BatchGetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type QueryCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import { StoreError } from "./errors";

type Item = Record<string, unknown>;

/** Each page of a Query (at most 1 MB, DynamoDB's page size) as it arrives; the caller decides what to keep. */
export async function* queryPages(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, "ExclusiveStartKey">,
): AsyncGenerator<readonly Item[]> {
  let startKey: Item | undefined;
  do {
    let page: QueryCommandOutput;
    try {
      page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    } catch (error) {
      throw new StoreError(`query of ${input.TableName} failed`, { cause: error });
    }
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** BatchGetItem's limit per call. */
const BATCH_GET_MAX_KEYS = 100;
/** Unprocessed keys are retried this many times (with a short backoff) before giving up. */
const MAX_UNPROCESSED_RETRIES = 5;

/** The items with these keys (missing ones are simply absent), fetched 100 keys per call. */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Item[],
): Promise<Item[]> {
  const items: Item[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_MAX_KEYS) {
    let pending: Item[] = keys.slice(start, start + BATCH_GET_MAX_KEYS);
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > MAX_UNPROCESSED_RETRIES) throw new StoreError(`batch read of ${tableName} throttled`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      try {
        const result = await client.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...(result.Responses?.[tableName] ?? []));
        pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
      } catch (error) {
        throw new StoreError(`batch read of ${tableName} failed`, { cause: error });
      }
    }
  }
  return items;
}
