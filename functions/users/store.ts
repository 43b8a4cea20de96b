// The users table (ServiceNow's sys_user) as sign-in reads it: by bound identity (iss + sub), through a
// link, or by a configured field; each one key read or one index query.
import { hash } from "node:crypto";
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { batchGetAll, queryPages } from "../shared/dynamo-paging";
import { StoreError } from "../shared/errors";
import { SYS_ID_PATTERN } from "../shared/sys-id";
import { USER_IDENTITY_INDEX, USER_LISTING_INDEX, USER_LOOKUP_INDEXES, type UserLookupField } from "../shared/tables";
import { foldEmail } from "./fields";

export interface UserRecord {
  readonly sys_id: string;
  readonly user_name: string;
  readonly email?: string;
  readonly active: boolean;
  readonly locked_out: boolean;
  readonly roles: readonly string[];
  readonly [field: string]: unknown;
}

/** Who a verified token says the caller is (OIDC Core 5.7: only iss and sub together), and through which provider. */
export interface Identity {
  readonly issuer: string;
  readonly subject: string;
  readonly provider: string;
}

/** A fixed-length key for an identity: the issuer and subject, hashed (both may be long). */
export const identityKey = (identity: Pick<Identity, "issuer" | "subject">): string =>
  hash("sha256", `${identity.issuer}\n${identity.subject}`, "hex");

/** A link of a user to a further identity (provider name -> that identity), recorded on the user. */
interface IdentityLink {
  readonly issuer: string;
  readonly subject: string;
  readonly identity: string;
}

/** How a user stands to an identity: bound to it, linked to it, bound to none, or bound to another. */
type Binding = "same" | "linked" | "unbound" | "other";

/** The issuer and subject a user is bound to, if any (provisioned users and users that signed in). */
export function boundIdentity(user: UserRecord): Pick<Identity, "issuer" | "subject"> | undefined {
  const issuer = user["oidc_issuer"];
  const subject = user["oidc_subject"];
  return typeof issuer === "string" && typeof subject === "string" && issuer !== "" && subject !== ""
    ? { issuer, subject }
    : undefined;
}

export function bindingOf(user: UserRecord, identity: Identity): Binding {
  const bound = boundIdentity(user);
  if (bound === undefined) return "unbound";
  if (bound.issuer === identity.issuer && bound.subject === identity.subject) return "same";
  return linkOf(user, identity.provider)?.identity === identityKey(identity) ? "linked" : "other";
}

/** The user's link for `provider`, if it has one. */
export function linkOf(user: UserRecord, provider: string): IdentityLink | undefined {
  const links = user["oidc_links"];
  if (typeof links !== "object" || links === null || !Object.hasOwn(links, provider)) return undefined;
  const link = (links as Record<string, unknown>)[provider];
  if (typeof link !== "object" || link === null) return undefined;
  const { issuer, subject, identity } = link as Record<string, unknown>;
  return typeof issuer === "string" && typeof subject === "string" && typeof identity === "string"
    ? { issuer, subject, identity }
    : undefined;
}

/** The identities a user is linked to, by provider (malformed entries dropped). */
export function linksOf(user: UserRecord): Record<string, IdentityLink> {
  const links = user["oidc_links"];
  if (typeof links !== "object" || links === null) return {};
  const result: Record<string, IdentityLink> = {};
  for (const provider of Object.keys(links)) {
    const link = linkOf(user, provider);
    if (link) result[provider] = link;
  }
  return result;
}

/** Every identity that signs in as the user: the one it is bound to, and its links. */
export const identitiesOf = (user: UserRecord): Pick<Identity, "issuer" | "subject">[] =>
  [boundIdentity(user), ...Object.values(linksOf(user))].filter((identity) => identity !== undefined);

/** The binding fields: written only by sign-in (bind, link) and by an admin's unbind. */
export const BINDING_FIELDS = ["oidc_issuer", "oidc_subject", "oidc_provider", "oidc_links"] as const;

