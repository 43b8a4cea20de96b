// route set|list|get|remove, the provider flags of token restrictions and access tokens, and explain --route:
// written with the authorizer's own schema, then read back by the authorizer itself (against dynalite).
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExplainReport } from "../../cli/explain-report";
import { routeKey } from "../../functions/config/schema";
import { createAuthorizerFixture, methodArnFor, putUser } from "../kit/authorizer-fixture";
import { startTestIssuer, type TestIssuer } from "../kit/issuer";
import { useCliHarness, writeTemp } from "./cli-fixture";

const cli = useCliHarness();
let idp: TestIssuer;
beforeAll(async () => {
  idp = await startTestIssuer({ clientId: "corp-app" });
});
afterAll(() => idp?.close());

const errorOf = (stderr: string) => JSON.parse(stderr) as { error: { code: string; problems?: string[] } };

describe("route set, list, get, remove", () => {
  it("writes a rule from flags that the authorizer then applies", async () => {
    const set = await cli.run([
      "route",
      "set",
      "incident-writers",
      "--path",
      "/api/now/table/incident",
      "--methods",
      "POST,PATCH",
      "--roles",
      "itil",
      "--description",
      "only ITIL writes incidents",
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("POST,PATCH /api/now/table/incident");
    expect(set.stdout).toContain("one of the roles itil");

    const got = await cli.run(["route", "get", "incident-writers", "--json"]);
    expect(got.json<{ routeRule: unknown }>().routeRule).toEqual({
      name: "incident-writers",
      description: "only ITIL writes incidents",
      routes: [{ path: "/api/now/table/incident", methods: ["POST", "PATCH"] }],
      requires: { roles: ["itil"] },
    });

    // The authorizer reads what the CLI wrote.
    await cli.run(["provider", "add", "corp", "--metadata-url", idp.metadataUrl, "--client-id", "corp-app"]);
    const bob = await putUser(cli.testDynamo, { user_name: "bob", email: "bob@example.com" });
    const fixture = createAuthorizerFixture(cli.testDynamo);
    const token = await idp.mint({ sub: "bob-sub", email: "bob@example.com" });
    await expect(fixture.authorize(token, undefined, methodArnFor("POST", "/api/now/table/incident"))).rejects.toThrow(
      /^Unauthorized$/,
    );
    expect(fixture.lastDecision()).toMatchObject({
      reason: "route_role_missing",
      rule: "incident-writers",
      userSysId: bob.sys_id,
    });
    const read = await fixture.authorize(token, undefined, methodArnFor("GET", "/api/now/table/incident"));
    expect(read.principalId).toBe(bob.sys_id);

    const listed = await cli.run(["route", "list"]);
    expect(listed.stdout).toMatch(/incident-writers\s+POST,PATCH \/api\/now\/table\/incident\s+one of the roles itil/);
    expect((await cli.run(["route", "remove", "incident-writers"])).code).toBe(0);
    expect((await cli.run(["route", "remove", "incident-writers"])).code).toBe(1);
    expect((await cli.items("config")).some((item) => item["pk"] === routeKey("incident-writers"))).toBe(false);
  });

  it("writes a rule from a file, with claim rules and scopes by API", async () => {
    const file = writeTemp("rule.json", {
      routes: [{ api: "now/attachment" }],
      requires: { scopes: ["files.read"], claims: [{ claim: "department", operator: "equals", value: "ops" }] },
    });
    const set = await cli.run(["route", "set", "files", "--file", file, "--json"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json<{ routeRule: { routes: unknown } }>().routeRule.routes).toEqual([{ api: "now/attachment" }]);
  });

  it.each([
    ["no requirement", ["--path", "/api/now/table/incident"], "requires: give roles, scopes or claims"],
    ["an unknown API", ["--api", "now/tables", "--roles", "itil"], "routes.0.api: an API of this stack"],
    ["both api and path in one route", ["--file", "BOTH", "--roles", "itil"], "give exactly one of api and path"],
    ["a path with a query", ["--path", "/api/now/table?x=1", "--roles", "itil"], "routes.0.path"],
    ["a scope with a space", ["--path", "/api", "--scopes", "a b"], "requires.scopes.0"],
  ])("refuses %s, naming the field, and writes nothing", async (_, flags, problem) => {
    const both = writeTemp("both.json", { routes: [{ api: "now/table", path: "/api/now/table" }] });
    const result = await cli.run([
      "route",
      "set",
      "bad",
      ...flags.map((flag) => (flag === "BOTH" ? both : flag)),
      "--json",
    ]);
    expect(result.code).toBe(1);
    expect(errorOf(result.stderr).error.problems?.join(" ")).toContain(problem);
    expect((await cli.items("config")).some((item) => item["pk"] === routeKey("bad"))).toBe(false);
  });

  it("refuses a JSON flag that is not JSON, naming the field and the flag", async () => {
    const rule = await cli.run(["route", "set", "bad", "--path", "/api", "--claim-rules", "{nope"]);
    expect(rule.code).toBe(1);
    expect(rule.stderr).toContain("requires.claims: --claim-rules is not JSON");
    const provider = await cli.run([
      "provider",
      "add",
      "bad",
      "--metadata-url",
      idp.metadataUrl,
      "--client-id",
      "c",
      "--allowed-routes",
      "[",
      "--no-check",
    ]);
    expect(provider.code).toBe(1);
    expect(provider.stderr).toContain("allowedRoutes: --allowed-routes is not JSON");
  });

  it("shows a broken rule as INVALID, closing its routes", async () => {
    await cli.dynamo.doc.send(
      new PutCommand({
        TableName: cli.tables.config,
        Item: { pk: routeKey("broken"), name: "broken", routes: [{ path: "/api/now/table/problem" }], requires: {} },
      }),
    );
    const listed = await cli.run(["route", "list"]);
    expect(listed.stdout).toMatch(/broken\s+INVALID \(routes closed\)/);
    const got = await cli.run(["route", "get", "broken"]);
    expect(got.code).toBe(1);
    expect(got.stderr).toContain("closed to everyone");
  });
});

describe("provider flags for restrictions and access tokens", () => {
  it("adds an access-token provider limited to one API, and updates one setting without losing the others", async () => {
    const added = await cli.run([
      "provider",
      "add",
      "orders",
      "--metadata-url",
      idp.metadataUrl,
      "--token-type",
      "access",
      "--audience",
      "api://orders",
      "--client-ids",
      "orders-web,orders-batch",
      "--access-token-types",
      "at+jwt,JWT",
      "--scope-claims",
      "scp",
      "--allow-apis",
      "x_oidc/auth,now/table",
      "--json",
    ]);
    expect(added.code, added.stderr).toBe(0);
    const provider = added.json<{ provider: Record<string, unknown> }>().provider;
    expect(provider).toMatchObject({
      tokenType: "access",
      accessToken: {
        audience: "api://orders",
        clientIds: ["orders-web", "orders-batch"],
        acceptedTypes: ["at+jwt", "JWT"],
        scopeClaims: ["scp"],
        caller: "user",
      },
      allowedRoutes: [{ api: "x_oidc/auth" }, { api: "now/table" }],
    });
    expect(provider["clientId"]).toBeUndefined();

    const updated = await cli.run(["provider", "update", "orders", "--caller", "service", "--no-check", "--json"]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json<{ provider: { accessToken: unknown } }>().provider.accessToken).toMatchObject({
      audience: "api://orders",
      clientIds: ["orders-web", "orders-batch"],
      caller: "service",
    });
    const unrestricted = await cli.run([
      "provider",
      "update",
      "orders",
      "--unset",
      "allowedRoutes",
      "--no-check",
      "--json",
    ]);
    expect(unrestricted.json<{ provider: Record<string, unknown> }>().provider["allowedRoutes"]).toBeUndefined();
  });

  it.each([
    ["an access-token provider without its audience", ["--token-type", "access"], "accessToken"],
    [
      "an access-token provider with a client id",
      ["--token-type", "access", "--client-id", "x", "--audience", "a", "--client-ids", "all"],
      "clientId",
    ],
    ["an ID-token provider with access-token settings", ["--client-id", "x", "--audience", "a"], "accessToken"],
    [
      "a service caller with auto-provisioning",
      ["--token-type", "access", "--audience", "a", "--client-ids", "all", "--caller", "service", "--auto-provision"],
      "autoProvision.enabled",
    ],
    ["allowed routes naming an unknown API", ["--client-id", "x", "--allow-apis", "now/tabel"], "allowedRoutes.0.api"],
  ])("refuses %s, naming the field", async (_, flags, field) => {
    const result = await cli.run([
      "provider",
      "add",
      "bad",
      "--metadata-url",
      idp.metadataUrl,
      "--no-check",
      ...flags,
      "--json",
    ]);
    expect(result.code).toBe(1);
    expect(errorOf(result.stderr).error.problems?.join(" ")).toContain(field);
  });
});

describe("explain --route", () => {
  it("shows the provider's allowance and each rule covering the route, with the user's roles once found", async () => {
    await cli.run([
      "provider",
      "add",
      "partner",
      "--metadata-url",
      idp.metadataUrl,
      "--client-id",
      "partner-app",
      "--allow-apis",
      "x_oidc/auth,x_oidc/incident_ops",
    ]);
    await putUser(cli.testDynamo, { user_name: "bob", email: "bob@example.com" });
    const token = await idp.mint({ sub: "bob-sub", email: "bob@example.com", aud: "partner-app" });

    const forbidden = await cli.run(["explain", token, "--route", "GET /api/now/table/incident"]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stdout).toContain("Route GET /api/now/table/incident");
    expect(forbidden.stdout).toContain("FAIL  the provider's allowed routes do not include it");
    expect(forbidden.stdout).toContain("Decision: deny (route_not_allowed)");

    // The shipped rule of incident_ops' comment resource wants itil, which bob lacks.
    const comment = await cli.run([
      "explain",
      token,
      "--route",
      "POST /api/x_oidc/incident_ops/incident/INC0010001/comment",
      "--json",
    ]);
    expect(comment.code).toBe(1);
    const report = comment.json<ExplainReport>();
    expect(report.decision).toMatchObject({ reason: "route_role_missing" });
    expect(report.route).toEqual({
      route: "POST /api/x_oidc/incident_ops/incident/INC0010001/comment",
      allowedByProvider: true,
      rules: [
        {
          rule: "x_oidc/incident_ops POST /incident/{id}/comment",
          passed: false,
          detail: "route rule x_oidc/incident_ops POST /incident/{id}/comment requires one of the roles itil",
        },
      ],
    });

    const me = await cli.run(["explain", token, "--route", "GET /api/x_oidc/auth/me"]);
    expect(me.code, me.stdout).toBe(0);
    expect(me.stdout).toContain("(no route rule covers it)");
    expect((await cli.run(["explain", token, "--route", "FETCH /x"])).code).toBe(2);
  });
});
