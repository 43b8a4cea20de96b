// What the Table API needs of a table: the records store serves every table but sys_user, which the users
// module serves (reads through its store, writes through UserDirectory). A table of the dictionary is
// read through with the tables extending it, so `task` shows incidents and `cmdb_ci` servers.
import type { Caller } from "../http/caller";
import type { AttachmentStore } from "../attachments/store";
import type { DictionaryTable } from "../dictionary/dictionary";
import type { Journal } from "../journal/journal";
import type { NumberCounters } from "../records/numbers";
import { RecordNotFoundError, type FieldValues, type RecordsStore } from "../records/store";
import type { UserDirectory } from "../users/directory";
import type { DynamoUserStore } from "../users/store";
import { bindingChange, presentUser, userInputFrom } from "../users/view";
import { withDefaults } from "./record-input";

import { SYS_USER } from "../users/fields";

export { SYS_USER };

/** A record's place: its sys_id, and (through a parent table) the table it belongs to. */
export interface RecordKey {
  readonly sysId: string;
  readonly className?: string;
}

export interface TableSource {
  get(sysId: string): Promise<FieldValues | undefined>;
  /** The records with these keys that exist, by sys_id. */
  getMany(keys: readonly RecordKey[]): Promise<ReadonlyMap<string, FieldValues>>;
  /**
   * Every record, in sys_id order, one DynamoDB page at a time; with `attributes`, records may hold only
   * those (and sys_id, sys_class_name), which is all a listing's first pass needs.
   */
  pages(attributes?: readonly string[]): AsyncIterable<readonly FieldValues[]>;
  /** Throws the store's conflict / too-large / invalid errors. */
  create(fields: FieldValues, caller: Caller): Promise<FieldValues>;
  /** Throws the store's not-found error when there is no such record. */
  update(sysId: string, fields: FieldValues, caller: Caller): Promise<FieldValues>;
  delete(sysId: string): Promise<void>;
  /** Records as a read shows them (journal columns rendered), for a page chosen from `pages()`. */
  present(records: readonly FieldValues[]): Promise<readonly FieldValues[]>;
}

interface RecordsTableOptions {
  readonly store: RecordsStore;
  readonly numbers: NumberCounters;
  /** Deleting a record deletes its attachments first (bytes and metadata). */
  readonly attachments: Pick<AttachmentStore, "removeAllOf">;
  /** Journal columns are written as entries beside the record and rendered on every read. */
  readonly journal: Journal;
  readonly table: string;
  /** The table's dictionary entry; undefined for a table that only has an ACL (any column goes). */
  readonly definition: DictionaryTable | undefined;
  /**
   * The tables whose records this source reaches: the table and those extending it that the caller's
   * roles allow the operation on. A record of any other table is not found, as an ACL-hidden one is.
   */
  readonly partitions: readonly string[];
}

export function recordsTable(options: RecordsTableOptions): TableSource {
  const { store, numbers, attachments, journal, table, definition, partitions } = options;
  const withClass = (record: FieldValues | undefined, className: string): FieldValues | undefined =>
    record && definition && record["sys_class_name"] === undefined ? { ...record, sys_class_name: className } : record;
  /** The table a record belongs to: its journal and attachments are kept under that name. */
  const classOf = (record: FieldValues): string => record["sys_class_name"] ?? partitions[0] ?? table;
  const render = (record: FieldValues): Promise<FieldValues> => journal.render(classOf(record), record);
  const find = async (sysId: string): Promise<FieldValues | undefined> => {
    if (partitions.length === 1 && partitions[0] !== undefined)
      return withClass(await store.get(partitions[0], sysId), partitions[0]);
    return (await store.getMany(partitions, [sysId], { className: true })).get(sysId);
  };
  /** The table a record belongs to, found through this table. */
  const locate = async (sysId: string): Promise<string> => {
    const record = await find(sysId);
    // Not found: the store's own not-found error, from a table that cannot have it.
    return record ? classOf(record) : (partitions[0] ?? table);
  };
  return {
    get: async (sysId) => {
      const record = await find(sysId);
      return record && render(record);
    },
    getMany: async (keys) => {
      const exact = keys.filter((key) => key.className !== undefined && partitions.includes(key.className));
      const loose = keys.filter((key) => !exact.includes(key)).map((key) => key.sysId);
      const className = definition !== undefined;
      const keyed = exact.map((key) => ({ table: key.className as string, sysId: key.sysId }));
      const found = new Map(await store.getKeys(keyed, { className }));
      if (loose.length > 0) {
        for (const [sysId, record] of await store.getMany(partitions, loose, { className })) found.set(sysId, record);
      }
      return found;
    },
    pages: (attributes) =>
      partitions.length === 1
        ? mapPages(
            store.pages(partitions[0] ?? table, { attributes }),
            (record) => withClass(record, partitions[0] ?? table) as FieldValues,
          )
        : mergeBySysId(
            partitions.map((partition) =>
              mapPages(store.pages(partition, { attributes }), (record) => withClass(record, partition) as FieldValues),
            ),
          ),
    create: async (fields, caller) => {
      const { entries, rest } = journal.split(table, fields);
      let values = rest;
      if (definition) {
        values = withDefaults(rest, definition);
        if (definition.number && (values["number"] ?? "") === "") {
          values = { ...values, number: await numbers.next(table, definition.number) };
        }
      }
      const record = await store.create(table, values, caller.user_name, { className: definition !== undefined });
      await journal.append(table, record["sys_id"] ?? "", entries, caller.user_name);
      return render(withClass(record, table) as FieldValues);
    },
    update: async (sysId, fields, caller) => {
      const className = await locate(sysId);
      const { entries, rest } = journal.split(className, fields);
      // A journal-only write marks the record changed atomically, so concurrent appends never conflict.
      if (Object.keys(rest).length > 0 || entries.length === 0)
        await store.update(className, sysId, () => rest, caller.user_name);
      else await store.touch(className, sysId, caller.user_name);
      await journal.append(className, sysId, entries, caller.user_name);
      const record = withClass(await store.get(className, sysId), className);
      if (!record) throw new RecordNotFoundError(`no ${table} record ${sysId}`);
      return render(record);
    },
    delete: async (sysId) => {
      const record = await find(sysId);
      if (!record) throw new RecordNotFoundError(`no ${table} record ${sysId}`);
      const className = classOf(record);
      // Attachments first: a failure then leaves the record for a retry, never attachments of no record.
      // They may have been added under the record's own table or the one it was reached through.
      await attachments.removeAllOf(className, sysId);
      if (className !== table) await attachments.removeAllOf(table, sysId);
      await store.delete(className, sysId);
    },
    present: async (records) => {
      // Each record's journal is kept under its own table (an incident listed through task).
      const rendered = [...records];
      const byClass = new Map<string, number[]>();
      for (const [index, record] of records.entries()) {
        const className = classOf(record);
        byClass.set(className, [...(byClass.get(className) ?? []), index]);
      }
      for (const [className, indexes] of byClass) {
        const done = await journal.renderAll(
          className,
          indexes.map((index) => records[index] as FieldValues),
        );
        for (const [position, index] of indexes.entries()) rendered[index] = done[position] as FieldValues;
      }
      return rendered;
    },
  };
}

