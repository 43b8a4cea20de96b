// Creating, changing, binding and deleting users (sys_user) race-free: user_name, email and identity stay
// unique through guard items (guards.ts), and every write is conditional on the version read. Every step
// is idempotent, so a half-finished change is completed (or taken over) by the next attempt.
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { Clock } from "../shared/clock";
import { isConditionalCheckFailed } from "../shared/dynamo";
import { StoreError } from "../shared/errors";
import { glideDateTime } from "../shared/glide-time";
import { createdFields, MOD_COUNT, unchangedSince, updatedFields } from "../shared/system-fields";
import { newSysId, SYS_ID_PATTERN } from "../shared/sys-id";
import { IdentityConflictError, UserConflictError, UserNotFoundError } from "./errors";
import { sameUnique, UNIQUE_FIELDS, UniquenessGuards, type GuardKind } from "./guards";
import { parseUserInput, pickInputFields, type SystemFields } from "./input";
import {
  BINDING_FIELDS,
  bindingOf,
  identitiesOf,
  identityKey,
  linkOf,
  linksOf,
  toUserItem,
  toUserRecord,
  type Identity,
  type UserRecord,
} from "./store";

export class UserDirectory {
  private readonly guards: UniquenessGuards;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {
    this.guards = new UniquenessGuards(client, tableName, (sysId) => this.get(sysId));
  }

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
      if (identity) await this.guards.claim(claimed, "identity", identityKey(identity), sysId, nowMs);
      for (const field of UNIQUE_FIELDS) {
        const value = fields[field];
        if (typeof value === "string") await this.guards.claim(claimed, field, value, sysId, nowMs);
      }
      const user: UserRecord = {
        active: true,
        locked_out: false,
        roles: [],
        ...fields,
        ...options.system,
        ...(identity && {
          oidc_issuer: identity.issuer,
          oidc_subject: identity.subject,
          oidc_provider: identity.provider,
        }),
        sys_id: sysId,
        ...createdFields(options.by, nowMs),
        ...(options.loggedIn && { last_login_time: glideDateTime(nowMs) }),
      } as UserRecord;
      if (await this.putNew(user)) return user;
      // Someone created this sys_id first: with a derived sys_id and the same identity, the same person.
      const existing = options.sysId === undefined ? undefined : await this.get(sysId);
      if (existing && (identity === undefined || bindingOf(existing, identity) === "same")) return existing;
      if (existing && identity) {
        throw new IdentityConflictError(
          "the derived sys_id belongs to a user bound to another identity",
          boundProviderOf(existing),
          sysId,
        );
      }
      throw new UserConflictError("sys_id");
    } catch (error) {
      await this.guards.release(claimed, sysId);
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
      await this.guards.claim(claimed, "identity", key, user.sys_id, this.clock.nowMs());
      // A user stored with this identity before identities were indexed keeps the provider it names.
      const provider =
        binding === "same" && typeof user["oidc_provider"] === "string" ? user["oidc_provider"] : identity.provider;
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
      await this.guards.release(claimed, user.sys_id);
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
      await this.guards.claim(claimed, "identity", key, user.sys_id, this.clock.nowMs());
      const linked = await this.writeBinding(user, options.by, {
        oidc_links: {
          ...linksOf(user),
          [identity.provider]: { issuer: identity.issuer, subject: identity.subject, identity: key },
        },
      });
      if (linked) return linked;
      const now = await this.get(user.sys_id);
      if (now && linkOf(now, identity.provider)?.identity === key) return now;
      throw now ? conflictWith(now) : new UserNotFoundError(`no user ${user.sys_id}`);
    } catch (error) {
      await this.guards.release(claimed, user.sys_id);
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
    for (const identity of identities) await this.guards.releaseGuard("identity", identityKey(identity), sysId);
    return updated;
  }

  /** Writes binding fields onto the user as read; resolves undefined when the user changed meanwhile. */
  private async writeBinding(
    user: UserRecord,
    by: string,
    fields: Record<string, unknown>,
  ): Promise<UserRecord | undefined> {
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
    for (const field of UNIQUE_FIELDS)
      if (next[field] === undefined) delete (updated as Record<string, unknown>)[field];
    const claimed: [GuardKind, string][] = [];
    try {
      for (const field of UNIQUE_FIELDS) {
        const value = next[field];
        if (typeof value === "string" && !sameUnique(field, value, current[field])) {
          await this.guards.claim(claimed, field, value, sysId, nowMs);
        }
      }
      // Optimistic: the item must still be the version read above.
      await this.putVersion(current, updated);
    } catch (error) {
      // Give back what this attempt claimed, or the user would keep two user_names.
      await this.guards.release(claimed, sysId);
      throw error;
    }
    for (const field of UNIQUE_FIELDS) {
      const before = current[field];
      if (typeof before === "string" && !sameUnique(field, next[field], before)) {
        await this.guards.releaseGuard(field, before, sysId);
      }
    }
    return updated;
  }

  /** Deletes a user and frees what it held: its user_name, email and identities. */
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
      if (typeof value === "string") await this.guards.releaseGuard(field, value, sysId);
    }
    // Its identities too: kept, they would refuse that person's binding to another user for minutes.
    for (const identity of identitiesOf(current))
      await this.guards.releaseGuard("identity", identityKey(identity), sysId);
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
}

const boundProviderOf = (user: UserRecord): string | undefined =>
  typeof user["oidc_provider"] === "string" ? user["oidc_provider"] : undefined;

const conflictWith = (user: UserRecord): IdentityConflictError =>
  new IdentityConflictError("the user is bound to another identity", boundProviderOf(user), user.sys_id);
