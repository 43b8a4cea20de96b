// One-time use of tokens (the seed's "Enable JTI claim verification") against dynalite's conditional writes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import {
  createAuthorizerFixture,
  expectAllowedAs,
  putProvider,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import { DynamoReplayStore } from "../../functions/authorizer/replay-store";
import { DynamoUserStore, type UserRecord, type UserStore } from "../../functions/users/store";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createDocumentClient } from "../../functions/shared/dynamo";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
let alice: UserRecord;
const claims = { email: "alice@example.com" };
const nowSec = (): number => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer()]);
  await putProvider(dynamo, {
    name: "local",
    metadataUrl: issuer.metadataUrl,
    clientId: "client-1",
    enableJtiVerification: true,
  });
  alice = await putUser(dynamo, { user_name: "alice", email: "alice@example.com" });
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), issuer?.close()]);
});

beforeEach(() => {
  fixture = createAuthorizerFixture(dynamo);
});

describe("with JTI verification on", () => {
  it("allows a token once and denies its second use", async () => {
    const token = await issuer.mint(claims);

    await expectAllowedAs(fixture, token, alice);
    await expect(fixture.authorize(token)).rejects.toThrow(/^Unauthorized$/);
    expect(fixture.lastDecision()).toMatchObject({ reason: "jti_replayed", internal: false });
  });

  it("still allows another token of the same user", async () => {
    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
    await expectAllowedAs(fixture, await issuer.mint(claims), alice);
  });

  it("gives exactly one Allow to 50 concurrent uses of one token", async () => {
    const token = await issuer.mint(claims);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => fixture.authorize(token)));
    const allowed = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.principalId] : []));
    expect(allowed).toEqual([alice.sys_id]);
    expect(fixture.decisions.filter((d) => d.reason === "jti_replayed")).toHaveLength(49);
  });

  it("keys the marker by issuer + jti and expires it at exp + clock skew (the TTL attribute)", async () => {
    const exp = nowSec() + 200;
    const token = await issuer.mint({ ...claims, jti: "jti-ttl-check", exp });
    await expectAllowedAs(fixture, token, alice);

    const { Item } = await dynamo.doc.send(
      new GetCommand({ TableName: dynamo.tables.jti, Key: { pk: `${issuer.issuer}#jti#jti-ttl-check` } }),
    );
    expect(Item).toEqual({ pk: `${issuer.issuer}#jti#jti-ttl-check`, expiresAt: exp + 60 });
  });

  it("treats a marker whose expiry has passed as absent (TTL deletes lazily; the condition decides)", async () => {
    const token = await issuer.mint({ ...claims, jti: "jti-stale-marker" });
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.jti,
        Item: { pk: `${issuer.issuer}#jti#jti-stale-marker`, expiresAt: nowSec() - 1 },
      }),
    );
    await expectAllowedAs(fixture, token, alice);
  });

  it("makes a token without jti one-time too, keyed by its signing input", async () => {
    const token = await issuer.mint({ ...claims, jti: undefined });
    await expectAllowedAs(fixture, token, alice);
    await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");
    expect(fixture.lastDecision().reason).toBe("jti_replayed");
  });

  it("does not let the same jti from another issuer collide", async () => {
    const other = await startTestIssuer({ clientId: "client-2" });
    try {
      await putProvider(dynamo, {
        name: "other",
        metadataUrl: other.metadataUrl,
        clientId: "client-2",
        enableJtiVerification: true,
      });
      // Another issuer's person is another user (alice is bound to the first issuer's identity).
      const olive = await putUser(dynamo, { user_name: "olive", email: "olive@example.com" });
      await expectAllowedAs(fixture, await issuer.mint({ ...claims, jti: "shared-jti" }), alice);
      await expectAllowedAs(fixture, await other.mint({ email: olive.email, jti: "shared-jti" }), olive);
    } finally {
      await putProvider(dynamo, { name: "other", metadataUrl: other.metadataUrl, clientId: "client-2", active: false });
      await other.close();
    }
  });
});

describe("with JTI verification off", () => {
  it("allows the same token again", async () => {
    const other = await startTestIssuer({ clientId: "client-4" });
    try {
      await putProvider(dynamo, { name: "no-jti", metadataUrl: other.metadataUrl, clientId: "client-4" });
      const pia = await putUser(dynamo, { user_name: "pia", email: "pia@example.com" });
      const token = await other.mint({ email: pia.email });
      await expectAllowedAs(fixture, token, pia);
      await expectAllowedAs(fixture, token, pia);
    } finally {
      await putProvider(dynamo, {
        name: "no-jti",
        metadataUrl: other.metadataUrl,
        clientId: "client-4",
        active: false,
      });
      await other.close();
    }
  });
});

