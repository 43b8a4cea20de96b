// The seed's use case end to end, in process: a real ID token from a loopback OpenID provider goes through
// the real authorizer, whose context reaches the Table API and the x_oidc/auth API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConfigReader, TableAccess } from "../../functions/config/table-access";
import { serveApi } from "../../functions/scripted/framework";
import { authApi } from "../../functions/scripted/x_oidc_auth/api";
import { UserDirectory } from "../../functions/users/directory";
import { createAuthorizerFixture, putProvider, putUser, type AuthorizerFixture } from "../kit/authorizer-fixture";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { seedDemo, SEED_INCIDENT_SYS_ID } from "../../infra/local/demo-records";
import { apiEvent, parseReply, resultOf } from "./api-event";
import { createTableApiFixture, testClock, type TableApiFixture } from "./fixture";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let authorizer: AuthorizerFixture;
let api: TableApiFixture;

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer()]);
  await putProvider(dynamo, { name: "local", metadataUrl: issuer.metadataUrl, clientId: "client-1" });
  await putUser(dynamo, { user_name: "oauth.admin", email: "oauth.admin@example.com", roles: ["itil"] });
  await putUser(dynamo, { user_name: "guest.user", email: "guest@example.com", roles: [] });
  await seedDemo(dynamo.doc, dynamo.tables, testClock());
  authorizer = createAuthorizerFixture(dynamo);
  api = createTableApiFixture(dynamo);
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), issuer?.close()]);
});

/** What API Gateway does: run the authorizer on the bearer token, then pass its context to the backend. */
async function authorized(email: string) {
  const token = await issuer.mint({ sub: `sub-of-${email}`, email });
  return authorizer.authorize(token);
}

describe("an ID token reaching the Table API", () => {
  it("reads the seed's incident 897b04f2dbd4a300a135364e9d961952 with an itil user's token", async () => {
    const policy = await authorized("oauth.admin@example.com");
    const { event } = apiEvent({
      method: "GET",
      path: `/api/now/table/incident/${SEED_INCIDENT_SYS_ID}`,
      authorizerResult: policy,
    });

    const reply = parseReply(await api.handler(event));

    expect(reply.status, reply.raw).toBe(200);
    expect(resultOf(reply)).toMatchObject({ sys_id: SEED_INCIDENT_SYS_ID, number: "INC0010001" });
  });

  it("denies a user whose roles the incident ACL does not list", async () => {
    const policy = await authorized("guest@example.com");
    const { event } = apiEvent({ method: "GET", path: "/api/now/table/incident", authorizerResult: policy });
    expect(parseReply(await api.handler(event)).status).toBe(403);
  });

  it("writes with the user_name from the token's user as sys_created_by", async () => {
    const policy = await authorized("oauth.admin@example.com");
    const { event } = apiEvent({
      method: "POST",
      path: "/api/now/table/incident",
      body: { short_description: "From a token" },
      authorizerResult: policy,
    });
    const reply = parseReply(await api.handler(event));
    expect(reply.status).toBe(201);
    expect(resultOf(reply)["sys_created_by"]).toBe("oauth.admin");
  });

  it("tells the caller who they are at /api/x_oidc/auth/me", async () => {
    const policy = await authorized("oauth.admin@example.com");
    const me = serveApi(
      authApi,
      { users: new UserDirectory(dynamo.doc, dynamo.tables.users, testClock()) },
      {
        logger: authorizer.logger,
        access: new TableAccess(
          createConfigReader({ client: dynamo.doc, configTable: dynamo.tables.config, logger: authorizer.logger }),
        ),
      },
    );
    const { event } = apiEvent({ method: "GET", path: "/api/x_oidc/auth/me", authorizerResult: policy });
    const reply = parseReply(await me(event));
    expect(resultOf(reply)).toMatchObject({ user: { user_name: "oauth.admin" }, provider: "local", roles: ["itil"] });
  });
});
