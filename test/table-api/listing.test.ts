// Listing: encoded queries, filters, fields, ordering, X-Total-Count and Link pagination, and the request
// shapes existing ServiceNow clients (pysnow, Ansible's servicenow.itsm) send.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SORTED_MATCHES } from "../../functions/table-api/listing";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller, resultOf, type Reply } from "./api-event";
import { createTableApiFixture, putAcl, seedRecords, type TableApiFixture } from "./fixture";

let dynamo: TestDynamo;
let api: TableApiFixture;
let incidents: Record<string, string>[];

const itil = caller("beth.anglin", ["itil"]);
const TOTAL = 550;

const list = (path: string, query?: Record<string, string>): Promise<Reply> =>
  api.call({ method: "GET", path, query, caller: itil });

const records = (reply: Reply): Record<string, string>[] => {
  expect(reply.status, reply.raw).toBe(200);
  return resultOf<Record<string, string>[]>(reply);
};

/** The Link header as { rel: { sysparm_offset, sysparm_limit, url } }. */
function links(reply: Reply): Record<string, { offset: number; limit: number; url: URL }> {
  const header = reply.headers["Link"] ?? "";
  const parsed: Record<string, { offset: number; limit: number; url: URL }> = {};
  for (const part of header.split(",")) {
    const match = /^<([^>]+)>;rel="([a-z]+)"$/.exec(part);
    if (!match) throw new Error(`bad Link part ${part}`);
    const url = new URL(match[1] ?? "");
    parsed[match[2] ?? ""] = {
      offset: Number(url.searchParams.get("sysparm_offset")),
      limit: Number(url.searchParams.get("sysparm_limit")),
      url,
    };
  }
  return parsed;
}

beforeAll(async () => {
  dynamo = await startDynamo();
  api = createTableApiFixture(dynamo);
  await putAcl(dynamo, { table: "incident", read: ["itil"] });
  await putAcl(dynamo, { table: "problem", read: ["itil"] });
  incidents = await seedRecords(
    dynamo,
    "incident",
    Array.from({ length: TOTAL }, (_, i) => ({
      number: `INC${String(10_001 + i).padStart(7, "0")}`,
      priority: String((i % 5) + 1),
      state: i % 3 === 0 ? "6" : "2",
      short_description: i % 10 === 0 ? `VPN outage ${i}` : `Printer issue ${i}`,
      category: i % 2 === 0 ? "network" : "hardware",
      ...(i % 7 === 0 ? { assigned_to: "Luke Wilson" } : {}),
    })),
  );
  // Another table in the same DynamoDB partition space must never leak into incident listings.
  await seedRecords(dynamo, "problem", [{ number: "PRB0000001" }]);
});

afterAll(async () => {
  await dynamo?.stop();
});