async function* mapPages(
  pages: AsyncIterable<readonly FieldValues[]>,
  map: (record: FieldValues) => FieldValues,
): AsyncGenerator<FieldValues[]> {
  for await (const page of pages) yield page.map(map);
}

/** Several tables' records, each stream in sys_id order, as one stream in sys_id order, a page at a time. */
async function* mergeBySysId(streams: readonly AsyncIterable<readonly FieldValues[]>[]): AsyncGenerator<FieldValues[]> {
  const cursors = streams.map((stream) => ({
    iterator: stream[Symbol.asyncIterator](),
    page: [] as readonly FieldValues[],
    at: 0,
    done: false,
  }));
  const MERGED_PAGE = 100;
  let out: FieldValues[] = [];
  for (;;) {
    let best: (typeof cursors)[number] | undefined;
    for (const cursor of cursors) {
      while (!cursor.done && cursor.at >= cursor.page.length) {
        const next = await cursor.iterator.next();
        if (next.done) cursor.done = true;
        else {
          cursor.page = next.value;
          cursor.at = 0;
        }
      }
      if (cursor.done) continue;
      const head = cursor.page[cursor.at]?.["sys_id"] ?? "";
      if (best === undefined || head < (best.page[best.at]?.["sys_id"] ?? "")) best = cursor;
    }
    if (best === undefined) break;
    out.push(best.page[best.at] as FieldValues);
    best.at += 1;
    if (out.length >= MERGED_PAGE) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

interface UsersTableOptions {
  readonly store: DynamoUserStore;
  readonly directory: UserDirectory;
}

/** The identity binding and the users table's own bookkeeping: never shown through the Table API. */
const HIDDEN_USER_FIELD = /^oidc_/;

/** sys_user as every signed-in user sees it: without the identity binding (oidc_*), with its display name. */
function userView(user: Parameters<typeof presentUser>[0]): FieldValues {
  const shown = Object.fromEntries(Object.entries(presentUser(user)).filter(([name]) => !HIDDEN_USER_FIELD.test(name)));
  const name = [shown["first_name"], shown["last_name"]].filter((part) => part !== undefined && part !== "").join(" ");
  return { ...shown, name: name === "" ? (shown["user_name"] ?? "") : name, sys_class_name: SYS_USER };
}

/** sys_user: read and listed through the users store (guard items never show), written via UserDirectory. */
export function usersTable({ store, directory }: UsersTableOptions): TableSource {
  return {
    get: async (sysId) => {
      const user = await directory.get(sysId);
      return user && userView(user);
    },
    getMany: async (keys) =>
      new Map([...(await store.getMany(keys.map((key) => key.sysId)))].map(([sysId, user]) => [sysId, userView(user)])),
    pages: async function* () {
      for await (const users of store.pages()) yield users.map(userView);
    },
    create: async (fields, caller) => userView(await directory.create(userInputFrom(fields), { by: caller.user_name })),
    update: async (sysId, fields, caller) => {
      const { unbind, rest } = bindingChange(fields);
      if (unbind) await directory.unbind(sysId, { by: caller.user_name });
      return userView(await directory.update(sysId, userInputFrom(rest), { by: caller.user_name }));
    },
    delete: (sysId) => directory.delete(sysId),
    present: async (records) => records,
  };
}
