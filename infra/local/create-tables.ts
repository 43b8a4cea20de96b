// Creates the tables of functions/shared/tables.ts in a DynamoDB-compatible server (dynalite locally).
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ListTablesCommand,
  ScanCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { TABLES, type TableDefinition, type TableName } from "../../functions/shared/tables";

export function createTableInput(tableName: string, definition: TableDefinition): CreateTableCommandInput {
  const keys = [
    definition.partitionKey,
    definition.sortKey,
    ...definition.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ].filter((key) => key !== undefined);
  const attributes = new Map(keys.map((key) => [key.name, key.type]));
  const keySchema = (partition: { name: string }, sort?: { name: string }) => [
    { AttributeName: partition.name, KeyType: "HASH" as const },
    ...(sort ? [{ AttributeName: sort.name, KeyType: "RANGE" as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    ...(definition.indexes.length > 0 && {
      GlobalSecondaryIndexes: definition.indexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: keySchema(index.partitionKey, index.sortKey),
        Projection: { ProjectionType: "ALL" },
      })),
    }),
  };
}

/** Creates every table, named `${prefix}${table}`; returns the physical names. */
export async function createTables(client: DynamoDBClient, prefix: string): Promise<Record<TableName, string>> {
  const names = {} as Record<TableName, string>;
  for (const [table, definition] of Object.entries(TABLES) as [TableName, TableDefinition][]) {
    names[table] = `${prefix}${table}`;
    await client.send(new CreateTableCommand(createTableInput(names[table], definition)));
  }
  return names;
}

/**
 * Makes every table exist with the indexes of its definition. A table kept on disk by an earlier version
 * (`npm start -- --data`) that lacks an index is rebuilt with its items: dynalite cannot add an index
 * to a table (UpdateTable takes no index creation there), and data a user chose to keep is not dropped.
 */
export async function ensureTables(
  client: DynamoDBClient,
  prefix: string,
  onRebuilt: (table: string, items: number) => void = () => undefined,
): Promise<Record<TableName, string>> {
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  const names = {} as Record<TableName, string>;
  for (const [table, definition] of Object.entries(TABLES) as [TableName, TableDefinition][]) {
    const name = `${prefix}${table}`;
    names[table] = name;
    if (!existing.has(name)) {
      await client.send(new CreateTableCommand(createTableInput(name, definition)));
      continue;
    }
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    if (definition.indexes.every((index) => present.has(index.indexName))) continue;
    onRebuilt(name, await rebuild(client, name, definition));
  }
  return names;
}

async function rebuild(client: DynamoDBClient, name: string, definition: TableDefinition): Promise<number> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: name, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  await client.send(new DeleteTableCommand({ TableName: name }));
  await client.send(new CreateTableCommand(createTableInput(name, definition)));
  for (let start = 0; start < items.length; start += 25) {
    let pending = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: { [name]: pending } }));
      pending = (UnprocessedItems?.[name] ?? []) as typeof pending;
    }
  }
  return items.length;
}
