// Table ACLs: the pure rule, then allow and deny per role and operation through the Table API.
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAllowed } from "../../functions/config/acl";
import { aclSchema, type AclOperation } from "../../functions/config/schema";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf, type TestCaller } from "./api-event";
import { createTableApiFixture, putAcl, seedRecords, type TableApiFixture } from "./fixture";

const incidentAcl = aclSchema.parse({
  table: "incident",
  read: ["itil", "knowledge"],
  create: ["itil"],
  write: ["itil"],
  delete: [],
});

describe("isAllowed", () => {
  it.each<[string, readonly string[], AclOperation, boolean]>([
    ["a listed role", ["itil"], "write", true],
    ["any one of the caller's roles", ["knowledge", "approver"], "read", true],
    ["a role listed for another operation only", ["knowledge"], "write", false],
    ["no roles", [], "read", false],
    ["an operation with no roles, for non-admins", ["itil"], "delete", false],
    ["admin, even where no role is listed", ["admin"], "delete", true],
    ["role names compared exactly", ["ITIL"], "read", false],
  ])("%s", (_label, roles, operation, expected) => {
    expect(isAllowed(incidentAcl, roles, operation)).toBe(expected);
  });

  it("denies everyone but admin on a table without an ACL", () => {
    expect(isAllowed(undefined, ["itil", "knowledge"], "read")).toBe(false);
    expect(isAllowed(undefined, ["admin"], "delete")).toBe(true);
  });
});

describe("ACLs through the Table API", () => {
  let dynamo: TestDynamo;
  let api: TableApiFixture;
  let existing: string;

  const itil = caller("beth.anglin", ["itil"]);
  const reader = caller("kb.reader", ["knowledge"]);
  const nobody = caller("no.roles", []);
  const admin = caller("admin", ["admin"]);

  beforeAll(async () => {
    dynamo = await startDynamo();
    api = createTableApiFixture(dynamo);
    await putAcl(dynamo, {
      table: "incident",
      read: ["itil", "knowledge"],
      create: ["itil"],
      write: ["itil"],
      delete: [],
    });
    const [seeded] = await seedRecords(dynamo, "incident", [{ number: "INC0000001" }]);
    existing = seeded?.["sys_id"] ?? "";
  });

  afterAll(async () => {
    await dynamo?.stop();
  });

  const attempt = (operation: AclOperation, who: TestCaller) => {
    const one = `/api/now/table/incident/${existing}`;
    switch (operation) {
      case "read":
        return api.call({ method: "GET", path: "/api/now/table/incident", caller: who });
      case "create":
        return api.call({
          method: "POST",
          path: "/api/now/table/incident",
          body: { short_description: "x" },
          caller: who,
        });
      case "write":
        return api.call({ method: "PATCH", path: one, body: { state: "2" }, caller: who });
      case "delete":
        return api.call({ method: "DELETE", path: `/api/now/table/incident/${"f".repeat(32)}`, caller: who });
    }
  };

  const VERB = { read: "Read", create: "Insert", write: "Update", delete: "Delete" } as const;

  it.each<[string, TestCaller, AclOperation, boolean]>([
    ["itil", itil, "read", true],
    ["itil", itil, "create", true],
    ["itil", itil, "write", true],
    ["itil", itil, "delete", false],
    ["knowledge", reader, "read", true],
    ["knowledge", reader, "create", false],
    ["knowledge", reader, "write", false],
    ["knowledge", reader, "delete", false],
    ["no roles", nobody, "read", false],
    ["no roles", nobody, "write", false],
    ["admin", admin, "read", true],
    ["admin", admin, "create", true],
    ["admin", admin, "write", true],
  ])("%s: %s allowed = %s", async (_label, who, operation, allowed) => {
    const reply = await attempt(operation, who);
    if (allowed) {
      expect(reply.status, reply.raw).toBeLessThan(300);
    } else {
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual({
        error: {
          message: "Operation Failed",
          detail: `ACL Exception ${VERB[operation]} Failed due to security constraints`,
        },
        status: "failure",
      });
    }
  });

  it("lets admin delete where the ACL lists no role (the 404 shows it got past the ACL)", async () => {
    expect((await attempt("delete", admin)).status).toBe(404);
  });

  it("checks the ACL before the record: a denied read of a missing record is 403, not 404", async () => {
    const reply = await api.call({ method: "GET", path: `/api/now/table/incident/${"0".repeat(32)}`, caller: nobody });
    expect(reply.status).toBe(403);
  });

  it("takes roles from the authorizer context only, never from the request", async () => {
    const reply = await api.call({
      method: "GET",
      path: "/api/now/table/incident?roles=admin&sysparm_roles=admin",
      headers: { "X-Roles": "admin", roles: "admin" },
      caller: nobody,
    });
    expect(reply.status).toBe(403);
  });

  it("applies an ACL change from the config table (read per request here; cached 10 s in Lambda)", async () => {
    const temp = caller("temp", ["u_contractor"]);
    expect((await attempt("read", temp)).status).toBe(403);
    await putAcl(dynamo, {
      table: "incident",
      read: ["itil", "knowledge", "u_contractor"],
      create: ["itil"],
      write: ["itil"],
    });
    const reply = await attempt("read", temp);
    expect(reply.status).toBe(200);
    expect(resultOf<unknown[]>(reply).length).toBeGreaterThan(0);
  });

  it("treats a table off the dictionary whose ACL item is invalid (and logged) as unknown: 400 Invalid table, admins included", async () => {
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.config,
        Item: { pk: "acl#u_kb_feedback", table: "u_kb_feedback", read: "itil" },
      }),
    );
    for (const who of [itil, admin]) {
      expect((await api.call({ method: "GET", path: "/api/now/table/u_kb_feedback", caller: who })).status).toBe(400);
    }
    expect(JSON.stringify(api.logger.lines)).toContain("ACL ignored");
  });

  it("closes a dictionary table whose ACL item is invalid to all but admin", async () => {
    await dynamo.doc.send(
      new PutCommand({ TableName: dynamo.tables.config, Item: { pk: "acl#problem", table: "problem", read: "itil" } }),
    );
    expect((await api.call({ method: "GET", path: "/api/now/table/problem", caller: itil })).status).toBe(403);
    expect((await api.call({ method: "GET", path: "/api/now/table/problem", caller: admin })).status).toBe(200);
  });
});
