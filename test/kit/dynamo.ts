// A real DynamoDB-compatible server (dynalite, in memory) on loopback, with the stack's tables.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import dynalite from "dynalite";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../../functions/shared/dynamo";
import type { TableName } from "../../functions/shared/tables";
import { createTables } from "../../infra/local/create-tables";

export interface TestDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly tables: Record<TableName, string>;
  stop(): Promise<void>;
}

let counter = 0;

/** A DynamoDB client for a local endpoint, one attempt per call (a failure shows at once). */
export const localDynamoClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });

export async function startDynamo(): Promise<TestDynamo> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // The clients keep their sockets alive and try each call once: a server closing an idle socket (Node's
  // 5 s default) just as a client reuses it would fail that call with ECONNRESET, on a loaded machine
  // now and then. Sockets stay open until stop() closes them.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  counter += 1;
  const tables = await createTables(client, `t${counter}-`);
  return {
    endpoint,
    client,
    doc: createDocumentClient(client),
    tables,
    stop: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
