// Creates the tables of functions/shared/tables.ts in a DynamoDB-compatible server (dynalite locally).
import { CreateTableCommand, type DynamoDBClient, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { TABLES, type TableDefinition, type TableName } from "../../functions/shared/tables";

export function createTableInput(tableName: string, definition: TableDefinition): CreateTableCommandInput {
  const keys = [definition.partitionKey, definition.sortKey, ...definition.indexes.flatMap((i) => [i.partitionKey, i.sortKey])]
    .filter((key) => key !== undefined);
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