describe("when a store fails", () => {
  it("denies, and says the replay store failed rather than the token", async () => {
    const broken = createAuthorizerFixture(dynamo);
    Object.assign(broken.deps, { replayStore: new DynamoReplayStore(dynamo.doc, "no-such-table") });

    await expect(broken.authorize(await issuer.mint(claims))).rejects.toThrow(/^Unauthorized$/);
    expect(broken.lastDecision()).toMatchObject({ outcome: "deny", reason: "replay_store_error", internal: true });
  });

  it("denies, and says the user store failed rather than the token", async () => {
    const broken = createAuthorizerFixture(dynamo);
    const reset = () => Promise.reject(new Error("connection reset"));
    const failing: UserStore = { findBy: reset, findBound: reset, findLinked: reset };
    Object.assign(broken.deps, { userStore: failing });

    await expect(broken.authorize(await issuer.mint(claims))).rejects.toThrow(/^Unauthorized$/);
    expect(broken.lastDecision()).toMatchObject({ outcome: "deny", reason: "user_store_error", internal: true });
  });

  /** Unhandled rejections while `work` runs, and a turn of the event loop after it. */
  async function unhandledDuring(work: () => Promise<void>): Promise<unknown[]> {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      await work();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    return unhandled;
  }

  it("says the replay store failed when both stores fail, and leaves neither failure unhandled", async () => {
    const broken = createAuthorizerFixture(dynamo);
    Object.assign(broken.deps, {
      replayStore: new DynamoReplayStore(dynamo.doc, "no-such-table"),
      userStore: new DynamoUserStore(dynamo.doc, "no-such-table"),
    });
    const unhandled = await unhandledDuring(async () => {
      await expect(broken.authorize(await issuer.mint(claims))).rejects.toThrow(/^Unauthorized$/);
    });
    expect(broken.lastDecision()).toMatchObject({ outcome: "deny", reason: "replay_store_error", internal: true });
    expect(unhandled).toEqual([]);
  });

  it("says the user store failed when the lookup fails while the replay write is still in flight", async () => {
    const broken = createAuthorizerFixture(dynamo);
    const replay = broken.deps.replayStore;
    Object.assign(broken.deps, {
      // The real write, 100 ms late: the lookup's failure comes first and must wait, handled, for it.
      replayStore: {
        consume: async (...args: Parameters<typeof replay.consume>) => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return replay.consume(...args);
        },
      },
      userStore: new DynamoUserStore(dynamo.doc, "no-such-table"),
    });
    const unhandled = await unhandledDuring(async () => {
      await expect(broken.authorize(await issuer.mint(claims))).rejects.toThrow(/^Unauthorized$/);
    });
    expect(broken.lastDecision()).toMatchObject({ outcome: "deny", reason: "user_store_error", internal: true });
    expect(unhandled).toEqual([]);
  });

  it("denies when the config table cannot be read and nothing was ever loaded", async () => {
    const broken = createAuthorizerFixture(dynamo, { tables: { ...dynamo.tables, config: "no-such-table" } });
    await expect(broken.authorize(await issuer.mint(claims))).rejects.toThrow(/^Unauthorized$/);
    expect(broken.lastDecision()).toMatchObject({ reason: "config_store_error", internal: true });
  });
});

describe("DynamoDB calls on the warm path", () => {
  it("are two per request: the replay write and the user lookup (config cached, last login recent)", async () => {
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const calls: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(String(context.commandName));
        return next(args);
      },
      { step: "initialize" },
    );
    const counted = createAuthorizerFixture(dynamo, { client: createDocumentClient(client), configTtlMs: 30_000 });
    try {
      await counted.authorize(await issuer.mint(claims)); // cold: config scan, first last_login_time
      calls.length = 0;
      for (let i = 0; i < 5; i++) await counted.authorize(await issuer.mint(claims));
      expect(calls.sort()).toEqual([...Array(5).fill("PutItemCommand"), ...Array(5).fill("QueryCommand")]);
    } finally {
      client.destroy();
    }
  });
});

describe("the replay write and the user lookup", () => {
  it("run concurrently: each store call starts before the other ends", async () => {
    const events: string[] = [];
    const replayStarted = deferred();
    const lookupStarted = deferred();
    const slow = createAuthorizerFixture(dynamo);
    const { replayStore, userStore } = slow.deps;
    // Each call holds until the other has started, so neither can finish first unless both are in flight
    // together; run one after the other, the first would wait for ever (here: fail at the deadline).
    Object.assign(slow.deps, {
      replayStore: {
        consume: async (...args: Parameters<typeof replayStore.consume>) => {
          events.push("replay:start");
          replayStarted.resolve();
          await within(lookupStarted.promise, "the user lookup did not start while the replay write was in flight");
          await replayStore.consume(...args);
          events.push("replay:end");
        },
      },
      userStore: {
        findBy: (...args: Parameters<typeof userStore.findBy>) => userStore.findBy(...args),
        findLinked: (...args: Parameters<typeof userStore.findLinked>) => userStore.findLinked(...args),
        findBound: async (...args: Parameters<typeof userStore.findBound>) => {
          events.push("lookup:start");
          lookupStarted.resolve();
          await within(replayStarted.promise, "the replay write did not start while the user lookup was in flight");
          const found = await userStore.findBound(...args);
          events.push("lookup:end");
          return found;
        },
      },
    });

    const token = await issuer.mint(claims);
    // A deny carries the reason in its decision line: a missed deadline fails here, naming the call that waited.
    const outcome = await slow.authorize(token).then(
      (result) => result.principalId,
      () => slow.lastDecision().detail,
    );

    expect(outcome).toBe(alice.sys_id);
    expect(events).toHaveLength(4);
    expect(events.indexOf("replay:start")).toBeLessThan(events.indexOf("lookup:end"));
    expect(events.indexOf("lookup:start")).toBeLessThan(events.indexOf("replay:end"));
  });
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** `promise`, or a rejection naming what did not happen, after a deadline far beyond any store call. */
async function within(promise: Promise<void>, failure: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(failure)), 5_000);
  });
  try {
    await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
