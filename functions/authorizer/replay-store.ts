// One-time use of ID tokens: the first use of a token's jti wins a conditional write; every later use loses.
import { createHash } from "node:crypto";
import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import { AuthError, StoreError } from "../shared/errors";
import { isConditionalCheckFailed } from "../shared/dynamo";

export interface ReplayStore {
  /** Records the token's use. Throws AuthError `jti_replayed` when it was used before, StoreError when unsure. */
  consume(key: string, expiresAtEpochSec: number, nowEpochSec: number): Promise<void>;
}

/**
 * The replay key: issuer + jti, or, for a token without jti, issuer + a hash of its signing input
 * (header.payload), which a re-signed copy of the same claims cannot share.
 */
export function replayKey(iss: string, jwt: DecomposedJwt): string {
  const { jti } = jwt.payload;
  if (typeof jti === "string") return `${iss}#jti#${jti}`;
  const signingInputHash = createHash("sha256").update(`${jwt.headerB64}.${jwt.payloadB64}`).digest("base64url");
  return `${iss}#sig#${signingInputHash}`;
}

export class DynamoReplayStore implements ReplayStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async consume(key: string, expiresAtEpochSec: number, nowEpochSec: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: key, expiresAt: expiresAtEpochSec },
          // TTL deletes lazily (up to days later), so an expired marker must not block: the condition decides.
          ConditionExpression: "attribute_not_exists(#pk) OR #expiresAt < :now",
          ExpressionAttributeNames: { "#pk": "pk", "#expiresAt": "expiresAt" },
          ExpressionAttributeValues: { ":now": nowEpochSec },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new AuthError("jti_replayed", "token was already used");
      throw new StoreError("replay marker could not be written", { cause: error });
    }
  }
}
