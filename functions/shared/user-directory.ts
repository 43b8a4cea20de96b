// Creating, changing and deleting users (sys_user) race-free: user_name and email are kept unique with
// guard items claimed by conditional writes, since DynamoDB indexes cannot enforce uniqueness and the
// embedded DynamoDB has no transactions. Every step is idempotent, so a half-finished change is
// completed (or taken over) by the next attempt.
import { z } from "zod";
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { Clock } from "./clock";
import { describeIssues, roleName } from "./config-schema";
import { isConditionalCheckFailed } from "./dynamo";
import { DomainError, StoreError } from "./errors";
import { glideDateTime } from "./glide-time";
import { createdFields, MOD_COUNT, unchangedSince, updatedFields } from "./system-fields";
import { newSysId, SYS_ID_PATTERN } from "./sys-id";
import { CUSTOM_USER_FIELD, USER_FIELDS } from "./user-fields";
import { lookupValue, toUserItem, toUserRecord, type UserRecord } from "./user-store";


const text = z.string().max(255);

/** A user as given by a caller: known fields, custom `u_*` fields, flags and roles; nothing else. */
export const userInputSchema = z
  .object({
    user_name: z.string().trim().min(1, "must not be empty").max(100),
    email: z.email().max(254).optional(),
    active: z.boolean().optional(),
    locked_out: z.boolean().optional(),
    roles: z.array(roleName).max(100).optional(),
    ...Object.fromEntries(
      USER_FIELDS.filter((field) => field !== "user_name" && field !== "email").map((field) => [field, text.optional()]),
    ),
  })
  .catchall(z.union([text, z.number(), z.boolean()]))
  .superRefine((user, context) => {
    for (const key of Object.keys(user)) {
      if (!(key in userInputSchema.shape) && !CUSTOM_USER_FIELD.test(key)) {
        context.addIssue({ code: "custom", path: [key], message: "not a sys_user field (custom fields start with u_)" });
      }
    }
  });
export type UserInput = z.input<typeof userInputSchema>;

/** System-maintained fields (`source`, `oidc_*`): set by provisioning, never by a caller's input. */
export type SystemFields = Readonly<Record<string, unknown>>;

export class UserInvalidError extends DomainError<"user_invalid"> {
  readonly code = "user_invalid" as const;
}
export class UserConflictError extends DomainError<"user_conflict"> {
  readonly code = "user_conflict" as const;
  constructor(readonly field: "user_name" | "email" | "sys_id") {
    super(`another user already has this ${field}`);
  }
}
export class UserNotFoundError extends DomainError<"user_not_found"> {
  readonly code = "user_not_found" as const;
}

type UniqueField = "user_name" | "email";
const UNIQUE_FIELDS: readonly UniqueField[] = ["user_name", "email"];

/** A guard's key lives in the users table's key space but can never look like a sys_id. */
const guardKey = (field: UniqueField, value: string): string =>
  `unique#${field}#${field === "email" ? lookupValue("email", value) : value}`;

/** A guard whose owner never appeared within this long belongs to a creation that died (Lambda timeout is 10 s). */
const ABANDONED_GUARD_MS = 5 * 60_000;

export function parseUserInput(input: unknown): UserInput & { user_name: string } {
  const parsed = userInputSchema.safeParse(input);
  if (!parsed.success) throw new UserInvalidError(describeIssues(parsed.error));
  return parsed.data as UserInput & { user_name: string };
}

