// The records table: Table API rows (incident, ...) keyed by table name and sys_id, with ServiceNow's
// system fields kept by this store alone. Values are strings; only sys_mod_count is stored as a number.
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import type { Clock } from "../shared/clock";
import { isConditionalCheckFailed } from "../shared/dynamo";
import { batchGetAll, queryPages } from "../shared/dynamo-paging";
import { DomainError, StoreError } from "../shared/errors";
import { glideDateTime } from "../shared/glide-time";
import { createdFields, MOD_COUNT, unchangedSince, updatedFields } from "../shared/system-fields";
import { newSysId, SYS_ID_PATTERN } from "../shared/sys-id";

/** A record as the APIs present it: every value a string. */
export type FieldValues = Readonly<Record<string, string>>;

export class RecordNotFoundError extends DomainError<"record_not_found"> {
  readonly code = "record_not_found" as const;
}
/** The record kept changing under a read-modify-write (or a new sys_id collided): the caller may retry. */
export class RecordConflictError extends DomainError<"record_conflict"> {
  readonly code = "record_conflict" as const;
}
export class RecordTooLargeError extends DomainError<"record_too_large"> {
  readonly code = "record_too_large" as const;
}

/** The partition key attribute: a record cannot have a field of this name. */
export const TABLE_ATTRIBUTE = "table";

/** DynamoDB's item size limit: attribute names plus values, in UTF-8 bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** An item's size as DynamoDB counts it, for the string and number attributes records hold. */
function itemSizeBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name, "utf8");
    if (typeof value === "string") bytes += Buffer.byteLength(value, "utf8");
    // A number takes about one byte per two significant digits, plus one.
    else if (typeof value === "number") bytes += Math.ceil(String(value).length / 2) + 1;
    else bytes += Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
  }
  return bytes;
}

/** Attributes with `#` in their name are this store's own (index keys), never a field a caller sees or sets. */
const isInternal = (name: string): boolean => name.includes("#");

/** A stored item as the API shows it: without the partition key and internal attributes, every value a string. */
function toRecordView(item: Record<string, unknown>): FieldValues {
  // fromEntries defines own properties, so even an attribute named __proto__ stays plain data.
  return Object.fromEntries(
    Object.entries(item)
      .filter(([name, value]) => name !== TABLE_ATTRIBUTE && !isInternal(name) && value !== undefined && value !== null)
      .map(([name, value]) => [
        name,
        typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value),
      ]),
  );
}

/** How many times a read-modify-write is retried when another writer got in between. */
const UPDATE_ATTEMPTS = 3;

