// Benchmark (not a test): a warm authorizer call (in-memory stores, the decision line and its EMF metrics
// as deployed, written to nowhere) against aws-jwt-verify's own verifySync on the same token, in CPU time;
// and proof that the replay write and the user lookup overlap. Run: npm run bench
import { Console } from "node:console";
import { Writable } from "node:stream";
import { Logger } from "@aws-lambda-powertools/logger";
import { JwtVerifier } from "aws-jwt-verify";
import { systemClock } from "../functions/shared/clock";
import { providerSchema } from "../functions/config/schema";
import { CachedConfig } from "../functions/config/store";
import { DynamoUserStore, toUserItem, type UserStore } from "../functions/users/store";
import { authorizeEvent } from "../functions/authorizer/authorize-event";
import type { AuthenticatorDeps, UserProvisioner } from "../functions/authorizer/authenticate";
import { DirectoryProvisioner } from "../functions/authorizer/provisioning";
import { UserDirectory } from "../functions/users/directory";
import type { Decision, DecisionSink } from "../functions/authorizer/decision-log";
import { DecisionLine } from "../functions/authorizer/decision-line";
import { createMetrics } from "../functions/shared/metrics";
import { DEFAULT_FETCH_POLICY, PolicyJsonFetcher } from "../functions/authorizer/http";
import { DEFAULT_PROVIDER_CACHE_OPTIONS } from "../functions/authorizer/provider";
import { ProviderRegistry } from "../functions/authorizer/provider-registry";
import { DynamoReplayStore, type ReplayStore } from "../functions/authorizer/replay-store";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { startTestIssuer } from "../test/kit/issuer";
import { startDynamo } from "../test/kit/dynamo";
import { BENCH_USER_EMAIL, boundBenchUser } from "./fixtures/bench-user";

const METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/GET/api/now/table/incident";
// Many short rounds, each measuring the baseline and every variant back to back in a rotating order:
// the machine's speed drifts (2 shared cores), and a ratio taken within one round cancels the drift.
const ROUNDS = 101;
const WARMUP_ROUNDS = 10;
const ITERATIONS = 200;
/** Issue 14's goal for a new token (one-time use on), as a multiple of verifySync in the same run. */
const NEW_TOKEN_GOAL = { RS256: 1.3, ES256: 1.15, EdDSA: 1.15 } as const;

// The real logger, writing its JSON lines to nowhere: serialization is measured, the terminal is not.
// The stream takes strings as they come, as stdout does when it is a pipe: the copy into a Buffer that a
// generic Writable makes per line is a cost of that stream, not of the line.
const logger = new Logger({ serviceName: "bench", logLevel: "INFO" });
const sink = new Writable({ decodeStrings: false, write: (_chunk, _encoding, done) => done() });
Object.assign(logger, { console: new Console({ stdout: sink, stderr: sink }) });
// The metrics print their EMF lines on stdout itself, which the timed loops silence (see `quietly`).
const metrics = createMetrics("bench");

/** Runs `work` with stdout silenced: the metrics' EMF lines are serialized and written, but go nowhere. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

/** The users table is only read: the bench's users are bound already and never change. */
const noProvisioning: UserProvisioner = {
  provision: async () => undefined,
  bind: async (_provider, user) => user,
  onLogin: async (_provider, user) => user,
};

