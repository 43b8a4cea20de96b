// Uniqueness of user_name, email and identity in the users table: guard items (`unique#<kind>#<value>`)
// claimed by conditional writes, since an index cannot enforce uniqueness and the embedded DynamoDB has
// no transactions. A guard whose owner never came into being is taken over after a while.
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "../shared/dynamo";
import { StoreError } from "../shared/errors";
import { IdentityConflictError, UserConflictError } from "./errors";
import { foldEmail, foldUserName } from "./fields";
import { guardKey, identitiesOf, identityKey, type UserRecord } from "./store";

export type UniqueField = "user_name" | "email";
export const UNIQUE_FIELDS: readonly UniqueField[] = ["user_name", "email"];
export type GuardKind = UniqueField | "identity";

/** Uniqueness is case-insensitive: user_names fold (NFKC, lower case), emails fold ASCII letters. */
const folded = (kind: GuardKind, value: string): string =>
  kind === "user_name" ? foldUserName(value) : kind === "email" ? foldEmail(value) : value;
const guardOf = (kind: GuardKind, value: string): string => guardKey(kind, folded(kind, value));

/** A guard whose owner never appeared within this long belongs to a creation that died (Lambda timeout is 10 s). */
const ABANDONED_GUARD_MS = 5 * 60_000;

export const sameUnique = (field: UniqueField, a: unknown, b: unknown): boolean =>
  typeof a === "string" && typeof b === "string" && folded(field, a) === folded(field, b);

export class UniquenessGuards {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Reads a user (consistently), to tell a live owner from a dead one. */
    private readonly getUser: (sysId: string) => Promise<UserRecord | undefined>,
  ) {}

  /**
   * Claims a guard and, if this call created it, remembers it in `claimed`, so a later failure can give it
   * back. A guard the sys_id held already (a retry, a concurrent creation of the same user, the user's own
   * value) is never given back: it is not this call's to release.
   */
  async claim(
    claimed: [GuardKind, string][],
    kind: GuardKind,
    value: string,
    sysId: string,
    nowMs: number,
  ): Promise<void> {
    if (await this.claimGuard(kind, value, sysId, nowMs)) claimed.push([kind, value]);
  }

  async release(claimed: readonly [GuardKind, string][], sysId: string): Promise<void> {
    for (const [kind, value] of claimed) {
      await this.releaseGuard(kind, value, sysId).catch(() => undefined);
    }
  }

  /**
   * Claims `field = value` for `sysId`. Succeeds when the guard is free or already ours (a retry),
   * takes over a guard whose owner never came into being, and otherwise reports a conflict.
   */
  async claimGuard(field: GuardKind, value: string, sysId: string, nowMs: number): Promise<boolean> {
    const key = guardOf(field, value);
    const claimed = await this.putGuard(key, sysId, nowMs, "attribute_not_exists(#sys_id) OR #owner = :owner", {
      ":owner": sysId,
    });
    if (claimed !== "refused") return claimed === "created";
    const guard = await this.read(key);
    const owner = typeof guard?.["owner"] === "string" ? guard["owner"] : undefined;
    const claimedAtMs = Number(guard?.["claimedAtMs"] ?? nowMs);
    if (owner && nowMs - claimedAtMs > ABANDONED_GUARD_MS && !(await this.holds(owner, field, value))) {
      if ((await this.putGuard(key, sysId, nowMs, "#owner = :previous", { ":previous": owner })) !== "refused")
        return true;
    }
    if (field === "identity")
      throw new IdentityConflictError("the identity is bound to another user", undefined, owner ?? "");
    throw new UserConflictError(field);
  }

  /** Whether the guard's owner still has the value (a guard outlives its owner's change only by a crash). */
  private async holds(owner: string, field: GuardKind, value: string): Promise<boolean> {
    const user = await this.getUser(owner);
    if (!user) return false;
    if (field !== "identity")
      return typeof user[field] === "string" && folded(field, user[field]) === folded(field, value);
    return identitiesOf(user).some((identity) => identityKey(identity) === value);
  }

  /** Puts a guard under `condition`: "created" when there was none, "kept" when it was there already, or "refused". */
  private async putGuard(
    key: string,
    sysId: string,
    nowMs: number,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<"created" | "kept" | "refused"> {
    try {
      const { Attributes } = await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { sys_id: key, owner: sysId, claimedAtMs: nowMs },
          ConditionExpression: condition,
          // DynamoDB refuses names a condition does not use.
          ExpressionAttributeNames: {
            "#owner": "owner",
            ...(condition.includes("#sys_id") && { "#sys_id": "sys_id" }),
          },
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_OLD",
        }),
      );
      return Attributes?.["owner"] === sysId ? "kept" : "created";
    } catch (error) {
      if (isConditionalCheckFailed(error)) return "refused";
      throw new StoreError("uniqueness guard write failed", { cause: error });
    }
  }

  async releaseGuard(field: GuardKind, value: string, sysId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { sys_id: guardOf(field, value) },
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": sysId },
        }),
      );
    } catch (error) {
      // Not ours any more (taken over): nothing to release.
      if (!isConditionalCheckFailed(error)) throw new StoreError("uniqueness guard delete failed", { cause: error });
    }
  }

  private async read(key: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { sys_id: key }, ConsistentRead: true }),
      );
      return Item;
    } catch (error) {
      throw new StoreError("user read failed", { cause: error });
    }
  }
}
