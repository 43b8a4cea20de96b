// Every number the README promises about the Table API (its Limits paragraph, the 413 row, how soon an
// ACL change applies), held twice: the README states the constant the code uses, and the Table API keeps it,
// at the exact boundary, against dynalite.
import { noAttachmentBucket } from "../kit/s3";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../functions/http/request-body";
import { MAX_ITEM_BYTES } from "../../functions/records/store";
import { createTableApi, TABLE_API_CONFIG_TTL_MS } from "../../functions/table-api/create-table-api";
import { MAX_RESPONSE_BYTES } from "../../functions/table-api/listing";
import { capturingLogger } from "../kit/authorizer-fixture";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { apiEvent, caller, parseReply, resultOf, type EventInput, type Reply } from "../table-api/api-event";
import { putAcl, seedRecords, testClock } from "../table-api/fixture";
import { readmeCell, readmeMatch, readmeSection, readmeText, sizeBytes, durationMs } from "./readme-text";

const TABLE_API = readmeSection("### Table API");
const LIMITS = readmeText(/\*\*Limits\.\*\* (.*?) \*\*Errors\*\*/, TABLE_API);
const itil = caller("beth.anglin", ["itil"]);

let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
  for (const table of ["incident", "page_at_limit", "page_over_limit"]) {
    await putAcl(dynamo, { table, read: ["itil"], create: ["itil"], write: ["itil"] });
  }
});
afterAll(() => dynamo?.stop());

/** The Table API as its Lambda handler builds it: the default ACL cache, here on a manual clock. */
function tableApi(clock = testClock()) {
  const handler = createTableApi({
    attachments: noAttachmentBucket(),
    client: dynamo.doc,
    tables: dynamo.tables,
    logger: capturingLogger(),
    clock,
  });
  return {
    clock,
    call: async (input: EventInput): Promise<Reply> => parseReply(await handler(apiEvent(input).event)),
  };
}

const post = (body: string) => tableApi().call({ method: "POST", path: "/api/now/table/incident", body, caller: itil });

/**
 * An item's size as DynamoDB documents it: each attribute's name plus its value, strings in UTF-8 bytes,
 * numbers about one byte per two significant digits plus one.
 */
function dynamoItemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name, "utf8");
    if (typeof value === "number")
      bytes += Math.ceil(String(value).length / 2) + 1; // sys_mod_count, a small integer
    else bytes += Buffer.byteLength(String(value), "utf8");
  }
  return bytes;
}

async function storedItem(sysId: string): Promise<Record<string, unknown>> {
  const { Item } = await dynamo.doc.send(
    new GetCommand({ TableName: dynamo.tables.records, Key: { table: "incident", sys_id: sysId } }),
  );
  if (!Item) throw new Error(`no incident ${sysId}`);
  return Item;
}

describe("request body: up to 1 MiB, 413 beyond", () => {
  it("is what the README states, in Limits and the 413 row", () => {
    expect(sizeBytes(readmeText(/A request body may be up to (\d+ MiB)/, LIMITS))).toBe(MAX_BODY_BYTES);
    expect(readmeText(/beyond either: (\d+)/, LIMITS)).toBe("413");
    const when = readmeCell(TABLE_API, "413", "when");
    expect(sizeBytes(readmeText(/body over (\d+ MiB)/, when))).toBe(MAX_BODY_BYTES);
  });

  it("takes a body of exactly 1 MiB and refuses one byte more with 413", async () => {
    // JSON may carry any amount of whitespace: the body is large, the record it holds small.
    const bodyOf = (bytes: number) => {
      const fields = '{"short_description":"body at the limit"';
      return `${fields}${" ".repeat(bytes - fields.length - 1)}}`;
    };
    expect(Buffer.byteLength(bodyOf(MAX_BODY_BYTES))).toBe(MAX_BODY_BYTES);

    const atLimit = await post(bodyOf(MAX_BODY_BYTES));
    expect(atLimit.status, atLimit.raw).toBe(201);
    expect(resultOf(atLimit)).toMatchObject({ short_description: "body at the limit" });

    const over = await post(bodyOf(MAX_BODY_BYTES + 1));
    expect(over.status).toBe(413);
    expect(over.body).toEqual({
      error: { message: "Request Entity Too Large", detail: `The request body exceeds ${MAX_BODY_BYTES} bytes.` },
      status: "failure",
    });
  });
});