export class RecordsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async get(table: string, sysId: string): Promise<FieldValues | undefined> {
    const item = await this.read(table, sysId);
    return item && toRecordView(item);
  }

  /** The records with these sys_ids that exist, by sys_id, looked for in each of `tables` (a table and its children). */
  async getMany(
    tables: string | readonly string[],
    sysIds: readonly string[],
    options: { className?: boolean } = {},
  ): Promise<Map<string, FieldValues>> {
    const ids = sysIds.filter((id) => SYS_ID_PATTERN.test(id));
    const keys = (typeof tables === "string" ? [tables] : tables).flatMap((table) =>
      ids.map((sys_id) => ({ [TABLE_ATTRIBUTE]: table, sys_id })),
    );
    const items = await batchGetAll(this.client, this.tableName, keys);
    return new Map(items.map((item) => [String(item["sys_id"]), view(item, options)]));
  }

  /** The records at these keys (table and sys_id) that exist, by sys_id. */
  async getKeys(
    keys: readonly { readonly table: string; readonly sysId: string }[],
    options: { className?: boolean } = {},
  ): Promise<Map<string, FieldValues>> {
    const items = await batchGetAll(
      this.client,
      this.tableName,
      keys
        .filter(({ sysId }) => SYS_ID_PATTERN.test(sysId))
        .map(({ table, sysId }) => ({ [TABLE_ATTRIBUTE]: table, sys_id: sysId })),
    );
    return new Map(items.map((item) => [String(item["sys_id"]), view(item, options)]));
  }

  /**
   * All records of a table in sys_id order, one DynamoDB page at a time: never the whole table in memory.
   * With `attributes`, only those (and sys_id) are transferred: a listing counts and filters on them, then
   * reads just the page's whole records. With `where`, only those whose field equals the value (filtered
   * in DynamoDB, so only matches travel).
   */
  async *pages(
    table: string,
    options: { attributes?: readonly string[]; where?: { field: string; value: string } } = {},
  ): AsyncGenerator<FieldValues[]> {
    const { attributes, where } = options;
    const projected = attributes && [...new Set(["sys_id", ...attributes])];
    const names = Object.fromEntries((projected ?? []).map((name, i) => [`#p${i}`, name]));
    for await (const items of queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: "#table = :table",
      ...(where && { FilterExpression: "#field = :value" }),
      ExpressionAttributeNames: { "#table": TABLE_ATTRIBUTE, ...names, ...(where && { "#field": where.field }) },
      ...(projected && { ProjectionExpression: Object.keys(names).join(", ") }),
      ExpressionAttributeValues: { ":table": table, ...(where && { ":value": where.value }) },
      // Strong consistency: a client that lists right after a write sees it, as on ServiceNow.
      ConsistentRead: true,
    })) {
      yield items.map(toRecordView);
    }
  }

  /**
   * The first record whose `field` equals `value` exactly. There is no index on arbitrary fields, so this
   * reads the table's partition with a filter (transferring only matches) and stops at the first.
   */
  async findFirst(table: string, field: string, value: string): Promise<FieldValues | undefined> {
    for await (const items of queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: "#table = :table",
      FilterExpression: "#field = :value",
      ExpressionAttributeNames: { "#table": TABLE_ATTRIBUTE, "#field": field },
      ExpressionAttributeValues: { ":table": table, ":value": value },
      ConsistentRead: true,
    })) {
      const [first] = items;
      if (first) return toRecordView(first);
    }
    return undefined;
  }

  /**
   * A new record with the system fields and a new sys_id (or `options.sysId`, made by `newSysId` by a
   * caller that must name something after it first); `sys_*` and `table` in `fields` are ignored.
   * `options.internal` are attributes with `#` in their names (index keys), stored but never shown.
   * A table of the dictionary keeps `sys_class_name` (the record's own table) on the item.
   */
  async create(
    table: string,
    fields: FieldValues,
    by: string,
    options: { className?: boolean; sysId?: string; internal?: Readonly<Record<string, string>> } = {},
  ): Promise<FieldValues> {
    const internal = options.internal ?? {};
    if (!Object.keys(internal).every(isInternal)) throw new TypeError("internal attribute names contain #");
    const item = {
      ...withoutSystemFields(fields),
      ...internal,
      [TABLE_ATTRIBUTE]: table,
      sys_id: options.sysId ?? newSysId(this.clock),
      ...(options.className && { sys_class_name: table }),
      ...createdFields(by, this.clock.nowMs()),
    };
    assertFits(item);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(#sys_id)",
          ExpressionAttributeNames: { "#sys_id": "sys_id" },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new RecordConflictError("sys_id collision", { cause: error });
      throw storeError("record write failed", error);
    }
    return toRecordView(item);
  }

  /**
   * Applies the changes `change` computes from the current record, optimistically: the write only succeeds
   * if nobody wrote in between (sys_mod_count unchanged), else it is recomputed from the newer record, so
   * concurrent updates (two comments on one incident) are never silently lost: each lands, or after
   * UPDATE_ATTEMPTS tries reports a conflict. A change that alters nothing writes nothing.
   */
  async update(
    table: string,
    sysId: string,
    change: (current: FieldValues) => FieldValues,
    by: string,
  ): Promise<FieldValues> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt += 1) {
      const current = await this.read(table, sysId);
      if (!current) throw new RecordNotFoundError(`no ${table} record ${sysId}`);
      const view = toRecordView(current);
      const changes = withoutSystemFields(change(view));
      if (Object.entries(changes).every(([name, value]) => view[name] === value)) return view;
      const modCount = current[MOD_COUNT];
      const item = {
        ...current,
        ...changes,
        [TABLE_ATTRIBUTE]: table,
        sys_id: sysId,
        ...updatedFields(by, this.clock.nowMs(), modCount),
      };
      assertFits(item);
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ...unchangedSince(modCount),
          }),
        );
        return toRecordView(item);
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw storeError("record write failed", error);
      }
    }
    throw new RecordConflictError(`${table} record ${sysId} kept changing`);
  }

  /**
   * Marks a record changed (sys_updated_on/by, sys_mod_count + 1) in one atomic update: for a change
   * stored beside the record (a journal entry), so concurrent writers never conflict.
   */
  async touch(table: string, sysId: string, by: string): Promise<void> {
    if (!SYS_ID_PATTERN.test(sysId)) throw new RecordNotFoundError(`no ${table} record ${sysId}`);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_ATTRIBUTE]: table, sys_id: sysId },
          UpdateExpression: "SET #on = :on, #by = :by ADD #mod :one",
          ConditionExpression: "attribute_exists(#sys_id)",
          ExpressionAttributeNames: {
            "#on": "sys_updated_on",
            "#by": "sys_updated_by",
            "#mod": MOD_COUNT,
            "#sys_id": "sys_id",
          },
          ExpressionAttributeValues: { ":on": glideDateTime(this.clock.nowMs()), ":by": by, ":one": 1 },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new RecordNotFoundError(`no ${table} record ${sysId}`);
      throw storeError("record write failed", error);
    }
  }

  /** Records whose internal index attribute equals `value`, newest (highest sys_id) first. */
  async *indexPages(index: { indexName: string; attribute: string }, value: string): AsyncGenerator<FieldValues[]> {
    for await (const items of queryPages(this.client, {
      TableName: this.tableName,
      IndexName: index.indexName,
      KeyConditionExpression: "#key = :value",
      ExpressionAttributeNames: { "#key": index.attribute },
      ExpressionAttributeValues: { ":value": value },
      ScanIndexForward: false,
    })) {
      yield items.map(toRecordView);
    }
  }

  async delete(table: string, sysId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [TABLE_ATTRIBUTE]: table, sys_id: sysId },
          ConditionExpression: "attribute_exists(#sys_id)",
          ExpressionAttributeNames: { "#sys_id": "sys_id" },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new RecordNotFoundError(`no ${table} record ${sysId}`);
      throw storeError("record delete failed", error);
    }
  }

  private async read(table: string, sysId: string): Promise<Record<string, unknown> | undefined> {
    if (!SYS_ID_PATTERN.test(sysId)) return undefined;
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [TABLE_ATTRIBUTE]: table, sys_id: sysId },
          ConsistentRead: true,
        }),
      );
      return Item;
    } catch (error) {
      throw storeError("record read failed", error);
    }
  }
}