export class UserDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async get(sysId: string): Promise<UserRecord | undefined> {
    if (!SYS_ID_PATTERN.test(sysId)) return undefined;
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { sys_id: sysId }, ConsistentRead: true }),
      );
      return Item ? toUserRecord(Item) : undefined;
    } catch (error) {
      throw new StoreError("user read failed", { cause: error });
    }
  }

  /**
   * Creates a user. With `sysId` given the call is idempotent: concurrent or repeated creations of the
   * same sys_id converge on one user (provisioning derives it from the token's iss and sub).
   */
  async create(
    input: unknown,
    options: { by: string; sysId?: string; system?: SystemFields; loggedIn?: boolean },
  ): Promise<UserRecord> {
    const fields = parseUserInput(input);
    const sysId = options.sysId ?? newSysId(this.clock);
    const nowMs = this.clock.nowMs();
    for (const field of UNIQUE_FIELDS) {
      const value = fields[field];
      if (typeof value === "string") await this.claimGuard(field, value, sysId, nowMs);
    }
    const user: UserRecord = {
      active: true,
      locked_out: false,
      roles: [],
      ...fields,
      ...options.system,
      sys_id: sysId,
      ...createdFields(options.by, nowMs),
      ...(options.loggedIn && { last_login_time: glideDateTime(nowMs) }),
    } as UserRecord;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toUserItem(user),
          ConditionExpression: "attribute_not_exists(#sys_id)",
          ExpressionAttributeNames: { "#sys_id": "sys_id" },
        }),
      );
      return user;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw new StoreError("user write failed", { cause: error });
    }
    // Someone created this sys_id first: with a derived sys_id that is the same person, a success.
    const existing = options.sysId === undefined ? undefined : await this.get(sysId);
    if (!existing) throw new UserConflictError("sys_id");
    return existing;
  }

  /** Changes fields of a user, moving uniqueness guards when user_name or email change. */
  async update(
    sysId: string,
    changes: Record<string, unknown>,
    options: { by: string; system?: SystemFields },
  ): Promise<UserRecord> {
    const current = await this.get(sysId);
    if (!current) throw new UserNotFoundError(`no user ${sysId}`);
    const next = parseUserInput({ ...pickInputFields(current), ...changes });
    const nowMs = this.clock.nowMs();
    const claimed: [UniqueField, string][] = [];
    for (const field of UNIQUE_FIELDS) {
      const value = next[field];
      if (typeof value === "string" && !sameUnique(field, value, current[field])) {
        await this.claimGuard(field, value, sysId, nowMs);
        claimed.push([field, value]);
      }
    }
    const updated = {
      ...current,
      ...next,
      ...options.system,
      ...updatedFields(options.by, nowMs, current[MOD_COUNT]),
    } as UserRecord;
    for (const field of UNIQUE_FIELDS) if (next[field] === undefined) delete (updated as Record<string, unknown>)[field];
    try {
      // Optimistic: the item must still be the version read above.
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toUserItem(updated),
          ...unchangedSince(current[MOD_COUNT]),
        }),
      );
    } catch (error) {
      // Give back what this attempt claimed, or the user would keep two user_names.
      for (const [field, value] of claimed) await this.releaseGuard(field, value, sysId);
      if (isConditionalCheckFailed(error)) throw new UserConflictError("sys_id");
      throw new StoreError("user write failed", { cause: error });
    }
    for (const field of UNIQUE_FIELDS) {
      const before = current[field];
      if (typeof before === "string" && !sameUnique(field, next[field], before)) {
        await this.releaseGuard(field, before, sysId);
      }
    }
    return updated;
  }

  async delete(sysId: string): Promise<void> {
    const current = await this.get(sysId);
    if (!current) throw new UserNotFoundError(`no user ${sysId}`);
    try {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { sys_id: sysId } }));
    } catch (error) {
      throw new StoreError("user delete failed", { cause: error });
    }
    for (const field of UNIQUE_FIELDS) {
      const value = current[field];
      if (typeof value === "string") await this.releaseGuard(field, value, sysId);
    }
  }

  /**
   * Records the last login at most once per `intervalMs`. The user as just read says whether it is due,
   * so most logins cost no DynamoDB call at all; a due one is one conditional update, which concurrent
   * logins cannot repeat.
   */
  async touchLastLogin(user: UserRecord, intervalMs: number): Promise<boolean> {
    const nowMs = this.clock.nowMs();
    const threshold = glideDateTime(nowMs - intervalMs);
    const last = user["last_login_time"];
    if (typeof last === "string" && last >= threshold) return false;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { sys_id: user.sys_id },
          UpdateExpression: "SET #last = :now",
          ConditionExpression: "attribute_exists(#sys_id) AND (attribute_not_exists(#last) OR #last < :threshold)",
          ExpressionAttributeNames: { "#last": "last_login_time", "#sys_id": "sys_id" },
          ExpressionAttributeValues: { ":now": glideDateTime(nowMs), ":threshold": threshold },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw new StoreError("last login update failed", { cause: error });
    }
  }

  /**
   * Claims `field = value` for `sysId`. Succeeds when the guard is free or already ours (a retry),
   * takes over a guard whose owner never came into being, and otherwise reports a conflict.
   */
  private async claimGuard(field: UniqueField, value: string, sysId: string, nowMs: number): Promise<void> {
    const key = guardKey(field, value);
    if (await this.putGuard(key, sysId, nowMs, "attribute_not_exists(#sys_id) OR #owner = :owner", { ":owner": sysId })) {
      return;
    }
    const guard = await this.read(key);
    const owner = typeof guard?.["owner"] === "string" ? guard["owner"] : undefined;
    const claimedAtMs = Number(guard?.["claimedAtMs"] ?? nowMs);
    if (owner && nowMs - claimedAtMs > ABANDONED_GUARD_MS && !(await this.get(owner))) {
      if (await this.putGuard(key, sysId, nowMs, "#owner = :previous", { ":previous": owner })) return;
    }
    throw new UserConflictError(field);
  }

  private async putGuard(
    key: string,
    sysId: string,
    nowMs: number,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.client.send(
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
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw new StoreError("uniqueness guard write failed", { cause: error });
    }
  }

  private async releaseGuard(field: UniqueField, value: string, sysId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { sys_id: guardKey(field, value) },
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

const sameUnique = (field: UniqueField, a: unknown, b: unknown): boolean =>
  typeof a === "string" && typeof b === "string" && (field === "email" ? a.toLowerCase() === b.toLowerCase() : a === b);

/** The caller-settable part of a stored user (drops system and index attributes). */
function pickInputFields(user: UserRecord): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    if (key in userInputSchema.shape || CUSTOM_USER_FIELD.test(key)) picked[key] = value;
  }
  return picked;
}
