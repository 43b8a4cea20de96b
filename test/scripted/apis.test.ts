// The shipped scripted APIs against dynalite, reached through ROUTES as API Gateway would route them:
// x_oidc/auth (GET /me) and x_oidc/incident_ops (POST /incident/{id}/comment).
import { existsSync } from "node:fs";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCRIPTED_APIS, SCRIPTED_BACKENDS, type ScriptedBackendName } from "../../functions/scripted/apis";
import { mountPaths, serveApi } from "../../functions/scripted/framework";
import { authApi } from "../../functions/scripted/x_oidc_auth/api";
import { incidentOpsApi } from "../../functions/scripted/x_oidc_incident_ops/api";
import { RecordsStore } from "../../functions/records/store";
import { createConfigReader, TableAccess } from "../../functions/config/table-access";
import { OUT_OF_BOX } from "../../functions/dictionary/dictionary";
import { dictionaryJournalColumns, Journal } from "../../functions/journal/journal";
import { BACKENDS, ROUTES } from "../../functions/http/routes";
import { UserDirectory, type UserDirectory as Directory } from "../../functions/users/directory";
import { capturingLogger } from "../kit/authorizer-fixture";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { apiEvent, caller, parseReply, resultOf, type EventInput, type Reply } from "../table-api/api-event";
import { putAcl, seedRecords, testClock, withAcl } from "../table-api/fixture";

describe("routes of the scripted APIs", () => {
  it("gives every API its own backend, with an entry that exists", () => {
    for (const name of Object.keys(SCRIPTED_BACKENDS) as ScriptedBackendName[]) {
      expect(BACKENDS[name]).toBe(SCRIPTED_BACKENDS[name]);
      expect(existsSync(BACKENDS[name].entry), BACKENDS[name].entry).toBe(true);
    }
  });

  it("routes every resource of every API, under both mount paths, to that API's backend", () => {
    for (const [backend, api] of Object.entries(SCRIPTED_APIS)) {
      for (const resource of api.resources) {
        for (const mount of mountPaths(api)) {
          const path = mount.replace("{path+}", resource.path.slice(1).replaceAll(/\{[a-z_]+\}/g, "X1"));
          expect(apiEvent({ method: resource.method, path }).backend, `${resource.method} ${path}`).toBe(backend);
        }
      }
    }
  });

  it("uses only {name} and {name+} path segments, which API Gateway and the local gateway both understand", () => {
    for (const route of ROUTES) {
      for (const segment of route.path.split("/").slice(1)) {
        expect(segment, route.path).toMatch(/^([a-z0-9_]+|\{[a-z_]+\+?\})$/);
      }
    }
  });
});

let dynamo: TestDynamo;
let directory: Directory;
const clock = testClock();

beforeAll(async () => {
  dynamo = await startDynamo();
  directory = new UserDirectory(dynamo.doc, dynamo.tables.users, clock);
});

afterAll(async () => {
  await dynamo?.stop();
});

const handlers = (): Record<ScriptedBackendName, (event: APIGatewayProxyEvent) => Promise<unknown>> => {
  const logger = capturingLogger();
  // ACLs read fresh on every request, so a test's withAcl applies at once.
  const access = new TableAccess(
    createConfigReader({ client: dynamo.doc, configTable: dynamo.tables.config, logger, clock, ttlMs: 0 }),
  );
  const records = new RecordsStore(dynamo.doc, dynamo.tables.records, clock);
  return {
    scriptedAuth: serveApi(authApi, { users: directory }, { logger, access, clock }),
    scriptedIncidentOps: serveApi(
      incidentOpsApi,
      { records, journal: new Journal(records, dictionaryJournalColumns(OUT_OF_BOX)) },
      { logger, access, clock },
    ),
  };
};

async function call(input: EventInput): Promise<Reply> {
  const { event, backend } = apiEvent(input);
  const handler = handlers()[backend as ScriptedBackendName];
  if (!handler) throw new Error(`${input.path} routes to ${backend}`);
  return parseReply((await handler(event)) as Parameters<typeof parseReply>[0]);
}

describe("x_oidc/auth GET /me", () => {
  it.each(["/api/x_oidc/auth/me", "/api/x_oidc/v1/auth/me"])(
    "%s returns the user record, provider and roles",
    async (path) => {
      const user = await directory.create(
        {
          user_name: `fred.${path.length}`,
          email: `fred${path.length}@example.com`,
          first_name: "Fred",
          roles: ["itil"],
        },
        { by: "setup" },
      );
      // The authorizer's view: roles as it saw them, which may differ from the stored ones (e.g. a group claim).
      const who = { ...caller(user.user_name, ["itil", "knowledge"], user.sys_id), provider: "okta" };

      const reply = await call({ method: "GET", path, caller: who });

      expect(reply.status, reply.raw).toBe(200);
      expect(resultOf(reply)).toEqual({
        user: expect.objectContaining({
          sys_id: user.sys_id,
          user_name: user.user_name,
          email: user.email,
          first_name: "Fred",
          active: "true",
          roles: "itil",
        }),
        provider: "okta",
        roles: ["itil", "knowledge"],
      });
      expect(JSON.stringify(reply.body)).not.toContain("email_lower");
    },
  );

  it("answers 404 when the authenticated user no longer exists", async () => {
    const reply = await call({ method: "GET", path: "/api/x_oidc/auth/me", caller: caller("ghost", []) });
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ error: { message: "No Record found" }, status: "failure" });
  });

  it("needs no role: any authenticated user may ask who they are", async () => {
    const user = await directory.create({ user_name: "no.roles" }, { by: "setup" });
    expect(
      (await call({ method: "GET", path: "/api/x_oidc/auth/me", caller: caller("no.roles", [], user.sys_id) })).status,
    ).toBe(200);
  });
});