export interface UserStore {
  /** Users whose `field` equals `value` (email case-insensitively): none, one, or (ambiguous) two. */
  findBy(field: UserLookupField, value: string): Promise<readonly UserRecord[]>;
  /** The users bound to this identity: none or one (two would be a broken table: ambiguous). */
  findBound(identity: Identity): Promise<readonly UserRecord[]>;
  /** The user this identity was linked to, if the link is still recorded on both sides. */
  findLinked(identity: Identity): Promise<UserRecord | undefined>;
}

/** The value as stored in the lookup attribute for `field`. */
const lookupValue = (field: UserLookupField, value: string): string => (field === "email" ? foldEmail(value) : value);

/** Guard items share the users table's key space but can never look like a sys_id. */
export const guardKey = (kind: "user_name" | "email" | "identity", folded: string): string =>
  `unique#${kind}#${folded}`;

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

  async findBound(identity: Identity): Promise<readonly UserRecord[]> {
    try {
      const { Items = [] } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: USER_IDENTITY_INDEX.indexName,
          KeyConditionExpression: "#identity = :identity",
          ExpressionAttributeNames: { "#identity": USER_IDENTITY_INDEX.attribute },
          ExpressionAttributeValues: { ":identity": identityKey(identity) },
          Limit: 2,
        }),
      );
      // The index is eventually consistent: trust only what the item itself says.
      return Items.map(toUserRecord).filter((user) => bindingOf(user, identity) === "same");
    } catch (error) {
      throw new StoreError("user lookup by identity failed", { cause: error });
    }
  }

  async findLinked(identity: Identity): Promise<UserRecord | undefined> {
    try {
      const guard = await this.read(guardKey("identity", identityKey(identity)));
      const owner = guard?.["owner"];
      if (typeof owner !== "string") return undefined;
      const item = await this.read(owner);
      const user = item && toUserRecord(item);
      return user && bindingOf(user, identity) === "linked" ? user : undefined;
    } catch (error) {
      throw new StoreError("user lookup by identity link failed", { cause: error });
    }
  }

  /** The users with these sys_ids that exist (never a guard item), by sys_id; one BatchGetItem per 100. */
  async getMany(sysIds: readonly string[]): Promise<ReadonlyMap<string, UserRecord>> {
    const keys = sysIds.filter((id) => SYS_ID_PATTERN.test(id)).map((sys_id) => ({ sys_id }));
    const items = await batchGetAll(this.client, this.tableName, keys);
    return new Map(
      items
        .filter((item) => item[USER_LISTING_INDEX.partition] === USER_LISTING_INDEX.value)
        .map((item) => [String(item["sys_id"]), toUserRecord(item)]),
    );
  }

  /** Every user, in sys_id order, one page of the all_users index at a time: a Query, never a Scan. */
  async *pages(): AsyncGenerator<UserRecord[]> {
    for await (const items of queryPages(this.client, {
      TableName: this.tableName,
      IndexName: USER_LISTING_INDEX.indexName,
      KeyConditionExpression: "#directory = :directory",
      ExpressionAttributeNames: { "#directory": USER_LISTING_INDEX.partition },
      ExpressionAttributeValues: { ":directory": USER_LISTING_INDEX.value },
    })) {
      yield items.map(toUserRecord);
    }
  }

  private async read(sysId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { sys_id: sysId } }));
    return Item;
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
  const bound = boundIdentity(user);
  // Index attributes always follow the fields they index; stale ones (a removed email, an unbind) are dropped.
  const { [USER_IDENTITY_INDEX.attribute]: _identity, email_lower: _email, ...fields } = user;
  return {
    ...fields,
    [USER_LISTING_INDEX.partition]: USER_LISTING_INDEX.value,
    ...(typeof user.email === "string" && user.email.length > 0 && { email_lower: lookupValue("email", user.email) }),
    ...(bound && { [USER_IDENTITY_INDEX.attribute]: identityKey(bound) }),
  };
}
