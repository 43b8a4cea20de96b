// What the Table API needs of a table: the records table serves every table but sys_user, which lives in
// the users table and is written only through UserDirectory.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Caller } from "../http/caller";
import { batchGetAll, queryPages } from "../shared/dynamo-paging";
import type { FieldValues } from "../records/store";
import type { RecordsStore } from "../records/store";
import { SYS_ID_PATTERN } from "../shared/sys-id";
import { USER_LISTING_INDEX } from "../shared/tables";
import type { UserDirectory } from "../users/directory";
import { toUserRecord } from "../users/store";
import { bindingChange, presentUser, userInputFrom } from "../users/view";

export const SYS_USER = "sys_user";

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
}

export function recordsTable(store: RecordsStore, table: string): TableSource {
  return {
    get: (sysId) => store.get(table, sysId),
    getMany: (sysIds) => store.getMany(table, sysIds),
    pages: () => store.pages(table),
    create: (fields, caller) => store.create(table, fields, caller.user_name),
    update: (sysId, fields, caller) => store.update(table, sysId, () => fields, caller.user_name),
    delete: (sysId) => store.delete(table, sysId),
  };
}

export interface UsersTableOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly directory: UserDirectory;
}

/** sys_user: read by key or from the all_users index (guard items never show), written via UserDirectory. */
export function usersTable({ client, tableName, directory }: UsersTableOptions): TableSource {
  return {
    get: async (sysId) => {
      const user = await directory.get(sysId);
      return user && presentUser(user);
    },
    getMany: async (sysIds) => {
      const keys = sysIds.filter((id) => SYS_ID_PATTERN.test(id)).map((sys_id) => ({ sys_id }));
      const items = await batchGetAll(client, tableName, keys);
      return new Map(
        items
          .filter((item) => item[USER_LISTING_INDEX.partition] === USER_LISTING_INDEX.value)
          .map((item) => [String(item["sys_id"]), presentUser(toUserRecord(item))]),
      );
    },
    pages: async function* () {
      for await (const items of queryPages(client, {
        TableName: tableName,
        IndexName: USER_LISTING_INDEX.indexName,
        KeyConditionExpression: "#directory = :directory",
        ExpressionAttributeNames: { "#directory": USER_LISTING_INDEX.partition },
        ExpressionAttributeValues: { ":directory": USER_LISTING_INDEX.value },
      })) {
        yield items.map((item) => presentUser(toUserRecord(item)));
      }
    },
    create: async (fields, caller) =>
      presentUser(await directory.create(userInputFrom(fields), { by: caller.user_name })),
    update: async (sysId, fields, caller) => {
      const { unbind, rest } = bindingChange(fields);
      if (unbind) await directory.unbind(sysId, { by: caller.user_name });
      return presentUser(await directory.update(sysId, userInputFrom(rest), { by: caller.user_name }));
    },
    delete: (sysId) => directory.delete(sysId),
  };
}
