// The Table API wired to dynalite, with helpers to put ACLs and seed records fast.
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { aclKey, aclSchema, type AclInput } from "../../functions/config/schema";
import { glideDateTime } from "../../functions/shared/glide-time";
import { createTableApi, type TableApiHandler } from "../../functions/table-api/create-table-api";
import { capturingLogger } from "../kit/authorizer-fixture";
import type { TestDynamo } from "../kit/dynamo";
import { noAttachmentBucket } from "../kit/s3";
import { apiEvent, newSysId, parseReply, type EventInput, type Reply } from "./api-event";
import { manualClock, type ManualClock } from "../kit/clock";

export type TestClock = ManualClock;

/** The Table API tests' clock: a fixed morning, so stamps in expectations are literal. */
export const testClock = (t = Date.UTC(2024, 4, 1, 9, 30, 0)): TestClock => manualClock(t);

export interface TableApiFixture {
  readonly handler: TableApiHandler;
  readonly clock: TestClock;
  readonly logger: ReturnType<typeof capturingLogger>;
  call(input: EventInput): Promise<Reply>;
}

export function createTableApiFixture(
  dynamo: TestDynamo,
  clock = testClock(),
  attachments = noAttachmentBucket(),
): TableApiFixture {
  const logger = capturingLogger();
  // ACLs are read fresh on every request, so a test's putAcl applies at once.
  const handler = createTableApi({
    client: dynamo.doc,
    tables: dynamo.tables,
    logger,
    clock,
    configTtlMs: 0,
    attachments,
  });
  return {
    handler,
    clock,
    logger,
    call: async (input) => {
      const { event, backend } = apiEvent(input);
      if (backend !== "tableApi") throw new Error(`${input.method} ${input.path} routes to ${backend}`);
      return parseReply(await handler(event));
    },
  };
}

export async function putAcl(dynamo: TestDynamo, acl: AclInput): Promise<void> {
  await dynamo.doc.send(
    new PutCommand({ TableName: dynamo.tables.config, Item: { pk: aclKey(acl.table), ...aclSchema.parse(acl) } }),
  );
}

/** Runs `act` with `acl` in force, then puts back the ACL item the table had before (or none), whatever happens. */
export async function withAcl<T>(dynamo: TestDynamo, acl: AclInput, act: () => Promise<T>): Promise<T> {
  const TableName = dynamo.tables.config;
  const Key = { pk: aclKey(acl.table) };
  const { Item: previous } = await dynamo.doc.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
  await putAcl(dynamo, acl);
  try {
    return await act();
  } finally {
    if (previous) await dynamo.doc.send(new PutCommand({ TableName, Item: previous }));
    else await dynamo.doc.send(new DeleteCommand({ TableName, Key }));
  }
}

/** Writes records straight into the records table, 25 per BatchWriteItem; returns them with their sys_ids. */
export async function seedRecords(
  dynamo: TestDynamo,
  table: string,
  records: readonly Record<string, string>[],
  createdAtMs = Date.UTC(2024, 0, 1),
): Promise<Record<string, string>[]> {
  const items = records.map((fields, index) => {
    const stamp = glideDateTime(createdAtMs + index * 1000);
    return {
      sys_id: newSysId(),
      sys_created_on: stamp,
      sys_created_by: "seed",
      sys_updated_on: stamp,
      sys_updated_by: "seed",
      ...fields,
      table,
      sys_mod_count: 0,
    };
  });
  for (let start = 0; start < items.length; start += 25) {
    const chunk = items.slice(start, start + 25);
    let pending: Record<string, unknown>[] = chunk.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const result = await dynamo.doc.send(
        new BatchWriteCommand({ RequestItems: { [dynamo.tables.records]: pending } }),
      );
      pending = (result.UnprocessedItems?.[dynamo.tables.records] ?? []) as Record<string, unknown>[];
    }
  }
  return items.map(({ table: _table, sys_mod_count, ...rest }) => ({ ...rest, sys_mod_count: String(sys_mod_count) }));
}
