// `npm start`: runs the local stack until Ctrl-C, and says where everything is and what to run next.
import { parseArgs } from "node:util";
import { CORS_ORIGINS_ENV, parseCorsOrigins } from "../../functions/http/cors";
import { logger } from "../../functions/shared/logger";
import { startLocalStack } from "./local-stack";
import { LOCAL_STATE_FILE, readLocalState, removeLocalState, writeLocalState } from "./state";

// Node 20 runs the local stack as well as Node 22; the AWS SDK's notice about future versions is not news here.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

const fail = (message: string): never => {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
};

const port = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535)
    fail(`${name} must be a port number (0-65535), got ${raw}`);
  return value;
};

const { values } = parseArgs({ options: { data: { type: "string" } }, strict: true });
const dataDir = values.data ?? process.env["LOCAL_DATA_DIR"];
const stateFile = process.env["LOCAL_STATE_FILE"] ?? LOCAL_STATE_FILE;

const running = readLocalState(stateFile);
if (running)
  fail(`a local stack is already running (pid ${running.pid}) at ${running.apiUrl}; stop it with Ctrl-C first`);

const options = {
  apiPort: port("PORT", 3000),
  oidcPort: port("OIDC_PORT", 3001),
  dynamoPort: port("DYNAMO_PORT", 0),
  s3Port: port("S3_PORT", 0),
  authorizerCacheTtlSeconds: port("AUTHORIZER_CACHE_TTL_SECONDS", 0),
  logLevel: process.env["LOG_LEVEL"] ?? "INFO",
  corsOrigins: (() => {
    try {
      return parseCorsOrigins(process.env[CORS_ORIGINS_ENV]);
    } catch (error) {
      return fail((error as Error).message);
    }
  })(),
  logger,
  ...(dataDir && { dataDir }),
};

const stack = await startLocalStack(options).catch((error: NodeJS.ErrnoException) =>
  fail(
    error.code === "EADDRINUSE"
      ? `port ${(error as { port?: number }).port ?? ""} is in use; choose others with PORT=... OIDC_PORT=...`
      : `could not start: ${error.message}`,
  ),
);
writeLocalState(stack.state, stateFile);

const { apiUrl, metadataUrl, dynamoEndpoint, s3Endpoint } = stack.state;
process.stdout.write(
  `${[
    "",
    "Local stack running (Ctrl-C to stop)",
    `  API               ${apiUrl}`,
    `  OpenID provider   ${metadataUrl}`,
    `  DynamoDB          ${dynamoEndpoint} (${dataDir ? `data in ${dataDir}` : "in memory"})`,
    `  S3 (attachments)  ${s3Endpoint} (${dataDir ? `data in ${dataDir}` : "a temporary folder, removed on stop"})`,
    "  Demo users        alice (role itil), admin (role admin); the provider signs in any login",
    "",
    "Next, in another terminal:",
    "  TOKEN=$(npm run -s token -- alice)",
    `  curl -H "Accept: application/json" -H "Authorization: Bearer $TOKEN" ${apiUrl}api/x_oidc/auth/me`,
    "  TOKEN=$(npm run -s token -- alice)   # one token, one call: get a fresh one",
    `  curl -H "Accept: application/json" -H "Authorization: Bearer $TOKEN" ${apiUrl}api/now/table/incident/897b04f2dbd4a300a135364e9d961952`,
    "",
  ].join("\n")}\n`,
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  removeLocalState(stateFile);
  await stack.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
