// The Table API as the Lambda wires it (its own ACL cache, no TTL override): a revoked role stops reading
// within 10 s of the ACL change, and the config table is not read on every request meanwhile.
import { noAttachmentBucket } from "../kit/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTableApi } from "../../functions/table-api/create-table-api";
import { capturingLogger } from "../kit/authorizer-fixture";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { manualClock } from "../kit/clock";
import { apiEvent, caller, parseReply } from "./api-event";
import { putAcl } from "./fixture";

let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

describe("an ACL change", () => {
  it("revokes a role's read within 10 s, and not sooner than the cache allows", async () => {
    const clock = manualClock(Date.UTC(2024, 4, 1, 9, 30, 0));
    const handler = createTableApi({
      attachments: noAttachmentBucket(),
      client: dynamo.doc,
      tables: dynamo.tables,
      logger: capturingLogger(),
      clock,
    });
    const contractor = caller("temp", ["u_contractor"]);
    const read = async () => {
      const { event } = apiEvent({ method: "GET", path: "/api/now/table/incident", caller: contractor });
      return parseReply(await handler(event)).status;
    };
    await putAcl(dynamo, { table: "incident", read: ["u_contractor"] });
    expect(await read()).toBe(200);

    await putAcl(dynamo, { table: "incident", read: ["itil"] });
    clock.advance(9_999);
    expect(await read()).toBe(200);
    clock.advance(1);
    expect(await read()).toBe(403);
  });
});
