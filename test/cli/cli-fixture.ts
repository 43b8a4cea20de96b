// Runs the admin CLI in process against dynalite with fresh tables per test, capturing what it prints.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { TableName } from "../../functions/shared/tables";
import { createTables } from "../../infra/local/create-tables";
import { main, type CliIo } from "../../cli/main";
import { startDynamo, type TestDynamo } from "../helpers/dynamo";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as the one JSON document --json prints. */
  json<T = Record<string, unknown>>(): T;
}

export interface CliHarness {
  readonly dynamo: TestDynamo;
  readonly tables: Record<TableName, string>;
  /** The harness as a TestDynamo whose tables are this harness's (for putUser and friends). */
  readonly testDynamo: TestDynamo;
  /** Runs with the target flags of this harness's tables appended. */
  run(args: readonly string[], io?: Partial<CliIo> & { stdinText?: string }): Promise<CliRun>;
  /** Runs exactly the given arguments (no target flags). */
  runBare(args: readonly string[], io?: Partial<CliIo> & { stdinText?: string }): Promise<CliRun>;
  /** Every item of one table, sorted by key, to assert on what was (not) written. */
  items(table: TableName): Promise<Record<string, unknown>[]>;
}

let prefixCounter = 0;

export async function cliHarness(dynamo: TestDynamo): Promise<CliHarness> {
  prefixCounter += 1;
  const tables = await createTables(dynamo.client, `cli${prefixCounter}-`);
  const targetFlags = [
    "--endpoint", dynamo.endpoint,
    "--region", "local",
    "--config-table", tables.config,
    "--users-table", tables.users,
    "--jti-table", tables.jti,
  ];
  const runBare: CliHarness["runBare"] = async (args, io = {}) => {
    let stdout = "";
    let stderr = "";
    const { stdinText, ...rest } = io;
    const code = await main(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      ...(stdinText !== undefined && { stdin: Readable.from([stdinText]) }),
      ...rest,
    });
    return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
  };
  return {
    dynamo,
    tables,
    testDynamo: { ...dynamo, tables },
    runBare,
    run: (args, io) => runBare([...args, ...targetFlags], io),
    async items(table) {
      const { Items = [] } = await dynamo.doc.send(new ScanCommand({ TableName: tables[table], ConsistentRead: true }));
      const key = (item: Record<string, unknown>): string => String(item["pk"] ?? item["sys_id"]);
      return Items.sort((a, b) => (key(a) < key(b) ? -1 : 1));
    },
  };
}

/**
 * For a test file: one dynalite for the file, fresh tables for each test. The harness returned always
 * stands for the current test's tables.
 */
export function useCliHarness(): CliHarness {
  let dynamo: TestDynamo | undefined;
  let harness: CliHarness | undefined;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(() => dynamo?.stop());
  beforeEach(async () => {
    harness = await cliHarness(dynamo as TestDynamo);
  });
  const current = (): CliHarness => {
    if (!harness) throw new Error("useCliHarness: only inside a test");
    return harness;
  };
  return {
    get dynamo() {
      return current().dynamo;
    },
    get tables() {
      return current().tables;
    },
    get testDynamo() {
      return current().testDynamo;
    },
    run: (args, io) => current().run(args, io),
    runBare: (args, io) => current().runBare(args, io),
    items: (table) => current().items(table),
  };
}

/** A file in a fresh temporary directory; an object is written as JSON. */
export function writeTemp(name: string, content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), "oidc-admin-")), name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}
