// Token restrictions through the real local gateway (dynalite, a loopback issuer, the real authorizer and
// backends): a provider's allowed routes, route requirements (roles, scopes, claims), JWT access tokens
// and service accounts, each with the authorizer's result cache off and on. With the cache on, a policy
// cached on an allowed route must never let the same token through on a route it may not call.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayTokenAuthorizerEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeEvent } from "../../functions/authorizer/authorize-event";
import { createConfigReader, TableAccess } from "../../functions/config/table-access";
import { ROUTES } from "../../functions/http/routes";
import { authApi } from "../../functions/scripted/x_oidc_auth/api";
import { serveApi } from "../../functions/scripted/framework";
import { systemClock } from "../../functions/shared/clock";
import { UNAUTHENTICATED_BODY } from "../../functions/shared/errors";
import { createTableApi } from "../../functions/table-api/create-table-api";
import { UserDirectory } from "../../functions/users/directory";
import type { UserRecord } from "../../functions/users/store";
import { createGateway } from "../../infra/local/gateway";
import {
  createAuthorizerFixture,
  methodArnFor,
  putProvider,
  putRouteRule,
  putUser,
  type AuthorizerFixture,
} from "../kit/authorizer-fixture";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { noAttachmentBucket } from "../kit/s3";
import { putAcl } from "../table-api/fixture";

let dynamo: TestDynamo;
let idp: TestIssuer;
let alice: UserRecord; // itil
let robot: UserRecord; // a service account

beforeAll(async () => {
  [dynamo, idp] = await Promise.all([startDynamo(), startTestIssuer({ clientId: "corp-app" })]);
  const of = { metadataUrl: idp.metadataUrl };
  await Promise.all([
    putProvider(dynamo, { name: "corp", ...of, clientId: "corp-app" }),
    // ServiceNow's token restrictions: this partner's tokens only work on the x_oidc/auth API.
    putProvider(dynamo, { name: "partner", ...of, clientId: "partner-app", allowedRoutes: [{ api: "x_oidc/auth" }] }),
    // A person's delegated access tokens for an API (RFC 9068), from one client.
    putProvider(dynamo, {
      name: "orders",
      ...of,
      tokenType: "access",
      accessToken: { audience: "api://orders", clientIds: ["orders-web"] },
    }),
    // Entra ID's client-credentials tokens: typ JWT, scp or roles, azp; the caller is a service principal.
    putProvider(dynamo, {
      name: "entra-svc",
      ...of,
      tokenType: "access",
      accessToken: {
        audience: "api://incidents",
        acceptedTypes: ["JWT"],
        clientIds: ["daemon-app"],
        scopeClaims: ["scp", "roles"],
        caller: "service",
      },
      userClaim: "sub",
      userField: "user_name",
    }),
    putRouteRule(dynamo, {
      name: "incident-read-scope",
      routes: [{ path: "/api/now/table/incident", methods: ["GET"] }],
      requires: { scopes: ["incidents.read", "Incidents.Read.All"] },
    }),
    putRouteRule(dynamo, {
      name: "incident-create",
      routes: [{ path: "/api/now/table/incident", methods: ["POST"] }],
      requires: { roles: ["itil"] },
    }),
    putAcl(dynamo, { table: "incident", read: ["itil"], create: ["itil"], write: ["itil"] }),
  ]);
  [alice, , robot] = await Promise.all([
    putUser(dynamo, { user_name: "alice", email: "alice@example.com", roles: ["itil"] }),
    putUser(dynamo, { user_name: "bob", email: "bob@example.com" }),
    putUser(dynamo, { user_name: "sp-7d2e", roles: ["itil"], web_service_access_only: true }),
  ]);
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), idp?.close()]);
});

const aliceId = { sub: "alice-sub", email: "alice@example.com" };
const bobId = { sub: "bob-sub", email: "bob@example.com" };

/** A person's access token for api://orders, as RFC 9068 shapes one. */
const ordersToken = (claims: Record<string, unknown> = {}) =>
  idp.mint(
    { ...aliceId, aud: "api://orders", client_id: "orders-web", scope: "openid orders.read", ...claims },
    { header: { typ: "at+jwt" } },
  );
/** Entra ID's app-only access token: typ JWT, the service principal as sub, the app permission in roles. */
const entraToken = (claims: Record<string, unknown> = {}) =>
  idp.mint(
    {
      sub: "sp-7d2e",
      email: undefined,
      email_verified: undefined,
      jti: undefined,
      aud: "api://incidents",
      azp: "daemon-app",
      azpacr: "1",
      roles: ["Incidents.Read.All"],
      ...claims,
    },
    { header: { typ: "JWT" } },
  );

interface Gateway {
  readonly base: string;
  readonly fixture: AuthorizerFixture;
  /** Authorizer invocations so far (a cached policy answers without one). */
  invocations(): number;
  close(): Promise<void>;
}

