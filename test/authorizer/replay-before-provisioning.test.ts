// A replayed token changes nothing in the users table: one-time use is decided before a user is created,
// bound or has a login recorded (README: provisioning happens only after the one-time-use write).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { createAuthorizerFixture, putProvider, putUser, type AuthorizerFixture } from "../kit/authorizer-fixture";
import { provisionedSysId } from "../../functions/authorizer/provisioning";

let dynamo: TestDynamo;
let issuer: TestIssuer;
let fixture: AuthorizerFixture;
const nowSec = (): number => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  [dynamo, issuer] = await Promise.all([startDynamo(), startTestIssuer()]);
  await putProvider(dynamo, {
    name: "jit",
    metadataUrl: issuer.metadataUrl,
    clientId: "client-1",
    enableJtiVerification: true,
    autoProvision: { enabled: true, transformMap: { user_name: "email", email: "email" } },
  });
});

afterAll(async () => {
  await Promise.all([dynamo?.stop(), issuer?.close()]);
});

beforeEach(() => {
  fixture = createAuthorizerFixture(dynamo);
});

/** The marker the first use of `jti` left behind, still within its lifetime. */
async function alreadyUsed(jti: string): Promise<void> {
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tables.jti,
      Item: { pk: `${issuer.issuer}#jti#${jti}`, expiresAt: nowSec() + 3_600 },
    }),
  );
}

const userItem = async (sysId: string) =>
  (
    await dynamo.doc.send(
      new GetCommand({ TableName: dynamo.tables.users, Key: { sys_id: sysId }, ConsistentRead: true }),
    )
  ).Item;

describe("a replayed token", () => {
  it("does not provision a user, though the provider provisions new people", async () => {
    const token = await issuer.mint({ sub: "sub-new", email: "new@example.com", jti: "replayed-new" });
    await alreadyUsed("replayed-new");

    await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");

    expect(fixture.lastDecision()).toMatchObject({ reason: "jti_replayed" });
    expect(await userItem(provisionedSysId(issuer.issuer, "sub-new"))).toBeUndefined();
  });

  it("does not bind the user its email finds to its identity", async () => {
    const bo = await putUser(dynamo, { user_name: "bo", email: "bo@example.com" });
    const token = await issuer.mint({ sub: "sub-bo", email: "bo@example.com", jti: "replayed-bo" });
    await alreadyUsed("replayed-bo");

    await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");

    expect(fixture.lastDecision()).toMatchObject({ reason: "jti_replayed" });
    const item = await userItem(bo.sys_id);
    expect(item?.["oidc_subject"]).toBeUndefined();
    // The same person with a fresh token is bound as usual: the replay alone kept the user unbound.
    await fixture.authorize(await issuer.mint({ sub: "sub-bo", email: "bo@example.com" }));
    expect((await userItem(bo.sys_id))?.["oidc_subject"]).toBe("sub-bo");
  });

  it("does not record a login for the user bound to its identity", async () => {
    const cy = await putUser(dynamo, {
      user_name: "cy",
      email: "cy@example.com",
      oidc_issuer: issuer.issuer,
      oidc_subject: "sub-cy",
      oidc_provider: "jit",
    });
    const token = await issuer.mint({ sub: "sub-cy", email: "cy@example.com", jti: "replayed-cy" });
    await alreadyUsed("replayed-cy");

    await expect(fixture.authorize(token)).rejects.toThrow("Unauthorized");

    expect(fixture.lastDecision()).toMatchObject({ reason: "jti_replayed" });
    expect((await userItem(cy.sys_id))?.["last_login_time"]).toBeUndefined();
  });
});
