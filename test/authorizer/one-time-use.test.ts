// One-time use of tokens (the seed's "Enable JTI claim verification") against dynalite's conditional writes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { createAuthorizerFixture, putProvider, putUser, type AuthorizerFixture } from "../kit/authorizer-fixture";
import { DynamoReplayStore } from "../../functions/authorizer/replay-store";
import type { UserStore } from "../../functions/users/store";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createDocumentClient } from "../../functions/shared/dynamo";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
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
  await putUser(dynamo, { user_name: "alice", email: "alice@example.com" });
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

    await expect(fixture.authorize(token)).resolves.toBeDefined();
    await expect(fixture.authorize(token)).rejects.toThrow(/^Unauthorized$/);
    expect(fixture.lastDecision()).toMatchObject({ reason: "jti_replayed", internal: false });
  });

  it("still allows another token of the same user", async () => {
    await fixture.authorize(await issuer.mint(claims));
    await expect(fixture.authorize(await issuer.mint(claims))).resolves.toBeDefined();
  });

  it("gives exactly one Allow to 50 concurrent uses of one token", async () => {
    const token = await issuer.mint(claims);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => fixture.authorize(token)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(fixture.decisions.filter((d) => d.reason === "jti_replayed")).toHaveLength(49);
  });

  it("keys the marker by issuer + jti and expires it at exp + clock skew (the TTL attribute)", async () => {
    const exp = nowSec() + 200;
    const token = await issuer.mint({ ...claims, jti: "jti-ttl-check", exp });
    await fixture.authorize(token);

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
    await expect(fixture.authorize(token)).resolves.toBeDefined();
  });

  it("makes a token without jti one-time too, keyed by its signing input", async () => {
    const token = await issuer.mint({ ...claims, jti: undefined });
    await expect(fixture.authorize(token)).resolves.toBeDefined();
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
      await fixture.authorize(await issuer.mint({ ...claims, jti: "shared-jti" }));
      await expect(
        fixture.authorize(await other.mint({ email: olive.email, jti: "shared-jti" })),
      ).resolves.toMatchObject({
        principalId: olive.sys_id,
      });
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
      await expect(fixture.authorize(token)).resolves.toMatchObject({ principalId: pia.sys_id });
      await expect(fixture.authorize(token)).resolves.toMatchObject({ principalId: pia.sys_id });
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
  it("run concurrently: the lookup starts before the replay write finishes", async () => {
    const events: string[] = [];
    const slow = createAuthorizerFixture(dynamo);
    const { replayStore, userStore } = slow.deps;
    Object.assign(slow.deps, {
      replayStore: {
        consume: async (...args: Parameters<typeof replayStore.consume>) => {
          events.push("replay:start");
          await new Promise((resolve) => setTimeout(resolve, 50));
          await replayStore.consume(...args);
          events.push("replay:end");
        },
      },
      userStore: {
        findBy: (...args: Parameters<typeof userStore.findBy>) => userStore.findBy(...args),
        findLinked: (...args: Parameters<typeof userStore.findLinked>) => userStore.findLinked(...args),
        findBound: async (...args: Parameters<typeof userStore.findBound>) => {
          events.push("lookup:start");
          const found = await userStore.findBound(...args);
          events.push("lookup:end");
          return found;
        },
      },
    });

    await slow.authorize(await issuer.mint(claims));
    expect(events.indexOf("lookup:start")).toBeLessThan(events.indexOf("replay:end"));
  });
});
