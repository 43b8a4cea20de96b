// The users table (ServiceNow's sys_user): lookup by a configured field, one key read or one index query.
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { StoreError } from "./errors";
import { USER_LISTING_INDEX, USER_LOOKUP_INDEXES, type UserLookupField } from "./tables";

export interface UserRecord {
  readonly sys_id: string;
  readonly user_name: string;
  readonly email?: string;
  readonly active: boolean;
  readonly locked_out: boolean;
  readonly roles: readonly string[];
  readonly [field: string]: unknown;
}

export interface UserStore {
  /** Users whose `field` equals `value` (email case-insensitively): none, one, or (ambiguous) two. */
  findBy(field: UserLookupField, value: string): Promise<readonly UserRecord[]>;
}

/** The value as stored in the lookup attribute for `field`. */
export const lookupValue = (field: UserLookupField, value: string): string =>
  field === "email" ? value.toLowerCase() : value;

export class DynamoUserStore implements UserStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findBy(field: UserLookupField, value: string): Promise<readonly UserRecord[]> {
    try {
      if (field === "sys_id") {
        const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { sys_id: value } }));
        return Item ? [toUserRecord(Item)] : [];
      }
      const { indexName, attribute } = USER_LOOKUP_INDEXES[field];
      const { Items = [] } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: "#field = :value",
          ExpressionAttributeNames: { "#field": attribute },
          ExpressionAttributeValues: { ":value": lookupValue(field, value) },
          // Two are enough to tell "exactly one" from "ambiguous".
          Limit: 2,
        }),
      );
      return Items.map(toUserRecord);
    } catch (error) {
      throw new StoreError(`user lookup by ${field} failed`, { cause: error });
    }
  }
}

/** Normalizes a stored item; a user is active only when `active` is exactly true, so odd data fails closed. */
export function toUserRecord(item: Record<string, unknown>): UserRecord {
  return {
    ...item,
    sys_id: String(item["sys_id"]),
    user_name: typeof item["user_name"] === "string" ? item["user_name"] : "",
    active: item["active"] === true,
    locked_out: item["locked_out"] === true,
    roles: Array.isArray(item["roles"]) ? item["roles"].filter((r): r is string => typeof r === "string") : [],
  };
}

/** The stored form of a user: the record plus the lookup and listing attributes its indexes need. */
export function toUserItem(user: UserRecord): Record<string, unknown> {
  return {
    ...user,
    [USER_LISTING_INDEX.partition]: USER_LISTING_INDEX.value,
    ...(typeof user.email === "string" && user.email.length > 0 && { email_lower: lookupValue("email", user.email) }),
  };
}
