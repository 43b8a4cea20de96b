// The local stack's tables: a table kept on disk by an earlier version gets the indexes this version adds, items and all.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../../../functions/shared/dynamo";
import { TABLES, USER_IDENTITY_INDEX } from "../../../functions/shared/tables";
import { identityKey, toUserItem } from "../../../functions/users/store";
import { createTableInput, ensureTables } from "../../../infra/local/create-tables";

let server: Server;
let client: DynamoDBClient;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});
afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it("rebuilds a users table that lacks the identity index, keeping every item", async () => {
  const old = {
    ...TABLES.users,
    indexes: TABLES.users.indexes.filter((i) => i.indexName !== USER_IDENTITY_INDEX.indexName),
  };
  await client.send(new CreateTableCommand(createTableInput("old-users", old)));
  const doc = createDocumentClient(client);
  const bound = {
    sys_id: "b".repeat(32),
    user_name: "bound",
    active: true,
    locked_out: false,
    roles: [],
    oidc_issuer: "https://idp.example",
    oidc_subject: "s-1",
  };
  for (let i = 0; i < 30; i++) {
    await doc.send(
      new PutCommand({
        TableName: "old-users",
        Item: { ...toUserItem({ ...bound, sys_id: i.toString(16).padStart(32, "0"), user_name: `u${i}` }) },
      }),
    );
  }
  const rebuilt: [string, number][] = [];

  const names = await ensureTables(client, "old-", (table, items) => rebuilt.push([table, items]));

  expect(names.users).toBe("old-users");
  expect(rebuilt).toEqual([["old-users", 30]]);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: "old-users" }));
  expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toContain(USER_IDENTITY_INDEX.indexName);
  const { Items = [] } = await doc.send(
    new QueryCommand({
      TableName: "old-users",
      IndexName: USER_IDENTITY_INDEX.indexName,
      KeyConditionExpression: "#i = :i",
      ExpressionAttributeNames: { "#i": USER_IDENTITY_INDEX.attribute },
      ExpressionAttributeValues: { ":i": identityKey({ issuer: "https://idp.example", subject: "s-1" }) },
    }),
  );
  expect(Items).toHaveLength(30);

  // A second start changes nothing.
  await ensureTables(client, "old-", (table, items) => rebuilt.push([table, items]));
  expect(rebuilt).toHaveLength(1);
});