describe("record: up to 400 KB (DynamoDB's item limit), 413 beyond", () => {
  it("is what the README states, in Limits and the 413 row", () => {
    expect(sizeBytes(readmeText(/a record up to (\d+ KB) \(DynamoDB's item limit\)/, LIMITS))).toBe(MAX_ITEM_BYTES);
    const when = readmeCell(TABLE_API, "413", "when");
    expect(sizeBytes(readmeText(/record over (\d+ KB)/, when))).toBe(MAX_ITEM_BYTES);
  });

  it("stores a record of exactly 400 KB as DynamoDB counts it, and refuses one byte more with 413", async () => {
    // What a record costs besides its description: the key, the system fields, the attribute names.
    const probe = await post(JSON.stringify({ description: "" }));
    expect(probe.status, probe.raw).toBe(201);
    const overhead = dynamoItemBytes(await storedItem(resultOf(probe)["sys_id"] ?? ""));
    const descriptionOf = (itemBytes: number) => "d".repeat(itemBytes - overhead);

    const atLimit = await post(JSON.stringify({ description: descriptionOf(MAX_ITEM_BYTES) }));
    expect(atLimit.status, atLimit.raw.slice(0, 300)).toBe(201);
    expect(dynamoItemBytes(await storedItem(resultOf(atLimit)["sys_id"] ?? ""))).toBe(MAX_ITEM_BYTES);

    const over = await post(JSON.stringify({ description: descriptionOf(MAX_ITEM_BYTES + 1) }));
    expect(over.status).toBe(413);
    expect(over.body).toEqual({
      error: { message: "Request Entity Too Large", detail: `A record may hold at most ${MAX_ITEM_BYTES} bytes` },
      status: "failure",
    });
  });
});

describe("page of results: up to 4 MiB, 400 beyond", () => {
  it("is what the README states", () => {
    const [size = "", status = ""] = readmeMatch(
      /A page of results may be up to (\d+ MiB); beyond that: (\d+)/,
      LIMITS,
    );
    expect(sizeBytes(size)).toBe(MAX_RESPONSE_BYTES);
    expect(status).toBe("400");
  });

  /**
   * Records whose page, as `sysparm_fields=description` returns it, is `bytes` long: each record's JSON,
   * `{"description":"..."}`, and the comma after it. Eleven records keep each under the item limit.
   */
  function descriptionsFor(bytes: number, count = 11): string[] {
    const perRecord = JSON.stringify({ description: "" }).length + 1;
    const total = bytes - count * perRecord;
    return Array.from({ length: count }, (_, i) =>
      "p".repeat(Math.floor(total / count) + (i === count - 1 ? total % count : 0)),
    );
  }

  const pageBytes = (records: readonly unknown[]) =>
    records.reduce<number>((sum, record) => sum + Buffer.byteLength(JSON.stringify(record)) + 1, 0);

  it("returns a page of exactly 4 MiB, and refuses one a byte larger with 400", async () => {
    const atLimit = descriptionsFor(MAX_RESPONSE_BYTES);
    const over = descriptionsFor(MAX_RESPONSE_BYTES + 1);
    await seedRecords(
      dynamo,
      "page_at_limit",
      atLimit.map((description) => ({ description })),
    );
    await seedRecords(
      dynamo,
      "page_over_limit",
      over.map((description) => ({ description })),
    );
    const api = tableApi();
    const list = (table: string) =>
      api.call({ method: "GET", path: `/api/now/table/${table}?sysparm_fields=description`, caller: itil });

    const full = await list("page_at_limit");
    expect(full.status).toBe(200);
    const records = resultOf<{ description: string }[]>(full);
    expect(records.map((record) => record.description).sort()).toEqual([...atLimit].sort());
    expect(pageBytes(records)).toBe(MAX_RESPONSE_BYTES);

    const tooLarge = await list("page_over_limit");
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body).toMatchObject({ error: { message: "Response too large" }, status: "failure" });
  });
});

describe("ACLs: changes apply within 10 seconds", () => {
  it("is what the README states", () => {
    expect(durationMs(readmeText(/Changes apply within (\d+ seconds)/, readmeSection("### ACLs")))).toBe(
      TABLE_API_CONFIG_TTL_MS,
    );
  });

  it("keeps the ACL it read for 10 s, not a millisecond more", async () => {
    const api = tableApi();
    const read = () => api.call({ method: "GET", path: "/api/now/table/acl_probe", caller: itil });
    await putAcl(dynamo, { table: "acl_probe", read: ["itil"] });
    expect((await read()).status).toBe(200);
    const readAt = api.clock.t;

    api.clock.advance(1_000);
    await putAcl(dynamo, { table: "acl_probe", read: ["problem_viewer"] });
    api.clock.t = readAt + TABLE_API_CONFIG_TTL_MS - 1;
    expect((await read()).status).toBe(200);

    api.clock.t = readAt + TABLE_API_CONFIG_TTL_MS;
    const denied = await read();
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ status: "failure" });
  });
});