async function startGateway(authorizerCacheTtlSeconds: number): Promise<Gateway> {
  const fixture = createAuthorizerFixture(dynamo);
  let invocations = 0;
  const logger = fixture.logger;
  const config = createConfigReader({ client: dynamo.doc, configTable: dynamo.tables.config, logger });
  const server: Server = createServer(
    createGateway({
      routes: ROUTES,
      authorizer: (event: APIGatewayTokenAuthorizerEvent) => {
        invocations++;
        return authorizeEvent(event, fixture.deps);
      },
      backends: {
        tableApi: createTableApi({
          client: dynamo.doc,
          tables: dynamo.tables,
          logger,
          attachments: noAttachmentBucket(),
        }),
        scriptedAuth: serveApi(
          authApi,
          { users: new UserDirectory(dynamo.doc, dynamo.tables.users, systemClock) },
          { logger, access: new TableAccess(config) },
        ),
      } as never,
      authorizerCacheTtlSeconds,
      logger,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fixture,
    invocations: () => invocations,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function call(
  gateway: Gateway,
  token: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${gateway.base}${path}`, {
    method: init.method ?? "GET",
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "Content-Type": "application/json" },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

const refused = { status: 401, body: UNAUTHENTICATED_BODY };

describe.each([
  ["off", 0],
  ["on", 300],
])("with the authorizer cache %s", (_, ttl) => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway(ttl);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it("a provider limited to one scripted API gets 200 on it and 401 on the Table API, in either order", async () => {
    const token = await idp.mint({ ...aliceId, aud: "partner-app" });
    const me = await call(gateway, token, "/api/x_oidc/auth/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ result: { provider: "partner", user: { user_name: "alice" } } });

    const before = gateway.invocations();
    expect(await call(gateway, token, "/api/now/table/sys_user")).toEqual(refused);
    expect(await call(gateway, token, "/api/now/v2/table/incident")).toEqual(refused);
    expect(await call(gateway, token, "/api/now/attachment")).toEqual(refused);
    if (ttl > 0) {
      // The cached policy refused them: the authorizer was not asked again.
      expect(gateway.invocations()).toBe(before);
    } else {
      expect(gateway.invocations()).toBe(before + 3);
      expect(gateway.fixture.lastDecision()).toMatchObject({
        outcome: "deny",
        reason: "route_not_allowed",
        provider: "partner",
        route: "GET /api/now/attachment",
      });
    }
    // Its versioned mount path is the same API.
    expect((await call(gateway, token, "/api/x_oidc/v1/auth/me")).status).toBe(200);

    // Forbidden first: refused before any store, so nothing is cached that would refuse the allowed API.
    const second = await idp.mint({ ...aliceId, aud: "partner-app" });
    expect(await call(gateway, second, "/api/now/table/sys_user")).toEqual(refused);
    expect((await call(gateway, second, "/api/x_oidc/auth/me")).status).toBe(200);
  });

  it("an unrestricted provider's token reaches both, so the 401 above is the restriction", async () => {
    const token = await idp.mint(aliceId);
    expect((await call(gateway, token, "/api/x_oidc/auth/me")).status).toBe(200);
    expect((await call(gateway, token, "/api/now/table/sys_user")).status).toBe(200);
  });

  it("a route requiring a role refuses a user without it, also after a cached Allow elsewhere", async () => {
    const bobs = await idp.mint(bobId);
    expect((await call(gateway, bobs, "/api/now/table/sys_user")).status).toBe(200);
    const created = await call(gateway, bobs, "/api/now/table/incident", {
      method: "POST",
      body: { short_description: "from bob" },
    });
    expect(created).toEqual(refused);
    if (ttl === 0) {
      expect(gateway.fixture.lastDecision()).toMatchObject({ reason: "route_role_missing", rule: "incident-create" });
    }

    const alices = await idp.mint(aliceId);
    expect((await call(gateway, alices, "/api/now/table/sys_user")).status).toBe(200);
    const allowed = await call(gateway, alices, "/api/now/table/incident", {
      method: "POST",
      body: { short_description: "from alice" },
    });
    expect(allowed.status).toBe(201);
  });

  it("a route requiring a scope refuses an ID token and an access token without it, and takes one with it", async () => {
    // An ID token grants no scopes: alice may not GET incidents here even with itil.
    const idToken = await idp.mint(aliceId);
    expect((await call(gateway, idToken, "/api/now/table/sys_user")).status).toBe(200);
    expect(await call(gateway, idToken, "/api/now/table/incident")).toEqual(refused);

    const withoutScope = await entraToken({ roles: ["Incidents.Write"] });
    expect((await call(gateway, withoutScope, "/api/now/table/sys_user")).status).toBe(200);
    expect(await call(gateway, withoutScope, "/api/now/table/incident")).toEqual(refused);
    if (ttl === 0) {
      expect(gateway.fixture.lastDecision()).toMatchObject({
        reason: "route_scope_missing",
        rule: "incident-read-scope",
        tokenType: "access",
      });
    }

    const withScope = await entraToken();
    const listed = await call(gateway, withScope, "/api/now/table/incident");
    expect(listed.status).toBe(200);
  });
});

describe("JWT access tokens (RFC 9068) and ID tokens never stand in for each other", () => {
  let fixture: AuthorizerFixture;
  beforeAll(() => {
    fixture = createAuthorizerFixture(dynamo);
  });
  const arn = methodArnFor("GET", "/api/now/table/sys_user");

  it("accepts an at+jwt access token with the API's audience, an allowed client and a scope, as the user it names", async () => {
    const result = await fixture.authorize(await ordersToken(), undefined, arn);
    expect(result.principalId).toBe(alice.sys_id);
    expect(fixture.lastDecision()).toMatchObject({ outcome: "allow", provider: "orders", tokenType: "access" });
  });

  it.each([
    ["an at+jwt token addressed to an ID-token provider's client id", () => ordersToken({ aud: "corp-app" }), "corp"],
    [
      "a JWT-typed token with an access-token claim, for the ID-token provider",
      () => idp.mint({ ...aliceId, scp: "orders.read" }),
      "corp",
    ],
    [
      "an ID token addressed to the access-token provider's audience",
      () => idp.mint({ ...aliceId, aud: "api://orders", nonce: "n-1" }),
      "orders",
    ],
    [
      "an ID token without nonce, at the access-token provider's audience (no access-token claim)",
      () => idp.mint({ ...aliceId, aud: "api://orders" }),
      "orders",
    ],
    [
      "an access token whose typ (JWT) the provider does not accept",
      () =>
        idp.mint(
          { ...aliceId, aud: "api://orders", client_id: "orders-web", scope: "orders.read" },
          { header: { typ: "JWT" } },
        ),
      "orders",
    ],
  ])("refuses %s (token_type_invalid)", async (_, token, provider) => {
    await expect(fixture.authorize(await token(), undefined, arn)).rejects.toThrow(/^Unauthorized$/);
    expect(fixture.lastDecision()).toMatchObject({ outcome: "deny", reason: "token_type_invalid", provider });
  });

  it("refuses an access token of another audience, and of a client not on the list", async () => {
    await expect(fixture.authorize(await ordersToken({ aud: "api://billing" }), undefined, arn)).rejects.toThrow();
    expect(fixture.lastDecision()).toMatchObject({ reason: "audience_mismatch" });
    await expect(fixture.authorize(await ordersToken({ client_id: "mallory-app" }), undefined, arn)).rejects.toThrow();
    expect(fixture.lastDecision()).toMatchObject({ reason: "client_not_allowed", claim: "client_id" });
    await expect(fixture.authorize(await ordersToken({ client_id: undefined }), undefined, arn)).rejects.toThrow();
    expect(fixture.lastDecision()).toMatchObject({ reason: "claim_missing", claim: "client_id" });
  });

  it("signs a service's token in as its service account, and nobody else's", async () => {
    const result = await fixture.authorize(await entraToken(), undefined, arn);
    expect(result.principalId).toBe(robot.sys_id);
    expect(fixture.lastDecision()).toMatchObject({ outcome: "allow", userSysId: robot.sys_id, tokenType: "access" });

    // A service principal mapped to an ordinary user is refused: a service never acts as a person.
    await putUser(dynamo, { user_name: "sp-plain", roles: ["itil"] });
    await expect(fixture.authorize(await entraToken({ sub: "sp-plain" }), undefined, arn)).rejects.toThrow();
    expect(fixture.lastDecision()).toMatchObject({ reason: "caller_kind_mismatch" });
    // The detail says which side is wrong: here the user, not a service account.
    expect(fixture.lastDecision().detail).toMatch(/names a user who is not a service account/);
  });
});

describe("a route refused by what the token says touches no store", () => {
  it("uses up no one-time jti and creates no user: the same token then works where it may go", async () => {
    await putProvider(dynamo, {
      name: "partner-jit",
      metadataUrl: idp.metadataUrl,
      clientId: "partner-jit-app",
      enableJtiVerification: true,
      autoProvision: { enabled: true },
      allowedRoutes: [{ api: "x_oidc/auth" }],
    });
    const fixture = createAuthorizerFixture(dynamo);
    const token = await idp.mint({ sub: "newbie-sub", email: "newbie@example.com", aud: "partner-jit-app" });
    const users = async () =>
      (await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tables.users, ConsistentRead: true }))).Items ?? [];
    const before = await users();

    await expect(fixture.authorize(token, undefined, methodArnFor("GET", "/api/now/table/sys_user"))).rejects.toThrow(
      /^Unauthorized$/,
    );
    expect(fixture.lastDecision()).toMatchObject({ reason: "route_not_allowed" });
    expect(await users()).toEqual(before);
    const jti = await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tables.jti, ConsistentRead: true }));
    const markersBefore = jti.Items?.length ?? 0;

    const allowed = await fixture.authorize(token, undefined, methodArnFor("GET", "/api/x_oidc/auth/me"));
    expect(allowed.context).toMatchObject({ user_name: "newbie@example.com" });
    const after = await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tables.jti, ConsistentRead: true }));
    expect(after.Items?.length).toBe(markersBefore + 1);
    // And now it has been used once.
    await expect(fixture.authorize(token, undefined, methodArnFor("GET", "/api/x_oidc/auth/me"))).rejects.toThrow();
    expect(fixture.lastDecision()).toMatchObject({ reason: "jti_replayed" });
  });
});
