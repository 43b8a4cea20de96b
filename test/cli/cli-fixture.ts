// Runs the admin CLI in process against dynalite with fresh tables per test, capturing what it prints.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Json } from "aws-jwt-verify/safe-json-parse";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach } from "vitest";
import {
  DEFAULT_FETCH_POLICY,
  FetchFailedError,
  PolicyJsonFetcher,
  type JsonFetcher,
} from "../../functions/authorizer/http";
import { isLoopbackHost } from "../../functions/shared/loopback";
import type { TableName } from "../../functions/shared/tables";
import { createTables } from "../../infra/local/create-tables";
import { main, type CliIo } from "../../cli/main";
import { startDynamo, type TestDynamo } from "../kit/dynamo";

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

export const OKTA_DOCUMENTS = fileURLToPath(new URL("../fixtures/okta-2018/", import.meta.url));
export const readOktaFixture = (name: string): string => readFileSync(join(OKTA_DOCUMENTS, name), "utf8").trim();
export const OKTA_METADATA_URL = "https://dev-934121-admin.oktapreview.com/.well-known/openid-configuration";
/** The documents are served from the `-admin` host for this issuer: it must be pinned (OIDC Discovery 4.3). */
export const OKTA_ISSUER = "https://dev-934121.oktapreview.com";

/** The saved Okta documents at their real URLs, and nothing else (the tests are offline). */
export const oktaDocuments: JsonFetcher = {
  async fetchJson(url) {
    const discovery = JSON.parse(readOktaFixture("openid-configuration.json")) as Record<string, Json>;
    if (url === OKTA_METADATA_URL) return discovery;
    if (url === discovery["jwks_uri"]) return JSON.parse(readOktaFixture("jwks.json")) as Json;
    throw new FetchFailedError("fetch_failed", `unreachable: ${url}`);
  },
};

const loopbackFetcher = new PolicyJsonFetcher({ ...DEFAULT_FETCH_POLICY, allowLoopbackHttp: true });

/**
 * The fetcher of every run unless a test gives its own: the loopback test issuers are fetched for real, any
 * other host fails as an unreachable one does, so no test reaches the network (provider add fetches the
 * discovery document of whatever URL it is given). The harness's targets are local, so loopback http is
 * what the CLI's own fetcher would allow too.
 */
const offlineFetcher: JsonFetcher = {
  async fetchJson(url) {
    if (URL.canParse(url) && isLoopbackHost(new URL(url).hostname)) return loopbackFetcher.fetchJson(url);
    throw new FetchFailedError("fetch_failed", `offline test run: ${url} is not fetched`);
  },
};

export async function cliHarness(dynamo: TestDynamo): Promise<CliHarness> {
  prefixCounter += 1;
  const tables = await createTables(dynamo.client, `cli${prefixCounter}-`);
  const targetFlags = [
    "--endpoint",
    dynamo.endpoint,
    "--region",
    "local",
    "--config-table",
    tables.config,
    "--users-table",
    tables.users,
    "--jti-table",
    tables.jti,
    "--provider-state-table",
    tables.providerState,
  ];
  const runBare: CliHarness["runBare"] = async (args, io = {}) => {
    let stdout = "";
    let stderr = "";
    const { stdinText, ...rest } = io;
    const code = await main(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      fetcher: offlineFetcher,
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
