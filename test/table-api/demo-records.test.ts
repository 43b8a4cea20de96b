// The local stack's demo data: the incident ACL and incidents, seeded once and never over an edit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_INCIDENT_ACL, SEED_INCIDENT_SYS_ID, seedDemo } from "../../infra/local/demo-records";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf } from "./api-event";
import { createTableApiFixture, testClock, withAcl, type TableApiFixture } from "./fixture";

let dynamo: TestDynamo;
let api: TableApiFixture;

beforeAll(async () => {
  dynamo = await startDynamo();
  api = createTableApiFixture(dynamo);
  await seedDemo(dynamo.doc, dynamo.tables, testClock());
});

afterAll(async () => {
  await dynamo?.stop();
});

describe("seedDemo", () => {
  it("opens incident to itil (delete: admin) and serves the seed's curl incident", async () => {
    const reply = await api.call({
      method: "GET",
      path: `/api/now/table/incident/${SEED_INCIDENT_SYS_ID}`,
      caller: caller("oauth.admin", ["itil"]),
    });
    expect(reply.status).toBe(200);
    expect(resultOf(reply)).toMatchObject({
      sys_id: SEED_INCIDENT_SYS_ID,
      number: "INC0010001",
      short_description: expect.any(String),
      priority: expect.stringMatching(/^[1-5]$/),
      state: expect.any(String),
      caller_id: expect.any(String),
      sys_created_on: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      sys_mod_count: "0",
    });
    expect(DEMO_INCIDENT_ACL).toMatchObject({ read: ["itil"], create: ["itil"], write: ["itil"], delete: ["admin"] });
  });

  it("lists a few incidents numbered from INC0010001", async () => {
    const reply = await api.call({
      method: "GET",
      path: "/api/now/table/incident?sysparm_query=ORDERBYnumber&sysparm_fields=number",
      caller: caller("x", ["itil"]),
    });
    const numbers = resultOf<{ number: string }[]>(reply).map((r) => r.number);
    expect(numbers.length).toBeGreaterThanOrEqual(3);
    expect(numbers[0]).toBe("INC0010001");
  });

  it("does not overwrite records or the ACL when run again", async () => {
    // An incident of its own (not the seed's curl incident, which another test reads as seeded).
    const path = "/api/now/table/incident/e8caedcbc0a80164017df472f39eaed1";
    const edited = await api.call({ method: "PATCH", path, body: { state: "6" }, caller: caller("x", ["itil"]) });
    expect(resultOf(edited)).toMatchObject({ number: "INC0010003", state: "6" });
    const widened = { ...DEMO_INCIDENT_ACL, read: ["itil", "knowledge"] };
    await withAcl(dynamo, widened, async () => {
      await seedDemo(dynamo.doc, dynamo.tables, testClock());

      expect(resultOf(await api.call({ method: "GET", path, caller: caller("x", ["itil"]) }))["state"]).toBe("6");
      // The admin's ACL change survived too: knowledge may still read.
      expect((await api.call({ method: "GET", path, caller: caller("kb", ["knowledge"]) })).status).toBe(200);
    });
  });
});
