// README, Token restrictions and access tokens: the API names it lists are the stack's, its commands run,
// and its Entra ID service-to-service example works end to end: the provider item the schema accepts, the
// service account created the way it says (POST sys_user by an admin), the route rule, and the daemon's
// token allowed on incidents and refused elsewhere, while a person's ID token of the same tenant is not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerSchema } from "../../functions/config/schema";
import { API_NAMES } from "../../functions/http/api-prefixes";
import { createAuthorizerFixture, methodArnFor } from "../kit/authorizer-fixture";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { useCliHarness, writeTemp } from "../cli/cli-fixture";
import { caller, resultOf } from "../table-api/api-event";
import { createTableApiFixture } from "../table-api/fixture";
import { readmeSection } from "./readme-text";

const SECTION = readmeSection("## Token restrictions and access tokens");
const cli = useCliHarness();
let idp: TestIssuer;
beforeAll(async () => {
  idp = await startTestIssuer({ clientId: "api-app-id" });
});
afterAll(() => idp?.close());

/** The section's `npm run admin -- ...` commands (continuations joined; inline ones end at their backtick), as argument lists. */
function adminCommands(text: string): string[][] {
  const joined = text.replace(/\\\n\s*/g, "");
  return [...joined.matchAll(/npm run admin -- ([^`\n]+)/g)].map((match) =>
    [...(match[1] as string).matchAll(/'([^']*)'|(\S+)/g)].map((part) => part[1] ?? (part[2] as string)),
  );
}

describe("README token restrictions", () => {
  it("names exactly the stack's APIs", () => {
    const named = [...SECTION.matchAll(/`((?:now|x_oidc)\/[a-z_]+)`/g)].map((match) => match[1]);
    expect([...new Set(named)].sort()).toEqual([...API_NAMES].sort());
  });

  it("shows route commands that the CLI takes as written", async () => {
    const commands = adminCommands(SECTION).filter((args) => args[0] === "route");
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const args of commands) {
      const result = await cli.run(args);
      expect({ args, code: result.code, stderr: result.stderr }).toMatchObject({ args, code: 0 });
    }
  });

  it("gives an Entra ID service-to-service example that works as it says", async () => {
    const [json] = [...SECTION.matchAll(/```json\n([\s\S]*?)\n```/g)]
      .map((match) => match[1] as string)
      .filter((text) => text.includes('"pk"'));
    const filled = (json as string)
      .replace("https://login.microsoftonline.com/<tenant id>/v2.0/.well-known/openid-configuration", idp.metadataUrl)
      .replace("<API application (client) id>", "api-app-id")
      .replace("<daemon application id>", "daemon-app-id");
    const { pk: _pk, ...item } = JSON.parse(filled) as Record<string, unknown>;
    const provider = providerSchema.parse(item);
    expect(provider).toMatchObject({ tokenType: "access", accessToken: { caller: "service" } });
    await cli.run(["provider", "add", "--file", writeTemp("entra-daemons.json", item), "--no-check"]);
    // The person side of the same tenant: an ID-token provider of the same app.
    await cli.run([
      "provider",
      "add",
      "people",
      "--metadata-url",
      idp.metadataUrl,
      "--client-id",
      "api-app-id",
      "--no-check",
    ]);

    // Step 4: the service account, as an admin creates it through the Table API, and the route rule.
    const api = createTableApiFixture(cli.testDynamo);
    const created = await api.call({
      method: "POST",
      path: "/api/now/table/sys_user",
      body: { user_name: "sp-object-id", web_service_access_only: true, roles: "itil" },
      caller: caller("admin", ["admin"]),
    });
    expect(created.status, JSON.stringify(created.body ?? created)).toBe(201);
    const account = resultOf<Record<string, string>>(created);
    expect(account["web_service_access_only"]).toBe("true");
    const [rule] = adminCommands(readmeSection("### Entra ID service-to-service: an access-token provider"));
    expect((await cli.run(rule as string[])).code).toBe(0);

    const daemonToken = (claims: Record<string, unknown> = {}) =>
      idp.mint(
        {
          sub: "sp-object-id",
          email: undefined,
          email_verified: undefined,
          jti: undefined,
          aud: "api-app-id",
          azp: "daemon-app-id",
          azpacr: "1",
          roles: ["Incidents.Read.All"],
          ...claims,
        },
        { header: { typ: "JWT" } },
      );
    const fixture = createAuthorizerFixture(cli.testDynamo);
    const incidents = methodArnFor("GET", "/api/now/table/incident");
    const allowed = await fixture.authorize(await daemonToken(), undefined, incidents).catch((error: unknown) => {
      throw new Error(JSON.stringify(fixture.lastDecision()), { cause: error });
    });
    expect(allowed.principalId).toBe(account["sys_id"]);
    expect(fixture.lastDecision()).toMatchObject({ provider: "entra-daemons", tokenType: "access" });
    // "nothing else": no write, no other API, no other client, not without the app role.
    for (const [token, arn, reason] of [
      [await daemonToken(), methodArnFor("POST", "/api/now/table/incident"), "route_not_allowed"],
      [await daemonToken(), methodArnFor("GET", "/api/x_oidc/auth/me"), "route_not_allowed"],
      [await daemonToken({ azp: "other-app" }), incidents, "client_not_allowed"],
      [await daemonToken({ roles: ["Other"] }), incidents, "route_scope_missing"],
    ] as const) {
      await expect(fixture.authorize(token, undefined, arn)).rejects.toThrow(/^Unauthorized$/);
      expect(fixture.lastDecision()).toMatchObject({ reason });
    }
    // A person's ID token of the same app: never the service account.
    const person = await idp.mint({ sub: "person-sub", email: undefined, preferred_username: "x", nonce: "n" });
    await expect(fixture.authorize(person, undefined, incidents)).rejects.toThrow(/^Unauthorized$/);
    expect(fixture.lastDecision()).toMatchObject({ provider: "people", outcome: "deny" });
    const asAccount = await idp.mint({ sub: "sp-object-id", email: "x@example.com" });
    await expect(
      fixture.authorize(asAccount, undefined, methodArnFor("GET", "/api/now/table/sys_user")),
    ).rejects.toThrow(/^Unauthorized$/);
    expect(fixture.lastDecision()).toMatchObject({ provider: "people", reason: "caller_kind_mismatch" });
    // Here the user is a service account signing in with a person's token.
    expect(fixture.lastDecision().detail).toMatch(/a service account .* signs in only with a service's access token/);
  });
});
