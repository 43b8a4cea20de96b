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
import type { Clock } from "../shared/clock";
import { describeIssues, roleName } from "../config/schema";
import { isConditionalCheckFailed } from "../shared/dynamo";
import { DomainError, StoreError } from "../shared/errors";
import { glideDateTime } from "../shared/glide-time";
import { createdFields, MOD_COUNT, unchangedSince, updatedFields } from "../shared/system-fields";
import { newSysId, SYS_ID_PATTERN } from "../shared/sys-id";
import {
  CUSTOM_USER_FIELD,
  emailSchema,
  foldEmail,
  foldUserName,
  MAX_USER_NAME_LENGTH,
  USER_FIELDS,
  userNameProblem,
} from "./fields";
import {
  bindingOf,
  guardKey,
  identityKey,
  identitiesOf,
  linkOf,
  linksOf,
  toUserItem,
  toUserRecord,
  type Identity,
  type UserRecord,
} from "./store";


const text = z.string().max(255);

/** A user as given by a caller: known fields, custom `u_*` fields, flags and roles; nothing else. */
export const userInputSchema = z
  .object({
    user_name: z
      .string()
      .max(MAX_USER_NAME_LENGTH * 4)
      .transform((name) => name.normalize("NFC").trim())
      .superRefine((name, context) => {
        const problem = userNameProblem(name);
        if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
      }),
    email: emailSchema.optional(),
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

/** The binding fields: written only by sign-in (bind, link) and by an admin's unbind. */
export const BINDING_FIELDS = ["oidc_issuer", "oidc_subject", "oidc_provider", "oidc_links"] as const;

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
/** The user is bound to another identity, or the identity to another user: never signed in as. */
export class IdentityConflictError extends DomainError<"identity_conflict"> {
  readonly code = "identity_conflict" as const;
  constructor(
    message: string,
    /** The provider the user is bound to (or the identity's owner), for the log line. */
    readonly boundProvider: string | undefined,
    readonly userSysId: string,
  ) {
    super(message);
  }
}

type UniqueField = "user_name" | "email";
const UNIQUE_FIELDS: readonly UniqueField[] = ["user_name", "email"];
type GuardKind = UniqueField | "identity";

/** Uniqueness is case-insensitive: user_names fold (NFKC, lower case), emails fold ASCII letters. */
const folded = (kind: GuardKind, value: string): string =>
  kind === "user_name" ? foldUserName(value) : kind === "email" ? foldEmail(value) : value;
const guardOf = (kind: GuardKind, value: string): string => guardKey(kind, folded(kind, value));

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
   * same sys_id converge on one user (provisioning derives it from the token's iss and sub), but only
   * when the user there is bound to the same `identity`. Whatever fails, the guards this call claimed
   * are given back, so a refused creation leaves nothing behind.
   */
  async create(
    input: unknown,
    options: { by: string; sysId?: string; system?: SystemFields; identity?: Identity; loggedIn?: boolean },
  ): Promise<UserRecord> {
    const fields = parseUserInput(input);
    const sysId = options.sysId ?? newSysId(this.clock);
    const nowMs = this.clock.nowMs();
    const { identity } = options;
    const claimed: [GuardKind, string][] = [];
    try {
      if (identity) await this.claim(claimed, "identity", identityKey(identity), sysId, nowMs);
      for (const field of UNIQUE_FIELDS) {
        const value = fields[field];
        if (typeof value === "string") await this.claim(claimed, field, value, sysId, nowMs);
      }
      const user: UserRecord = {
        active: true,
        locked_out: false,
        roles: [],
        ...fields,
        ...options.system,
        ...(identity && { oidc_issuer: identity.issuer, oidc_subject: identity.subject, oidc_provider: identity.provider }),
        sys_id: sysId,
        ...createdFields(options.by, nowMs),
        ...(options.loggedIn && { last_login_time: glideDateTime(nowMs) }),
      } as UserRecord;
      if (await this.putNew(user)) return user;
      // Someone created this sys_id first: with a derived sys_id and the same identity, the same person.
      const existing = options.sysId === undefined ? undefined : await this.get(sysId);
      if (existing && (identity === undefined || bindingOf(existing, identity) === "same")) return existing;
      if (existing && identity) {
        throw new IdentityConflictError("the derived sys_id belongs to a user bound to another identity", boundProviderOf(existing), sysId);
      }
      throw new UserConflictError("sys_id");
    } catch (error) {
      await this.release(claimed, sysId);
      throw error;
    }
  }

  private async putNew(user: UserRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toUserItem(user),
          ConditionExpression: "attribute_not_exists(#sys_id)",
          ExpressionAttributeNames: { "#sys_id": "sys_id" },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw new StoreError("user write failed", { cause: error });
    }
  }

  /**
   * Claims a guard and, if this call created it, remembers it in `claimed`, so a later failure can give it
   * back. A guard the sys_id held already (a retry, a concurrent creation of the same user, the user's own
   * value) is never given back: it is not this call's to release.
   */
  private async claim(claimed: [GuardKind, string][], kind: GuardKind, value: string, sysId: string, nowMs: number): Promise<void> {
    if (await this.claimGuard(kind, value, sysId, nowMs)) claimed.push([kind, value]);
  }

  private async release(claimed: readonly [GuardKind, string][], sysId: string): Promise<void> {
    for (const [kind, value] of claimed) {
      await this.releaseGuard(kind, value, sysId).catch(() => undefined);
    }
  }

  /**
   * Binds an unbound user to the identity that has just signed in as them (the first verified sign-in
   * wins), or completes the binding of a user stored with this issuer and subject before identities
   * were indexed. Race-free: the identity's guard makes it one user's, and the write is conditional on
   * the user being the version read, so of two identities racing for one user exactly one wins; the
   * same identity racing with itself binds once and every attempt gets the user.
   */
  async bind(user: UserRecord, identity: Identity, options: { by: string }): Promise<UserRecord> {
    const key = identityKey(identity);
    const binding = bindingOf(user, identity);
    if (binding === "same" && user["oidc_identity"] === key) return user;
    if (binding === "other" || binding === "linked") throw conflictWith(user);
    const claimed: [GuardKind, string][] = [];
    try {
      await this.claim(claimed, "identity", key, user.sys_id, this.clock.nowMs());
      // A user stored with this identity before identities were indexed keeps the provider it names.
      const provider = binding === "same" && typeof user["oidc_provider"] === "string" ? user["oidc_provider"] : identity.provider;
      const bound = await this.writeBinding(user, options.by, {
        oidc_issuer: identity.issuer,
        oidc_subject: identity.subject,
        oidc_provider: provider,
      });
      if (bound) return bound;
      // Changed since read: by this same identity (a concurrent first sign-in: its guard stays), or by another.
      const now = await this.get(user.sys_id);
      if (now && bindingOf(now, identity) === "same") return now;
      throw now ? conflictWith(now) : new UserNotFoundError(`no user ${user.sys_id}`);
    } catch (error) {
      await this.release(claimed, user.sys_id);
      throw error;
    }
  }

  /**
   * Records a further identity (of `identity.provider`) for a user bound to another provider's identity:
   * deliberate account linking, one linked identity per provider, the first verified one wins.
   */
  async link(user: UserRecord, identity: Identity, options: { by: string }): Promise<UserRecord> {
    const key = identityKey(identity);
    const existing = linkOf(user, identity.provider);
    if (existing?.identity === key) return user;
    if (existing) throw conflictWith(user);
    const claimed: [GuardKind, string][] = [];
    try {
      await this.claim(claimed, "identity", key, user.sys_id, this.clock.nowMs());
      const linked = await this.writeBinding(user, options.by, {
        oidc_links: { ...linksOf(user), [identity.provider]: { issuer: identity.issuer, subject: identity.subject, identity: key } },
      });
      if (linked) return linked;
      const now = await this.get(user.sys_id);
      if (now && linkOf(now, identity.provider)?.identity === key) return now;
      throw now ? conflictWith(now) : new UserNotFoundError(`no user ${user.sys_id}`);
    } catch (error) {
      await this.release(claimed, user.sys_id);
      throw error;
    }
  }

  /**
   * Removes a user's binding and links (an admin's act, e.g. when a person moves to a new IdP): the
   * next verified sign-in that the user claim matches binds them anew. Returns the user as it is now.
   */
  async unbind(sysId: string, options: { by: string }): Promise<UserRecord> {
    const current = await this.get(sysId);
    if (!current) throw new UserNotFoundError(`no user ${sysId}`);
    const identities = identitiesOf(current);
    if (identities.length === 0 && current["oidc_identity"] === undefined) return current;
    const next = { ...current } as Record<string, unknown>;
    for (const field of BINDING_FIELDS) delete next[field];
    const updated = { ...next, ...updatedFields(options.by, this.clock.nowMs(), current[MOD_COUNT]) } as UserRecord;
    await this.putVersion(current, updated);
    for (const identity of identities) await this.releaseGuard("identity", identityKey(identity), sysId);
    return updated;
  }

  /** Writes binding fields onto the user as read; resolves undefined when the user changed meanwhile. */
  private async writeBinding(user: UserRecord, by: string, fields: Record<string, unknown>): Promise<UserRecord | undefined> {
    const updated = { ...user, ...fields, ...updatedFields(by, this.clock.nowMs(), user[MOD_COUNT]) } as UserRecord;
    try {
      await this.putVersion(user, updated);
      return updated;
    } catch (error) {
      if (error instanceof UserConflictError) return undefined;
      throw error;
    }
  }

  /** Puts `updated` if the stored user is still `current` (its sys_mod_count unchanged). */
  private async putVersion(current: UserRecord, updated: UserRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: toUserItem(updated), ...unchangedSince(current[MOD_COUNT]) }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new UserConflictError("sys_id");
      throw new StoreError("user write failed", { cause: error });
    }
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
    const updated = {
      ...current,
      ...next,
      ...options.system,
      ...updatedFields(options.by, nowMs, current[MOD_COUNT]),
    } as UserRecord;
    for (const field of UNIQUE_FIELDS) if (next[field] === undefined) delete (updated as Record<string, unknown>)[field];
    const claimed: [GuardKind, string][] = [];
    try {
      for (const field of UNIQUE_FIELDS) {
        const value = next[field];
        if (typeof value === "string" && !sameUnique(field, value, current[field])) {
          await this.claim(claimed, field, value, sysId, nowMs);
        }
      }
      // Optimistic: the item must still be the version read above.
      await this.putVersion(current, updated);
    } catch (error) {
      // Give back what this attempt claimed, or the user would keep two user_names.
      await this.release(claimed, sysId);
      throw error;
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
  private async claimGuard(field: GuardKind, value: string, sysId: string, nowMs: number): Promise<boolean> {
    const key = guardOf(field, value);
    const claimed = await this.putGuard(key, sysId, nowMs, "attribute_not_exists(#sys_id) OR #owner = :owner", { ":owner": sysId });
    if (claimed !== "refused") return claimed === "created";
    const guard = await this.read(key);
    const owner = typeof guard?.["owner"] === "string" ? guard["owner"] : undefined;
    const claimedAtMs = Number(guard?.["claimedAtMs"] ?? nowMs);
    if (owner && nowMs - claimedAtMs > ABANDONED_GUARD_MS && !(await this.holds(owner, field, value))) {
      if ((await this.putGuard(key, sysId, nowMs, "#owner = :previous", { ":previous": owner })) !== "refused") return true;
    }
    if (field === "identity") throw new IdentityConflictError("the identity is bound to another user", undefined, owner ?? "");
    throw new UserConflictError(field);
  }

  /** Whether the guard's owner still has the value (a guard outlives its owner's change only by a crash). */
  private async holds(owner: string, field: GuardKind, value: string): Promise<boolean> {
    const user = await this.get(owner);
    if (!user) return false;
    if (field !== "identity") return typeof user[field] === "string" && folded(field, user[field]) === folded(field, value);
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

  private async releaseGuard(field: GuardKind, value: string, sysId: string): Promise<void> {
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

const sameUnique = (field: UniqueField, a: unknown, b: unknown): boolean =>
  typeof a === "string" && typeof b === "string" && folded(field, a) === folded(field, b);

const boundProviderOf = (user: UserRecord): string | undefined =>
  typeof user["oidc_provider"] === "string" ? user["oidc_provider"] : undefined;

const conflictWith = (user: UserRecord): IdentityConflictError =>
  new IdentityConflictError("the user is bound to another identity", boundProviderOf(user), user.sys_id);


/** The caller-settable part of a stored user (drops system and index attributes). */
function pickInputFields(user: UserRecord): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    if (key in userInputSchema.shape || CUSTOM_USER_FIELD.test(key)) picked[key] = value;
  }
  return picked;
}