function depsFor(
  metadataUrl: string,
  stores: { replayStore: ReplayStore; userStore: UserStore },
  options: { jti: boolean; verifiedTokens: number; decisions?: DecisionSink; provisioner?: UserProvisioner },
): AuthenticatorDeps {
  const provider = providerSchema.parse({
    name: "bench",
    metadataUrl,
    clientId: "client-1",
    enableJtiVerification: options.jti,
  });
  const config = new CachedConfig(
    { load: async () => ({ providers: [provider], properties: new Map(), acls: new Map(), tables: [] }) },
    systemClock,
    logger,
  );
  const policy = { allowLoopbackHttp: true };
  return {
    registry: new ProviderRegistry(
      config,
      new PolicyJsonFetcher({ ...DEFAULT_FETCH_POLICY, ...policy }),
      policy,
      systemClock,
      logger,
      { ...DEFAULT_PROVIDER_CACHE_OPTIONS, verifiedTokens: options.verifiedTokens },
    ),
    ...stores,
    provisioner: options.provisioner ?? noProvisioning,
    clock: systemClock,
    logger,
    // As deployed (create-authenticator.ts with the handler's logLevel): the decision line carrying its
    // EMF metrics, one JSON line, written to the same nowhere as the logger's other lines.
    decisions:
      options.decisions ??
      new DecisionLine({ metrics, logLevel: () => logger.level, write: (line) => void sink.write(line) }),
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/**
 * CPU time (user + system, µs) per call: on a machine shared with other work, time spent descheduled
 * would count in wall-clock time and blur every ratio. It includes V8's helper threads (GC), which are
 * part of a call's cost.
 */
async function timePerCall(fn: () => unknown | Promise<unknown>): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) await fn();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / ITERATIONS;
}

async function compareWithVerifySync(alg: keyof typeof NEW_TOKEN_GOAL): Promise<void> {
  const issuer = await startTestIssuer({ algs: [alg] });
  try {
    const token = await issuer.mint({
      email: BENCH_USER_EMAIL,
      email_verified: true,
      exp: Math.floor(Date.now() / 1000) + 3_600,
    });
    const bound = [boundBenchUser(issuer.issuer)];
    const memoryStores: { replayStore: ReplayStore; userStore: UserStore } = {
      replayStore: { consume: async () => undefined },
      userStore: { findBy: async () => [], findBound: async () => bound, findLinked: async () => undefined },
    };
    // The same token every call, as a client that reuses its ID token sends it; and the same with the
    // verified-token cache off and one-time use on, which is what every call costs when each token is new
    // (the in-memory replay store finds every jti new). That once more with a no-op decision sink: the
    // share of the decision line and its metrics in that figure.
    const cached = depsFor(issuer.metadataUrl, memoryStores, { jti: false, verifiedTokens: 1_000 });
    const uncached = depsFor(issuer.metadataUrl, memoryStores, { jti: true, verifiedTokens: 0 });
    const unlogged = depsFor(issuer.metadataUrl, memoryStores, {
      jti: true,
      verifiedTokens: 0,
      decisions: { record: () => undefined },
    });
    const event = { type: "TOKEN" as const, authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN };
    // Warm: discovery and keys fetched, key object cached.
    await quietly(async () => {
      for (const deps of [cached, uncached, unlogged]) await authorizeEvent(event, deps);
    });

    const verifier = JwtVerifier.create({ issuer: issuer.issuer, audience: "client-1", jwksUri: issuer.jwksUri });
    verifier.cacheJwks(issuer.publicJwks() as never);
    verifier.verifySync(token);

    const variants = {
      baseline: () => verifier.verifySync(token),
      cached: () => authorizeEvent(event, cached),
      uncached: () => authorizeEvent(event, uncached),
      unlogged: () => authorizeEvent(event, unlogged),
    };
    type Variant = keyof typeof variants;
    const names = Object.keys(variants) as Variant[];
    const micros: Record<Variant, number[]> = { baseline: [], cached: [], uncached: [], unlogged: [] };
    const ratios: Record<Variant, number[]> = { baseline: [], cached: [], uncached: [], unlogged: [] };
    // The first rounds only warm the JIT (without them the first algorithm measured looks slower).
    await quietly(async () => {
      for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
        const took = {} as Record<Variant, number>;
        const offset = ((round % names.length) + names.length) % names.length;
        for (let i = 0; i < names.length; i++) {
          const name = names[(i + offset) % names.length] as Variant;
          took[name] = await timePerCall(variants[name]);
        }
        if (round < 0) continue;
        for (const name of names) {
          micros[name].push(took[name]);
          ratios[name].push(took[name] / took.baseline);
        }
      }
    });
    const figure = (name: Variant) =>
      `${median(micros[name]).toFixed(1).padStart(6)} µs (${median(ratios[name]).toFixed(2)}x)`;
    console.log(
      `${alg.padEnd(6)} verifySync ${median(micros.baseline).toFixed(1).padStart(6)} µs | same token ${figure("cached")}` +
        ` | every token new ${figure("uncached")}, goal <= ${NEW_TOKEN_GOAL[alg].toFixed(2)}x` +
        ` | every token new, no decision line or metrics ${figure("unlogged")}`,
    );
  } finally {
    await issuer.close();
  }
}

