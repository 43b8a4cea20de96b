// Requests an attacker or a broken integration sends that the suite did not try before: each is refused,
// with the reason the decision line says, and nothing is fetched, consumed or written on the way.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { authorizeEvent } from "../../functions/authorizer/authorize-event";
import type { ProviderInput } from "../../functions/config/schema";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { createAuthorizerFixture, METHOD_ARN, putProvider, type AuthorizerFixture } from "../kit/authorizer-fixture";
import type { UserRecord } from "../../functions/users/store";
import { UserDirectory } from "../../functions/users/directory";
import { systemClock } from "../../functions/shared/clock";
import { createTableApiFixture, putAcl } from "../table-api/fixture";
import { caller, resultOf } from "../table-api/api-event";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
let alice: UserRecord;
/** A server an attacker would point jku / x5u at: it counts what reaches it. */
let attacker: Server;
let attackerUrl: string;
let attackerHits = 0;

const provider: ProviderInput = {
  name: "local",
  metadataUrl: "",
  clientId: "client-1",
  enableJtiVerification: true,
};

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer({ algs: ["RS256", "PS256"] })]);
  provider.metadataUrl = issuer.metadataUrl;
  await putProvider(dynamo, provider);
  // Through the directory, so her uniqueness guards exist, as for every user an API or provisioning wrote.
  alice = await new UserDirectory(dynamo.doc, dynamo.tables.users, systemClock).create(
    { user_name: "alice", email: "alice@example.com" },
    { by: "setup" },
  );
  attacker = createServer((_req, res) => {
    attackerHits += 1;
    res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});
afterAll(async () => {
  attacker?.closeAllConnections();
  await Promise.all([
    dynamo?.stop(),
    issuer?.close(),
    new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve())),
  ]);
});
beforeEach(() => {
  fixture = createAuthorizerFixture(dynamo);
});

const claims = { sub: "alice-sub", email: "alice@example.com" };

async function expectDenied(token: string, reason: string): Promise<void> {
  await expect(fixture.authorize(token)).rejects.toThrow(/^Unauthorized$/);
  expect(fixture.lastDecision()).toMatchObject({ outcome: "deny", reason });
}

const jtiMarkers = async (): Promise<number> =>
  ((await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tables.jti, ConsistentRead: true }))).Items ?? []).length;

describe("the decision line tells the truth", () => {
  it("logs a deny, not an allow, for a methodArn no policy can be built from, and consumes nothing", async () => {
    const token = await issuer.mint(claims);
    const markers = await jtiMarkers();
    const event = { type: "TOKEN" as const, authorizationToken: `Bearer ${token}`, methodArn: "arn:aws:s3:::bucket" };

    await expect(authorizeEvent(event, fixture.deps)).rejects.toThrow(/^Unauthorized$/);

    expect(fixture.decisions).toEqual([
      expect.objectContaining({ outcome: "deny", reason: "internal_error", internal: true }),
    ]);
    expect(await jtiMarkers()).toBe(markers);
    // The one-time token was not used up by the broken event: with a real methodArn it still works.
    const result = await authorizeEvent({ ...event, methodArn: METHOD_ARN }, fixture.deps);
    expect(result.principalId).toBe(alice.sys_id);
    expect(fixture.decisions.map((decision) => decision.outcome)).toEqual(["deny", "allow"]);
  });
});

describe("algorithms outside the supported set", () => {
  it("refuses a PS256 token (the provider publishes a PS256 key) before fetching anything", async () => {
    const cold = createAuthorizerFixture(dynamo);
    const before = { ...issuer.requests };
    const token = await issuer.mint(claims, { alg: "PS256" });

    await expect(cold.authorize(token)).rejects.toThrow(/^Unauthorized$/);

    expect(cold.lastDecision()).toMatchObject({ outcome: "deny", reason: "alg_not_allowed" });
    expect(issuer.requests).toEqual(before);
  });

  it.each(["HS384", "HS512", "RS1", "ES256K", "none", "NONE", "", "EdDSA25519"])("refuses alg %j", async (alg) => {
    const token = await issuer.mint(claims);
    const [, payload, signature] = token.split(".");
    const header = Buffer.from(JSON.stringify({ alg, kid: "k" })).toString("base64url");
    await expectDenied(`${header}.${payload}.${signature}`, "alg_not_allowed");
  });
});

