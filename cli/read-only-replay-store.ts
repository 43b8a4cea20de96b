// explain's one-time-use check: reads the jti marker the authorizer would write, and never writes one.
import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ReplayStore } from "../functions/authorizer/replay-store";
import { AuthError, StoreError } from "../functions/shared/errors";

export class ReadOnlyReplayStore implements ReplayStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async consume(key: string, _expiresAtEpochSec: number, nowEpochSec: number): Promise<void> {
    let item: Record<string, unknown> | undefined;
    try {
      ({ Item: item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: key }, ConsistentRead: true }),
      ));
    } catch (error) {
      throw new StoreError("replay marker could not be read", { cause: error });
    }
    // The negation of DynamoReplayStore's write condition `attribute_not_exists(pk) OR expiresAt < :now`:
    // wherever that write would fail, this refuses.
    const expiresAt = item?.["expiresAt"];
    if (item !== undefined && !(typeof expiresAt === "number" && expiresAt < nowEpochSec)) {
      throw new AuthError("jti_replayed", "token was already used");
    }
  }
}