/** Stores that wait `ms` before each DynamoDB call, as a network round trip would. */
function withLatency<T extends object>(store: T, ms: number): T {
  return new Proxy(store, {
    get: (target, key) => {
      const value = Reflect.get(target, key);
      return typeof value === "function"
        ? async (...args: unknown[]) => {
            await new Promise((resolve) => setTimeout(resolve, ms));
            return value.apply(target, args);
          }
        : value;
    },
  });
}

/** Median stores time and DynamoDB calls per warm request, with or without the one-time-use write. */
async function measureStores(
  jti: boolean,
  latencyMs: number,
): Promise<{ storesMs: number; calls: number; allowed: number }> {
  const [issuer, dynamo] = await Promise.all([startTestIssuer({ algs: ["RS256"] }), startDynamo()]);
  try {
    await dynamo.doc.send(
      new PutCommand({ TableName: dynamo.tables.users, Item: toUserItem(boundBenchUser(issuer.issuer)) }),
    );
    let ddbCalls = 0;
    dynamo.client.middlewareStack.add(
      (next) => (args) => {
        ddbCalls++;
        return next(args);
      },
      { step: "initialize" },
    );
    const stores = {
      replayStore: withLatency(new DynamoReplayStore(dynamo.doc, dynamo.tables.jti), latencyMs),
      userStore: withLatency(new DynamoUserStore(dynamo.doc, dynamo.tables.users), latencyMs),
    };
    const decisions: Decision[] = [];
    const deps = depsFor(issuer.metadataUrl, stores, {
      jti,
      verifiedTokens: 1_000,
      decisions: { record: (d) => decisions.push(d) },
      // As deployed: last_login_time is kept, at most one write per user per hour.
      provisioner: new DirectoryProvisioner(new UserDirectory(dynamo.doc, dynamo.tables.users, systemClock), logger),
    });
    const authorize = async (token: string) =>
      authorizeEvent({ type: "TOKEN", authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN }, deps);
    await authorize(await issuer.mint({ email: BENCH_USER_EMAIL, email_verified: true })); // warm: keys, config, last_login_time

    const tokens = await Promise.all(
      Array.from({ length: 20 }, () => issuer.mint({ email: BENCH_USER_EMAIL, email_verified: true })),
    );
    ddbCalls = 0;
    decisions.length = 0;
    for (const token of tokens) await authorize(token);
    return {
      storesMs: median(decisions.map((d) => d.storesMs ?? Number.NaN)),
      calls: ddbCalls / tokens.length,
      allowed: decisions.filter((d) => d.outcome === "allow").length,
    };
  } finally {
    await Promise.all([issuer.close(), dynamo.stop()]);
  }
}

async function overlap(): Promise<void> {
  const latencyMs = 25;
  const lookupOnly = await measureStores(false, latencyMs);
  const both = await measureStores(true, latencyMs);
  console.log(
    `stores, each DynamoDB call behind ${latencyMs} ms of simulated latency (dynalite behind it), median of 20 warm requests:\n` +
      `  user Query only (one-time use off):      ${lookupOnly.storesMs.toFixed(1)} ms, ${lookupOnly.calls} DynamoDB call(s)/request, ${lookupOnly.allowed}/20 allowed\n` +
      `  replay PutItem + user Query (one-time):  ${both.storesMs.toFixed(1)} ms, ${both.calls} DynamoDB call(s)/request, ${both.allowed}/20 allowed\n` +
      `  overlap: the second call adds ${(both.storesMs - lookupOnly.storesMs).toFixed(1)} ms (sequential would add about ${latencyMs} ms)`,
  );
}

console.log(`node ${process.version}, ${ROUNDS} rounds x ${ITERATIONS} calls, median CPU time per call`);
for (const alg of ["RS256", "ES256", "EdDSA"] as const) await compareWithVerifySync(alg);
await overlap();
