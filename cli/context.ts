// What a command runs with: the io seams (streams, environment, fetcher, state file), the target, and lazy clients.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { UserProvisioner } from "../functions/authorizer/authenticate";
import { DEFAULT_FETCH_POLICY, PolicyJsonFetcher, type JsonFetcher } from "../functions/authorizer/http";
import { createDocumentClient } from "../functions/shared/dynamo";
import { ConfigTable } from "./config-table";
import { CliError } from "./errors";
import type { Output, TextSink } from "./output";
import { createDynamoClient, resolveTarget, type StackOutputsReader, type Target, type TargetFlags } from "./target";

export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative file arguments are resolved here (`npm run` changes the directory; the bin passes INIT_CWD). */
  readonly cwd?: string;
  /** Read for `-` (a token or JSON document on standard input). */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  /** Fetches provider documents instead of the network (tests serve fixture documents this way). */
  readonly fetcher?: JsonFetcher;
  /** The local stack's state file (default: the one `npm start` writes). */
  readonly localStateFile?: string;
  readonly stackOutputs?: StackOutputsReader;
  /** explain's provisioner; it must not write. Default: none. */
  readonly provisioner?: UserProvisioner;
}

export class CommandContext {
  private targetPromise: Promise<Target> | undefined;
  private clients: { client: DynamoDBClient; doc: DynamoDBDocumentClient } | undefined;

  constructor(
    readonly io: CliIo,
    readonly out: Output,
    private readonly targetFlags: TargetFlags,
  ) {}

  target(): Promise<Target> {
    this.targetPromise ??= resolveTarget(this.targetFlags, {
      env: this.io.env,
      localStateFile: this.io.localStateFile,
      stackOutputs: this.io.stackOutputs,
    });
    return this.targetPromise;
  }

  async dynamo(): Promise<{ client: DynamoDBClient; doc: DynamoDBDocumentClient }> {
    if (!this.clients) {
      const client = createDynamoClient(await this.target());
      this.clients = { client, doc: createDocumentClient(client) };
    }
    return this.clients;
  }

  async configTable(): Promise<ConfigTable> {
    const [{ doc }, target] = await Promise.all([this.dynamo(), this.target()]);
    return new ConfigTable(doc, target.tables.config);
  }

  /** The injected fetcher, or the authorizer's own (https only, loopback http where the target allows it). */
  async fetcher(): Promise<JsonFetcher> {
    if (this.io.fetcher) return this.io.fetcher;
    const { allowLoopbackHttp } = await this.target();
    return new PolicyJsonFetcher({ ...DEFAULT_FETCH_POLICY, allowLoopbackHttp });
  }

  resolvePath(path: string): string {
    return resolve(this.io.cwd ?? process.cwd(), path);
  }

  /** A file's text, or standard input for `-`. */
  async readText(path: string): Promise<string> {
    if (path === "-") {
      if (!this.io.stdin) throw new CliError("usage", "no standard input to read `-` from");
      let text = "";
      const decoder = new TextDecoder();
      for await (const chunk of this.io.stdin)
        text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      return text + decoder.decode();
    }
    try {
      return await readFile(this.resolvePath(path), "utf8");
    } catch (error) {
      throw new CliError("failed", `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        cause: error,
      });
    }
  }

  async readJson(path: string): Promise<unknown> {
    const text = await this.readText(path);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new CliError(
        "invalid",
        `${path === "-" ? "standard input" : path} is not JSON: ${(error as Error).message}`,
      );
    }
  }

  close(): void {
    this.clients?.client.destroy();
  }
}
