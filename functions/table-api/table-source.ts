// What the Table API needs of a table: the records store serves every table but sys_user, which the users
// module serves (reads through its store, writes through UserDirectory).
import type { Caller } from "../http/caller";
import type { AttachmentStore } from "../attachments/store";
import type { Journal } from "../journal/journal";
import { RecordNotFoundError, type FieldValues, type RecordsStore } from "../records/store";
import type { UserDirectory } from "../users/directory";
import type { DynamoUserStore } from "../users/store";
import { bindingChange, presentUser, userInputFrom } from "../users/view";

export { SYS_USER } from "../users/fields";

export interface TableSource {
  get(sysId: string): Promise<FieldValues | undefined>;
  /** The records with these sys_ids that exist, by sys_id. */
  getMany(sysIds: readonly string[]): Promise<ReadonlyMap<string, FieldValues>>;
  /** Every record, in sys_id order, one DynamoDB page at a time. */
  pages(): AsyncIterable<readonly FieldValues[]>;
  /** Throws the store's conflict / too-large / invalid errors. */
  create(fields: FieldValues, caller: Caller): Promise<FieldValues>;
  /** Throws the store's not-found error when there is no such record. */
  update(sysId: string, fields: FieldValues, caller: Caller): Promise<FieldValues>;
  delete(sysId: string): Promise<void>;
  /** Records as a read shows them (journal columns rendered), for a page chosen from `pages()`. */
  present(records: readonly FieldValues[]): Promise<readonly FieldValues[]>;
}

/**
 * A table of the records store. Journal columns are written as entries beside the record and rendered on
 * every read; deleting a record deletes its attachments first (bytes and metadata).
 */
export function recordsTable(
  store: RecordsStore,
  attachments: Pick<AttachmentStore, "removeAllOf">,
  journal: Journal,
  table: string,
): TableSource {
  const render = (record: FieldValues) => journal.render(table, record);
  return {
    get: async (sysId) => {
      const record = await store.get(table, sysId);
      return record && render(record);
    },
    getMany: (sysIds) => store.getMany(table, sysIds),
    pages: () => store.pages(table),
    create: async (fields, caller) => {
      const { entries, rest } = journal.split(table, fields);
      const record = await store.create(table, rest, caller.user_name);
      await journal.append(table, record["sys_id"] ?? "", entries, caller.user_name);
      return render(record);
    },
    update: async (sysId, fields, caller) => {
      const { entries, rest } = journal.split(table, fields);
      // A journal-only write marks the record changed atomically, so concurrent appends never conflict.
      if (Object.keys(rest).length > 0 || entries.length === 0)
        await store.update(table, sysId, () => rest, caller.user_name);
      else await store.touch(table, sysId, caller.user_name);
      await journal.append(table, sysId, entries, caller.user_name);
      const record = await store.get(table, sysId);
      if (!record) throw new RecordNotFoundError(`no ${table} record ${sysId}`);
      return render(record);
    },
    delete: async (sysId) => {
      // Attachments first: a failure then leaves the record for a retry, never attachments of no record.
      if (!(await store.get(table, sysId))) throw new RecordNotFoundError(`no ${table} record ${sysId}`);
      await attachments.removeAllOf(table, sysId);
      await store.delete(table, sysId);
    },
    present: (records) => journal.renderAll(table, records),
  };
}

interface UsersTableOptions {
  readonly store: DynamoUserStore;
  readonly directory: UserDirectory;
}

/** sys_user: read and listed through the users store (guard items never show), written via UserDirectory. */
export function usersTable({ store, directory }: UsersTableOptions): TableSource {
  return {
    get: async (sysId) => {
      const user = await directory.get(sysId);
      return user && presentUser(user);
    },
    getMany: async (sysIds) =>
      new Map([...(await store.getMany(sysIds))].map(([sysId, user]) => [sysId, presentUser(user)])),
    pages: async function* () {
      for await (const users of store.pages()) yield users.map(presentUser);
    },
    create: async (fields, caller) =>
      presentUser(await directory.create(userInputFrom(fields), { by: caller.user_name })),
    update: async (sysId, fields, caller) => {
      const { unbind, rest } = bindingChange(fields);
      if (unbind) await directory.unbind(sysId, { by: caller.user_name });
      return presentUser(await directory.update(sysId, userInputFrom(rest), { by: caller.user_name }));
    },
    delete: (sysId) => directory.delete(sysId),
    present: async (records) => records,
  };
}