describe("keys a token brings with it (RFC 8725 3.10: never trust them)", () => {
  it.each(["jwk", "jku", "x5u", "x5c"])(
    "ignores an embedded %s, and never fetches what it names",
    async (parameter) => {
      const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), kid: "attacker", alg: "RS256" };
      const headerValue = {
        jwk,
        jku: `${attackerUrl}/jwks.json`,
        x5u: `${attackerUrl}/cert.pem`,
        x5c: ["MIIBattacker"],
      }[parameter];
      const published = issuer.publicJwks().keys.find((key) => key["alg"] === "RS256")?.["kid"] as string;
      const hitsBefore = attackerHits;

      // Signed by the attacker's key, once under its own kid, once under the provider's published kid.
      for (const kid of ["attacker", published]) {
        const token = await new SignJWT({ iss: issuer.issuer, aud: "client-1", ...claims, jti: `${parameter}-${kid}` })
          .setProtectedHeader({ alg: "RS256", kid, [parameter]: headerValue })
          .setIssuedAt()
          .setExpirationTime("5m")
          .sign(privateKey);
        await expectDenied(token, kid === "attacker" ? "kid_unknown" : "signature_invalid");
      }
      expect(attackerHits).toBe(hitsBefore);
    },
  );
});

describe("issuer_mismatch", () => {
  it("refuses a token whose iss is the issuer with a trailing slash when the document states it without", async () => {
    // The provider accepts both spellings of its unpinned issuer (Discovery 4.1); the verifier holds the
    // token to the one the document states.
    await expectDenied(await issuer.mint({ ...claims, iss: `${issuer.issuer}/` }), "issuer_mismatch");
  });
});

describe("sys_user writes by a non-admin", () => {
  it("refuses PUT, PATCH and DELETE with 403 whatever a sys_user ACL says, and changes nothing", async () => {
    const api = createTableApiFixture(dynamo);
    await putAcl(dynamo, { table: "sys_user", read: ["itil"], create: ["itil"], write: ["itil"], delete: ["itil"] });
    const path = `/api/now/table/sys_user/${alice.sys_id}`;
    const itil = caller("beth.anglin", ["itil"]);

    for (const method of ["PUT", "PATCH"] as const) {
      const reply = await api.call({ method, path, body: { roles: "admin", title: "owned" }, caller: itil });
      expect(reply.status).toBe(403);
    }
    expect((await api.call({ method: "DELETE", path, caller: itil })).status).toBe(403);
    const read = await api.call({ method: "GET", path, caller: caller("root", ["admin"]) });
    expect(read.status).toBe(200);
    expect(resultOf(read)).toMatchObject({ user_name: "alice", roles: "", title: "" });
  });
});

describe("provisioning with an email that cannot be used", () => {
  const byName = (): ProviderInput => ({
    name: "jit",
    metadataUrl: "",
    clientId: "client-jit",
    userClaim: "preferred_username",
    userField: "user_name",
    autoProvision: { enabled: true },
  });
  let jit: TestIssuer;
  beforeAll(async () => {
    jit = await startTestIssuer({ clientId: "client-jit" });
    await putProvider(dynamo, { ...byName(), metadataUrl: jit.metadataUrl });
  });
  afterAll(async () => {
    await putProvider(dynamo, { ...byName(), metadataUrl: jit.metadataUrl, active: false });
    await jit.close();
  });

  const usersTableItems = async () =>
    (await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tables.users, ConsistentRead: true }))).Items ?? [];

  it.each([
    ["taken by another user (in another case)", "ALICE@example.com"],
    ["malformed", "not an email"],
    ["with a Unicode look-alike letter", "\u212Aate@example.com"],
  ])("refuses an email %s, and writes nothing", async (_what, email) => {
    const before = await usersTableItems();

    await expect(
      fixture.authorize(
        await jit.mint({ sub: `jit-${email}`, preferred_username: `newcomer.${before.length}`, email }),
      ),
    ).rejects.toThrow(/^Unauthorized$/);

    expect(fixture.lastDecision()).toMatchObject({ outcome: "deny", reason: "provisioning_failed" });
    expect(await usersTableItems()).toEqual(expect.arrayContaining(before));
    expect(await usersTableItems()).toHaveLength(before.length);
  });
});