describe("pagination", () => {
  it("counts all matches in X-Total-Count and pages in sys_id order with first/next/last links", async () => {
    const reply = await list("/api/now/table/incident?sysparm_limit=1");
    expect(records(reply)).toHaveLength(1);
    expect(reply.headers["X-Total-Count"]).toBe("550");
    const rel = links(reply);
    expect(Object.keys(rel)).toEqual(["first", "next", "last"]);
    expect(rel["first"]).toMatchObject({ offset: 0, limit: 1 });
    expect(rel["next"]).toMatchObject({ offset: 1, limit: 1 });
    expect(rel["last"]).toMatchObject({ offset: 549, limit: 1 });
    expect(rel["next"]?.url.origin + rel["next"]!.url.pathname).toBe("https://snow.example.com/api/now/table/incident");
  });

  it("links prev from a middle page, and none past the last", async () => {
    const middle = links(await list("/api/now/table/incident?sysparm_limit=100&sysparm_offset=200"));
    expect(middle["prev"]).toMatchObject({ offset: 100 });
    expect(middle["next"]).toMatchObject({ offset: 300 });
    expect(middle["last"]).toMatchObject({ offset: 500 });

    const lastPage = await list("/api/now/table/incident?sysparm_limit=100&sysparm_offset=500");
    expect(records(lastPage)).toHaveLength(50);
    expect(Object.keys(links(lastPage))).toEqual(["first", "prev", "last"]);
  });

  it("keeps the other query parameters in the links", async () => {
    const rel = links(
      await list("/api/now/table/incident", { sysparm_query: "priority=1^ORDERBYnumber", sysparm_limit: "10" }),
    );
    expect(rel["next"]?.url.searchParams.get("sysparm_query")).toBe("priority=1^ORDERBYnumber");
    expect(rel["last"]).toMatchObject({ offset: 100 });
  });

  it("walks every record exactly once, page by page", async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < TOTAL; offset += 120) {
      seen.push(
        ...records(await list(`/api/now/table/incident?sysparm_limit=120&sysparm_offset=${offset}`)).map(
          (r) => r["sys_id"] ?? "",
        ),
      );
    }
    expect(seen).toHaveLength(TOTAL);
    expect(new Set(seen).size).toBe(TOTAL);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen)).toEqual(new Set(incidents.map((r) => r["sys_id"])));
  });

  it("drops the Link header with sysparm_suppress_pagination_header=True, keeps X-Total-Count", async () => {
    const reply = await list("/api/now/table/incident?sysparm_limit=5&sysparm_suppress_pagination_header=True");
    expect(reply.headers["Link"]).toBeUndefined();
    expect(reply.headers["X-Total-Count"]).toBe("550");
  });

  it("answers an offset past the end with no records and the total", async () => {
    const reply = await list("/api/now/table/incident?sysparm_offset=10000");
    expect(records(reply)).toEqual([]);
    expect(reply.headers["X-Total-Count"]).toBe("550");
  });

  it("answers an empty table with no records, total 0 and first = last = 0", async () => {
    await putAcl(dynamo, { table: "change_request", read: ["itil"] });
    const reply = await list("/api/now/table/change_request");
    expect(records(reply)).toEqual([]);
    expect(reply.headers["X-Total-Count"]).toBe("0");
    expect(links(reply)["last"]).toMatchObject({ offset: 0 });
  });

  it("defaults sysparm_limit to 10000 and treats empty parameters as their default", async () => {
    const reply = await list("/api/now/table/incident?sysparm_limit=&sysparm_offset=&sysparm_query=&sysparm_fields=");
    expect(records(reply)).toHaveLength(TOTAL);
    expect(links(reply)["first"]).toMatchObject({ limit: 10_000 });
  });

  it.each([
    ["sysparm_limit=0", "sysparm_limit must be an integer of at least 1"],
    ["sysparm_limit=ten", "sysparm_limit must be an integer of at least 1"],
    ["sysparm_offset=-1", "sysparm_offset must be an integer of at least 0"],
    ["sysparm_suppress_pagination_header=yes", "sysparm_suppress_pagination_header must be true or false"],
    ["sysparm_display_value=maybe", "sysparm_display_value must be true, false or all"],
    ["sysparm_fields=caller_id.name", 'sysparm_fields: "caller_id.name" is not a field name'],
    ["Caller=bob", '"Caller" is neither a sysparm_ parameter nor a field name'],
  ])("answers 400 for %s", async (query, detail) => {
    const reply = await list(`/api/now/table/incident?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: { message: "Invalid query parameter", detail }, status: "failure" });
  });

  it("accepts sysparms it does not know, as ServiceNow does", async () => {
    const reply = await list("/api/now/table/incident?sysparm_limit=1&sysparm_view=ess&sysparm_no_count=false");
    expect(records(reply)).toHaveLength(1);
  });
});

describe("sysparm_query and filters", () => {
  const numbers = (reply: Reply): string[] => records(reply).map((r) => r["number"] ?? "");
  const count = async (query: string): Promise<number> =>
    Number(
      (await list("/api/now/table/incident", { sysparm_query: query, sysparm_limit: "1" })).headers["X-Total-Count"],
    );
  const expected = (predicate: (r: Record<string, string>) => boolean): number => incidents.filter(predicate).length;

  it.each<[string, (r: Record<string, string>) => boolean]>([
    ["priority=1", (r) => r["priority"] === "1"],
    ["priority!=1", (r) => r["priority"] !== "1"],
    ["short_descriptionLIKEvpn", (r) => /vpn/i.test(r["short_description"] ?? "")],
    ["short_descriptionNOTLIKEvpn", (r) => !/vpn/i.test(r["short_description"] ?? "")],
    ["short_descriptionSTARTSWITHprinter", (r) => (r["short_description"] ?? "").startsWith("Printer")],
    ["numberENDSWITH5", (r) => (r["number"] ?? "").endsWith("5")],
    ["priorityIN1,2", (r) => ["1", "2"].includes(r["priority"] ?? "")],
    ["priorityNOT IN1,2", (r) => !["1", "2"].includes(r["priority"] ?? "")],
    ["assigned_toISEMPTY", (r) => r["assigned_to"] === undefined],
    ["assigned_toISNOTEMPTY", (r) => r["assigned_to"] !== undefined],
    ["priority<3", (r) => Number(r["priority"]) < 3],
    ["priority<=3", (r) => Number(r["priority"]) <= 3],
    ["priority>3", (r) => Number(r["priority"]) > 3],
    ["priority>=3", (r) => Number(r["priority"]) >= 3],
    ["sys_created_on>=2024-01-01 00:05:00", (r) => (r["sys_created_on"] ?? "") >= "2024-01-01 00:05:00"],
    ["priority=1^state=6", (r) => r["priority"] === "1" && r["state"] === "6"],
    ["priority=1^ORpriority=2^state=6", (r) => ["1", "2"].includes(r["priority"] ?? "") && r["state"] === "6"],
    [
      "priority=1^state=6^NQcategory=network^priority=5",
      (r) => (r["priority"] === "1" && r["state"] === "6") || (r["category"] === "network" && r["priority"] === "5"),
    ],
    ["^priority=1^^EQ", (r) => r["priority"] === "1"],
  ])("%s", async (query, predicate) => {
    const want = expected(predicate);
    expect(want).toBeGreaterThan(0);
    expect(await count(query)).toBe(want);
  });

  it("matches text without regard to case, as ServiceNow's database does", async () => {
    expect(await count("category=NETWORK")).toBe(expected((r) => r["category"] === "network"));
  });

  it("ANDs plain name=value parameters with sysparm_query", async () => {
    const reply = await list("/api/now/table/incident", {
      sysparm_query: "priority=1",
      category: "network",
      sysparm_limit: "1",
    });
    expect(reply.headers["X-Total-Count"]).toBe(
      String(expected((r) => r["priority"] === "1" && r["category"] === "network")),
    );
  });

  it("answers 400 Invalid query for a malformed sysparm_query", async () => {
    const reply = await list("/api/now/table/incident", { sysparm_query: "priorityBETWEEN1" });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      error: { message: "Invalid query", detail: expect.stringContaining("sysparm_query") },
    });
  });

  it("orders by ORDERBY / ORDERBYDESC, numbers as numbers, ties by sys_id", async () => {
    const asc = numbers(
      await list("/api/now/table/incident", { sysparm_query: "priorityIN1,2^ORDERBYnumber", sysparm_limit: "5" }),
    );
    const want = incidents
      .filter((r) => ["1", "2"].includes(r["priority"] ?? ""))
      .map((r) => r["number"] ?? "")
      .sort();
    expect(asc).toEqual(want.slice(0, 5));

    const desc = records(
      await list("/api/now/table/incident", {
        sysparm_query: "ORDERBYDESCpriority^ORDERBYnumber",
        sysparm_limit: "3",
        sysparm_offset: "1",
      }),
    );
    expect(desc.map((r) => r["priority"])).toEqual(["5", "5", "5"]);
    expect(desc.map((r) => r["number"])).toEqual(
      incidents
        .filter((r) => r["priority"] === "5")
        .map((r) => r["number"])
        .sort()
        .slice(1, 4),
    );
  });

  it("pages a sorted listing consistently", async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < TOTAL; offset += 200) {
      seen.push(
        ...numbers(
          await list("/api/now/table/incident", {
            sysparm_query: "ORDERBYDESCnumber",
            sysparm_limit: "200",
            sysparm_offset: String(offset),
          }),
        ),
      );
    }
    expect(seen).toEqual(
      incidents
        .map((r) => r["number"] ?? "")
        .sort()
        .reverse(),
    );
  });

  it("returns only sysparm_fields, in their order", async () => {
    const [first] = records(await list("/api/now/table/incident?sysparm_fields=number,sys_id&sysparm_limit=1"));
    expect(Object.keys(first ?? {})).toEqual(["number", "sys_id"]);
  });

  it(`refuses to sort more than ${MAX_SORTED_MATCHES} matches, with a 400 that says what to do`, async () => {
    // One record past the real cap, in a table of its own.
    await putAcl(dynamo, { table: "u_big", read: ["itil"] });
    await seedRecords(
      dynamo,
      "u_big",
      Array.from({ length: MAX_SORTED_MATCHES + 1 }, (_, i) => ({ n: String(i) })),
    );
    const sorted = await list("/api/now/table/u_big", { sysparm_query: "ORDERBYn", sysparm_limit: "1" });
    expect(sorted.status).toBe(400);
    expect(sorted.body).toMatchObject({
      error: { message: "Too many records to sort", detail: expect.stringContaining("narrow sysparm_query") },
    });
    // The same table pages fine in key order, and with a filter narrow enough to sort.
    const unsorted = await list("/api/now/table/u_big", { sysparm_limit: "1" });
    expect(unsorted.headers["X-Total-Count"]).toBe(String(MAX_SORTED_MATCHES + 1));
    const narrow = await list("/api/now/table/u_big", {
      sysparm_query: "nSTARTSWITH99^ORDERBYDESCn",
      sysparm_limit: "2",
    });
    expect(records(narrow).map((r) => r["n"])).toEqual(["9999", "9998"]);
  }, 60_000);
});

describe("existing ServiceNow clients", () => {
  it("pysnow: its default parameters (limit 10000, False booleans, empty fields and query) list everything", async () => {
    // What pysnow's ParamsBuilder sends for resource.get(query={}).all().
    const reply = await list(
      "/api/now/table/incident?sysparm_query=&sysparm_limit=10000&sysparm_offset=0&sysparm_display_value=False" +
        "&sysparm_suppress_pagination_header=False&sysparm_exclude_reference_link=False&sysparm_view=&sysparm_fields=",
    );
    expect(records(reply)).toHaveLength(TOTAL);
    expect(reply.headers["X-Total-Count"]).toBe("550");
  });

  it("pysnow: update = GET by a dict query (name=value^...), then PUT to the record's sys_id", async () => {
    const [found] = records(
      await list("/api/now/table/incident", {
        sysparm_query: "number=INC0010007^category=network",
        sysparm_limit: "10000",
      }),
    );
    expect(found?.["number"]).toBe("INC0010007");
    const updated = await api.call({
      method: "PUT",
      path: `/api/now/table/incident/${found?.["sys_id"]}`,
      body: { work_notes: "updated by pysnow" },
      caller: caller("svc.pysnow", ["itil"]),
    });
    // This ACL grants itil read only.
    expect(updated.status).toBe(403);
    await putAcl(dynamo, { table: "incident", read: ["itil"], write: ["itil"] });
    const retried = await api.call({
      method: "PUT",
      path: `/api/now/table/incident/${found?.["sys_id"]}`,
      body: { work_notes: "updated by pysnow" },
      caller: caller("svc.pysnow", ["itil"]),
    });
    expect(resultOf(retried)).toMatchObject({
      number: "INC0010007",
      work_notes: expect.stringMatching(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - svc\.pysnow \(Work notes\)\nupdated by pysnow\n\n$/,
      ),
      sys_updated_by: "svc.pysnow",
    });
  });

  it("Ansible servicenow.itsm: pages by X-Total-Count with sysparm_limit/sysparm_offset and name=value filters", async () => {
    // TableClient.list_records: while offset < total: GET ?<filters>&sysparm_exclude_reference_link=true
    // &sysparm_limit=<batch>&sysparm_offset=<offset>; total = int(headers["x-total-count"]).
    const batch = 100;
    const result: Record<string, string>[] = [];
    let offset = 0;
    let total = 1;
    let requests = 0;
    while (offset < total) {
      const reply = await list(
        `/api/now/table/incident?category=network&sysparm_exclude_reference_link=true&sysparm_limit=${batch}&sysparm_offset=${offset}`,
      );
      result.push(...records(reply));
      total = Number(Object.entries(reply.headers).find(([name]) => name.toLowerCase() === "x-total-count")?.[1]);
      offset += batch;
      requests += 1;
    }
    const want = incidents.filter((r) => r["category"] === "network");
    expect(result.map((r) => r["sys_id"]).sort()).toEqual(want.map((r) => r["sys_id"]).sort());
    expect(requests).toBe(Math.ceil(want.length / batch));
  });

  it("the pysnow/Ansible shape of the issue: limit 10000, offset 0, display_value False, empty fields", async () => {
    const reply = await list(
      "/api/now/table/incident?sysparm_limit=10000&sysparm_offset=0&sysparm_display_value=False&sysparm_fields=",
    );
    const all = records(reply);
    expect(all).toHaveLength(Number(reply.headers["X-Total-Count"]));
    expect(all[0]).toMatchObject({
      sys_id: expect.any(String),
      number: expect.any(String),
      sys_mod_count: expect.stringMatching(/^\d+$/),
    });
    expect(all.find((r) => r["number"] === "PRB0000001")).toBeUndefined();
  });
});