describe("x_oidc/incident_ops POST /incident/{id}/comment", () => {
  const itil = caller("beth.anglin", ["itil"]);
  const records = () => new RecordsStore(dynamo.doc, dynamo.tables.records, clock);

  beforeAll(async () => {
    // For the tests that only read it or are refused: the tests that write comments bring their own incident.
    await seedRecords(dynamo, "incident", [{ number: "INC0010001", short_description: "VPN down" }]);
    await putAcl(dynamo, { table: "incident", read: ["itil"], create: ["itil"], write: ["itil"], delete: ["admin"] });
  });

  const comment = (id: string, body: unknown, who = itil, prefix = "/api/x_oidc/incident_ops") =>
    call({ method: "POST", path: `${prefix}/incident/${id}/comment`, body, caller: who });

  it("appends a comment to the incident with that number, newest first, as a journal entry", async () => {
    const [incident = {}] = await seedRecords(dynamo, "incident", [{ number: "INC0010011", short_description: "x" }]);
    clock.t = Date.UTC(2024, 4, 2, 8, 0, 0);
    const first = await comment("INC0010011", { comments: "Rebooted the VPN gateway" });
    clock.t = Date.UTC(2024, 4, 2, 8, 5, 0);
    const second = await comment(
      "INC0010011",
      { comments: "Users confirm it works" },
      caller("luke.wilson", ["itil"]),
      "/api/x_oidc/v1/incident_ops",
    );

    expect(first.status, first.raw).toBe(200);
    expect(resultOf(second)).toEqual({
      sys_id: incident["sys_id"],
      number: "INC0010011",
      comments:
        "2024-05-02 08:05:00 - luke.wilson (Additional comments)\nUsers confirm it works\n\n" +
        "2024-05-02 08:00:00 - beth.anglin (Additional comments)\nRebooted the VPN gateway\n\n",
      work_notes: "",
      sys_updated_on: "2024-05-02 08:05:00",
      sys_updated_by: "luke.wilson",
      sys_mod_count: "2",
    });
  });

  it("takes the sys_id too, and work notes", async () => {
    const [incident = {}] = await seedRecords(dynamo, "incident", [{ number: "INC0010012" }]);
    const reply = await comment(incident["sys_id"] ?? "", { work_notes: "Escalated to network team" });
    expect(resultOf(reply)["work_notes"]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - beth\.anglin \(Work notes\)\nEscalated to network team\n\n$/,
    );
  });

  it("keeps all 20 of 20 concurrent comments: every one answered 200 and in the journal once", async () => {
    const [incident = {}] = await seedRecords(dynamo, "incident", [{ number: "INC0010013" }]);
    const texts = Array.from({ length: 20 }, (_, i) => `parallel ${i}`);

    const replies = await Promise.all(texts.map((text) => comment("INC0010013", { comments: text })));

    expect(replies.map((reply) => reply.status)).toEqual(texts.map(() => 200));
    const last = await comment("INC0010013", { work_notes: "read back" });
    const journal = resultOf(last)["comments"] ?? "";
    expect(texts.filter((text) => journal.split(`\n${text}\n\n`).length === 2)).toEqual(texts);
    expect(journal.match(/\(Additional comments\)\n/g)).toHaveLength(20);
    const stored = await records().get("incident", incident["sys_id"] ?? "");
    expect(stored?.["sys_mod_count"]).toBe("21");
  });

  it("checks the incident table's write ACL, not only the role: itil without write is refused, nothing written", async () => {
    const [incident = {}] = await seedRecords(dynamo, "incident", [{ number: "INC0010014" }]);
    await withAcl(
      dynamo,
      { table: "incident", read: ["itil"], create: ["itil"], write: ["admin"], delete: ["admin"] },
      async () => {
        const denied = await comment("INC0010014", { work_notes: "sneaky" });
        expect(denied.status).toBe(403);
        expect(denied.body).toEqual({
          error: { message: "Operation Failed", detail: "ACL Exception Update Failed due to security constraints" },
          status: "failure",
        });
      },
    );
    const allowed = await comment("INC0010014", { comments: "after" });
    expect(resultOf(allowed)["work_notes"]).toBe("");
    expect(resultOf(allowed)["sys_mod_count"]).toBe("1");
    expect(incident["sys_id"]).toBeDefined();
  });

  it("requires the itil role (admin passes)", async () => {
    const denied = await comment("INC0010001", { comments: "x" }, caller("kb.reader", ["knowledge"]));
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: { message: "User Not Authorized" } });
    expect((await comment("INC0010001", { comments: "x" }, caller("admin", ["admin"]))).status).toBe(200);
  });

  it("answers 404 for an unknown incident", async () => {
    const reply = await comment("INC9999999", { comments: "x" });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({
      error: { message: "No Record found", detail: "No incident with number or sys_id INC9999999" },
      status: "failure",
    });
  });

  it.each([
    ["no body", undefined],
    ["neither field", { note: "x" }],
    ["an empty comment", { comments: "   " }],
    ["a comment over 4000 characters", { comments: "x".repeat(4001) }],
  ])("answers 400 for %s", async (_label, body) => {
    const reply = await comment("INC0010001", body);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: { message: "Exception while reading request" }, status: "failure" });
  });

  it("is only a POST: other methods are not routed", () => {
    expect(() => apiEvent({ method: "GET", path: "/api/x_oidc/incident_ops/incident/INC0010001/comment" })).toThrow(
      /no route/,
    );
  });
});