/** A stored item as the API shows it; a dictionary table's (`className`) with the table it belongs to. */
function view(item: Record<string, unknown>, options: { className?: boolean }): FieldValues {
  return options.className ? withClassName(item) : toRecordView(item);
}

function withClassName(item: Record<string, unknown>): FieldValues {
  const view = toRecordView(item);
  return view["sys_class_name"] === undefined && typeof item[TABLE_ATTRIBUTE] === "string"
    ? { ...view, sys_class_name: item[TABLE_ATTRIBUTE] }
    : view;
}

/** System fields are this store's to set; a caller's values for them are dropped. */
function withoutSystemFields(fields: FieldValues): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name !== TABLE_ATTRIBUTE && !name.startsWith("sys_")) kept[name] = value;
  }
  return kept;
}

function assertFits(item: Record<string, unknown>): void {
  const bytes = itemSizeBytes(item);
  if (bytes > MAX_ITEM_BYTES) throw new RecordTooLargeError(`record of ${bytes} bytes`);
}

/** DynamoDB's own size check is the backstop for our estimate: still a too-large record, not an outage. */
function storeError(message: string, error: unknown): Error {
  if (error instanceof Error && error.name === "ValidationException" && /size/i.test(error.message)) {
    return new RecordTooLargeError(message, { cause: error });
  }
  return new StoreError(message, { cause: error });
}
