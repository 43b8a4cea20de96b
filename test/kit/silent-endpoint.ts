// Endpoints for deadline tests, on loopback: one that accepts connections and never answers (a store that
// hangs rather than refuses), and a TCP proxy to a real server that can be frozen into one.
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type CallDeadline, createDocumentClient, createDynamoClient } from "../../functions/shared/dynamo";

export interface SilentEndpoint {
  readonly endpoint: string;
  /** Connections accepted so far. */
  readonly connections: () => number;
  stop(): Promise<void>;
}

async function listen(server: Server, sockets: Set<Socket>): Promise<{ endpoint: string; stop(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Accepts every connection, reads what is sent, and never writes a byte. */
export async function startSilentEndpoint(): Promise<SilentEndpoint> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  const { endpoint, stop } = await listen(server, sockets);
  return { endpoint, connections: () => accepted, stop };
}

interface FreezableProxy {
  readonly endpoint: string;
  /** From now on, bytes in either direction are swallowed: the target looks alive and never answers. */
  freeze(): void;
  stop(): Promise<void>;
}

/** Forwards TCP to `target` (http://host:port) until frozen. */
export async function startFreezableProxy(target: string): Promise<FreezableProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let frozen = false;
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("data", (chunk) => frozen || upstream.write(chunk));
    upstream.on("data", (chunk) => frozen || client.write(chunk));
    upstream.on("close", () => frozen || client.destroy());
    client.on("close", () => upstream.destroy());
  });
  const { endpoint, stop } = await listen(server, sockets);
  return {
    endpoint,
    freeze: () => {
      frozen = true;
    },
    stop,
  };
}

/** A document client for `endpoint` with the production deadline given. */
export function deadlineClient(endpoint: string, deadline: CallDeadline): DynamoDBDocumentClient {
  const client: DynamoDBClient = createDynamoClient(deadline, {
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return createDocumentClient(client);
}
