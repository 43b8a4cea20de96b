// The whole system on one machine: dynalite with the stack's tables, the local OpenID provider, demo
// data, and the local gateway running the real handlers. Loopback only.
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import dynalite from "dynalite";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { systemClock } from "../../functions/shared/clock";
import { providerKey, providerSchema, type ProviderInput } from "../../functions/config/schema";
import { createDocumentClient } from "../../functions/shared/dynamo";
import type { AppLogger } from "../../functions/shared/logger";
import { CORS_ORIGINS_ENV } from "../../functions/http/cors";
import {
  AUTHORIZER,
  AUTHORIZER_TOKEN_PATTERN,
  BACKENDS,
  ROUTES,
  THROTTLING,
  type BackendName,
  type FunctionDefinition,
} from "../../functions/http/routes";
import { UserDirectory } from "../../functions/users/directory";
import { UserConflictError } from "../../functions/users/errors";
import { BUCKETS } from "../../functions/shared/s3";
import { TABLES, type TableName } from "../../functions/shared/tables";
import { ensureTables } from "./create-tables";
import { seedDemo } from "./demo-records";
import { createGateway, type AuthorizerHandler, type BackendHandler } from "./gateway";
import { LOCAL_CLIENT_ID } from "./local-client";
import { startLocalOpenIdProvider } from "./openid-provider";
import { S3RVER_CREDENTIALS, startLocalS3 } from "./s3-server";
import type { LocalState } from "./state";

interface LocalStackOptions {
  readonly apiPort: number;
  readonly oidcPort: number;
  readonly dynamoPort: number;
  readonly s3Port: number;
  /** Keep DynamoDB data, attachments and the provider's keys here; in memory (a temporary folder) when absent. */
  readonly dataDir?: string;
  readonly authorizerCacheTtlSeconds: number;
  readonly logLevel: string;
  readonly logger: AppLogger;
  /** Allowed CORS origins, as the stack's corsAllowOrigins (none: off). */
  readonly corsOrigins?: readonly string[];
}

interface LocalStack {
  readonly state: LocalState;
  close(): Promise<void>;
}

const REGION = "local";
const TABLE_PREFIX = "local-";
const ATTACHMENTS_BUCKET = "local-attachments";

/** The bundled provider, pointing at the local OpenID provider; one token, one call. */
const localProvider = (metadataUrl: string): ProviderInput => ({
  name: "local",
  metadataUrl,
  clientId: LOCAL_CLIENT_ID,
  userClaim: "email",
  userField: "email",
  enableJtiVerification: true,
});

const DEMO_USERS = [
  { user_name: "alice", email: "alice@example.com", first_name: "Alice", last_name: "Example", roles: ["itil"] },
  { user_name: "admin", email: "admin@example.com", first_name: "Admin", last_name: "Example", roles: ["admin"] },
] as const;

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolvePort, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolvePort((server.address() as AddressInfo).port));
  });

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolveClose) => {
    server.closeAllConnections();
    server.close(() => resolveClose());
  });

async function seed(
  doc: DynamoDBDocumentClient,
  tables: Record<TableName, string>,
  metadataUrl: string,
): Promise<void> {
  const provider = providerSchema.parse(localProvider(metadataUrl));
  await doc.send(new PutCommand({ TableName: tables.config, Item: { pk: providerKey(provider.name), ...provider } }));
  const directory = new UserDirectory(doc, tables.users, systemClock);
  for (const user of DEMO_USERS) {
    try {
      await directory.create({ ...user, roles: [...user.roles] }, { by: "system" });
    } catch (error) {
      if (!(error instanceof UserConflictError)) throw error; // already there from an earlier run
    }
  }
  await seedDemo(doc, tables, systemClock);
}

async function importHandler<T>(entry: string): Promise<T> {
  const module = (await import(pathToFileURL(resolve(entry)).href)) as { handler: T };
  return module.handler;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    const dynamo: Server = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(options.dataDir && { path: join(options.dataDir, "dynamodb") }),
    });
    const dynamoPort = await listen(dynamo, options.dynamoPort);
    closers.push(() => closeServer(dynamo));
    const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;

    const client = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: REGION,
      credentials: S3RVER_CREDENTIALS,
    });
    closers.push(async () => client.destroy());
    const tables = await ensureTables(client, TABLE_PREFIX, (table, items) =>
      options.logger.info(`table ${table} rebuilt with its ${items} items, for an index this version adds`),
    );

    const s3 = await startLocalS3({
      port: options.s3Port,
      bucket: ATTACHMENTS_BUCKET,
      ...(options.dataDir && { directory: join(options.dataDir, "s3") }),
    });
    closers.push(() => s3.close());

    const openId = await startLocalOpenIdProvider({
      port: options.oidcPort,
      ...(options.dataDir && { keysFile: join(options.dataDir, "oidc-keys.json") }),
    });
    closers.push(() => openId.close());
    await seed(createDocumentClient(client), tables, openId.metadataUrl);

    // The handlers learn everything from the environment, exactly as in Lambda. dynalite takes any
    // credentials, s3rver only its own key pair, so both get that one.
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      [BUCKETS.attachments.envVar]: ATTACHMENTS_BUCKET,
      OIDC_ALLOW_LOOPBACK_HTTP: "true",
      POWERTOOLS_SERVICE_NAME: "oidc-auth-local",
      POWERTOOLS_LOG_LEVEL: options.logLevel,
      // As Lambda sets it: Powertools counts a cold start only in an on-demand container.
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      [CORS_ORIGINS_ENV]: (options.corsOrigins ?? []).join(","),
      ...Object.fromEntries((Object.keys(TABLES) as TableName[]).map((name) => [TABLES[name].envVar, tables[name]])),
      ...AUTHORIZER.environment,
      ...Object.assign({}, ...Object.values(BACKENDS).map((definition: FunctionDefinition) => definition.environment)),
    });
    const authorizer = await importHandler<AuthorizerHandler>(AUTHORIZER.entry);
    const backends = {} as Record<BackendName, BackendHandler>;
    for (const [name, definition] of Object.entries(BACKENDS) as [BackendName, (typeof BACKENDS)[BackendName]][]) {
      backends[name] = await importHandler<BackendHandler>(definition.entry);
    }

    const api = createServer(
      createGateway({
        routes: ROUTES,
        authorizer,
        backends,
        authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds,
        logger: options.logger,
        corsOrigins: options.corsOrigins ?? [],
        tokenPattern: AUTHORIZER_TOKEN_PATTERN,
        throttling: THROTTLING,
      }),
    );
    const apiPort = await listen(api, options.apiPort);
    closers.push(() => closeServer(api));

    return {
      state: {
        pid: process.pid,
        apiUrl: `http://127.0.0.1:${apiPort}/`,
        issuer: openId.issuer,
        metadataUrl: openId.metadataUrl,
        dynamoEndpoint,
        s3Endpoint: s3.endpoint,
        attachmentsBucket: ATTACHMENTS_BUCKET,
        region: REGION,
        tables,
        startedAt: new Date().toISOString(),
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
