// What the Table API needs of a table: the records store serves every table but sys_user, which the users
// module serves (reads through its store, writes through UserDirectory). A table of the dictionary is
// read through with the tables extending it, so `task` shows incidents and `cmdb_ci` servers.
import type { Caller } from "../http/caller";
import type { DictionaryTable } from "../dictionary/dictionary";
import type { NumberCounters } from "../records/numbers";
import type { FieldValues, RecordsStore } from "../records/store";
import type { UserDirectory } from "../users/directory";
import type { DynamoUserStore } from "../users/store";
import { bindingChange, presentUser, userInputFrom } from "../users/view";
import { withDefaults } from "./record-input";

export const SYS_USER = "sys_user";

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
}

interface RecordsTableOptions {
  readonly store: RecordsStore;
  readonly numbers: NumberCounters;
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
  const { store, numbers, table, definition, partitions } = options;
  const withClass = (record: FieldValues | undefined, className: string): FieldValues | undefined =>
    record && definition && record["sys_class_name"] === undefined ? { ...record, sys_class_name: className } : record;
  const get = async (sysId: string): Promise<FieldValues | undefined> => {
    if (partitions.length === 1 && partitions[0] !== undefined)
      return withClass(await store.get(partitions[0], sysId), partitions[0]);
    return (await store.getMany(partitions, [sysId], { className: true })).get(sysId);
  };
  /** The table a record belongs to, found through this table. */
  const locate = async (sysId: string): Promise<string> => {
    const record = await get(sysId);
    // Not found: the store's own not-found error, from a table that cannot have it.
    return record?.["sys_class_name"] ?? partitions[0] ?? table;
  };
  return {
    get,
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
            store.pages(partitions[0] ?? table, attributes),
            (record) => withClass(record, partitions[0] ?? table) as FieldValues,
          )
        : mergeBySysId(
            partitions.map((partition) =>
              mapPages(store.pages(partition, attributes), (record) => withClass(record, partition) as FieldValues),
            ),
          ),
    create: async (fields, caller) => {
      let values = fields;
      if (definition) {
        values = withDefaults(fields, definition);
        if (definition.number && (values["number"] ?? "") === "") {
          values = { ...values, number: await numbers.next(table, definition.number) };
        }
      }
      const record = await store.create(table, values, caller.user_name, { className: definition !== undefined });
      return withClass(record, table) as FieldValues;
    },
    update: async (sysId, fields, caller) => {
      const className = await locate(sysId);
      return withClass(await store.update(className, sysId, () => fields, caller.user_name), className) as FieldValues;
    },
    delete: async (sysId) => store.delete(await locate(sysId), sysId),
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
  };
}
