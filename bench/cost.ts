// Benchmark (not a test): what a million authorizer calls cost on Lambda arm64 at 128, 256 and 512 MB,
// from the CPU time of a warm call measured here. Run: npm run bench (or npx tsx scripts/run-bundled.ts bench/cost.ts)
//
// The call is the handler's: createAuthenticatorDeps as deployed (Powertools logger, the decision line with its metrics, the
// real replay and user stores on the AWS SDK), a new token every call (one-time use on, no verified-token
// cache), RS256 (what Okta, Entra ID, Google, Auth0 and Keycloak sign with by default). DynamoDB answers
// at once from an in-process request handler, so the SDK's own work (marshalling, SigV4, parsing) is
// measured but no network; the round trip is added as an assumption (DYNAMODB_ROUND_TRIP_MS).
import { Readable } from "node:stream";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createAuthenticatorDeps } from "../functions/authorizer/create-authenticator";
import { authorizeEvent } from "../functions/authorizer/authorize-event";
import { DEFAULT_PROVIDER_CACHE_OPTIONS } from "../functions/authorizer/provider";
import { providerSchema } from "../functions/config/schema";
import { createDocumentClient } from "../functions/shared/dynamo";
import { glideDateTime } from "../functions/shared/glide-time";
import { createMetrics } from "../functions/shared/metrics";
import { toUserItem, type UserRecord } from "../functions/users/store";
import { startTestIssuer } from "../test/kit/issuer";
import { boundBenchUser } from "./fixtures/bench-user";

/**
 * AWS Lambda pricing, arm64, us-east-1 (https://aws.amazon.com/lambda/pricing/, as published in 2026-12;
 * prices change: check the page). Duration is billed per GB-second in 1 ms increments.
 */
const PRICE = { perGbSecond: 0.0000133334, perMillionRequests: 0.2 } as const;
/** Lambda allots CPU in proportion to memory: one full vCPU at 1769 MB (AWS Lambda documentation). */
const MB_PER_VCPU = 1769;
/** Assumed: one DynamoDB round trip in the same region (the replay write and user lookup overlap). */
const DYNAMODB_ROUND_TRIP_MS = Number(process.env["DYNAMODB_ROUND_TRIP_MS"] ?? 5);
const MEMORY_SIZES_MB = [128, 256, 512] as const;
const ROUNDS = 15;
const ITERATIONS = 500;

/** Estimated wall time of one call: its CPU time slowed by the memory's share of a vCPU, plus the I/O wait. */
const estimatedDurationMs = (cpuMs: number, memoryMb: number, ioMs: number): number =>
  cpuMs / Math.min(1, memoryMb / MB_PER_VCPU) + ioMs;

/** Dollars per million calls: billed duration (rounded up to 1 ms) x GB-seconds price, plus the request price. */
function costPerMillion(durationMs: number, memoryMb: number): { billedMs: number; dollars: number } {
  const billedMs = Math.ceil(durationMs);
  const gbSeconds = (billedMs / 1000) * (memoryMb / 1024);
  return { billedMs, dollars: 1_000_000 * gbSeconds * PRICE.perGbSecond + PRICE.perMillionRequests };
}

/** DynamoDB's JSON for a plain item (strings, numbers, booleans, lists). */
function attributeValue(value: unknown): Record<string, unknown> {
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(attributeValue) };
  if (typeof value === "object" && value !== null) {
    return { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, attributeValue(v)])) };
  }
  return { NULL: true };
}

/** A DynamoDB endpoint in the process: PutItem and UpdateItem succeed, every Query finds `user`. */
function instantDynamo(user: UserRecord): DynamoDBClient {
  const item = attributeValue(toUserItem(user)).M;
  return new DynamoDBClient({
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        const operation = request.headers["x-amz-target"]?.split(".")[1];
        const body = operation === "Query" ? { Items: [item], Count: 1, ScannedCount: 1 } : {};
        return {
          response: {
            statusCode: 200,
            headers: { "content-type": "application/x-amz-json-1.0" },
            body: Readable.from([Buffer.from(JSON.stringify(body))]),
          },
        };
      },
    } as never,
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function measureCpuMsPerCall(): Promise<number> {
  const issuer = await startTestIssuer({ algs: ["RS256"] });
  try {
    const user: UserRecord = {
      ...boundBenchUser(issuer.issuer),
      // Signed in just now: no last_login_time write per call (at most one per user per hour).
      last_login_time: glideDateTime(Date.now()),
    };
    const provider = providerSchema.parse({
      name: "bench",
      metadataUrl: issuer.metadataUrl,
      clientId: "client-1",
      enableJtiVerification: true,
    });
    const logger = new Logger({ serviceName: "bench", logLevel: "INFO" });
    const deps = createAuthenticatorDeps({
      client: createDocumentClient(instantDynamo(user)),
      tables: { config: "config", users: "users", jti: "jti" },
      logger,
      logLevel: () => logger.level,
      metrics: createMetrics("bench"),
      fetchPolicy: { allowLoopbackHttp: true },
      configSource: {
        load: async () => ({ providers: [provider], properties: new Map(), acls: new Map(), tables: [] }),
      },
      // Every token new: each call verifies the signature and writes its jti.
      providerCache: { ...DEFAULT_PROVIDER_CACHE_OPTIONS, verifiedTokens: 0 },
    });
    const token = await issuer.mint({ email: user.email, exp: Math.floor(Date.now() / 1000) + 3_600 });
    const event = {
      type: "TOKEN" as const,
      authorizationToken: `Bearer ${token}`,
      methodArn: "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/GET/api/now/table/incident",
    };
    // The log and metric lines are serialized and written, to nowhere: the terminal is not measured.
    const write = process.stdout.write;
    const samples: number[] = [];
    try {
      process.stdout.write = () => true;
      for (let round = -2; round < ROUNDS; round++) {
        const started = process.cpuUsage();
        for (let i = 0; i < ITERATIONS; i++) {
          const result = await authorizeEvent(event, deps);
          if (result.principalId !== user.sys_id) throw new Error("the bench call was not allowed");
        }
        const used = process.cpuUsage(started);
        if (round >= 0) samples.push((used.user + used.system) / ITERATIONS / 1000);
      }
    } finally {
      process.stdout.write = write;
    }
    return median(samples);
  } finally {
    await issuer.close();
  }
}

const cpuMs = await measureCpuMsPerCall();
console.log(
  `Cost per million authorizer calls, arm64 us-east-1 ($${PRICE.perGbSecond}/GB-s, $${PRICE.perMillionRequests}/1M requests):\n` +
    `  CPU per warm call here (RS256, every token new, SDK included, no network): ${(cpuMs * 1000).toFixed(0)} µs;` +
    ` assumed DynamoDB round trip ${DYNAMODB_ROUND_TRIP_MS} ms\n` +
    `  duration = CPU / min(1, memory / ${MB_PER_VCPU} MB) + round trip; billed = duration rounded up to 1 ms`,
);
for (const memoryMb of MEMORY_SIZES_MB) {
  const durationMs = estimatedDurationMs(cpuMs, memoryMb, DYNAMODB_ROUND_TRIP_MS);
  const { billedMs, dollars } = costPerMillion(durationMs, memoryMb);
  console.log(
    `  ${String(memoryMb).padStart(4)} MB: ${durationMs.toFixed(2).padStart(6)} ms, billed ${billedMs} ms, $${dollars.toFixed(2)} per million`,
  );
}
