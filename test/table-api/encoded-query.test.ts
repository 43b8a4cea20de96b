// The encoded-query parser and matcher: examples, and properties over random input (fast-check).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MAX_CONDITIONS,
  MAX_QUERY_LENGTH,
  OPERATORS,
  parseEncodedQuery,
  type Condition,
  type EncodedQuery,
  type Operator,
} from "../../functions/table-api/encoded-query";
import { matches } from "../../functions/table-api/query-match";
import { startDynamo, type TestDynamo } from "../kit/dynamo";
import { caller } from "./api-event";
import { createTableApiFixture, putAcl, seedRecords, type TableApiFixture } from "./fixture";

const parsed = (input: string): EncodedQuery => {
  const result = parseEncodedQuery(input);
  if (!result.ok) throw new Error(`expected ${input} to parse: ${result.reason}`);
  return result.query;
};
const reason = (input: string): string => {
  const result = parseEncodedQuery(input);
  if (result.ok) throw new Error(`expected ${input} to be refused`);
  return result.reason;
};
const cond = (field: string, operator: Operator, value = "", values: string[] = []): Condition => ({
  field,
  operator,
  value,
  values,
});

describe("parseEncodedQuery", () => {
  it("reads ^ as AND, ^OR as OR with the previous condition, ^NQ as a new OR'ed group", () => {
    expect(parsed("active=true^priority<=2^ORpriority=5^NQstate=6")).toEqual({
      groups: [
        [[cond("active", "=", "true")], [cond("priority", "<=", "2"), cond("priority", "=", "5")]],
        [[cond("state", "=", "6")]],
      ],
      orderBy: [],
    });
  });

  it.each(OPERATORS.filter((op) => op !== "ISEMPTY" && op !== "ISNOTEMPTY"))("reads the %s operator", (operator) => {
    const query = parsed(`short_description${operator}a=b,c`);
    const values = operator === "IN" || operator === "NOT IN" ? ["a=b", "c"] : [];
    expect(query.groups).toEqual([[[cond("short_description", operator, "a=b,c", values)]]]);
  });

  it("reads ISEMPTY, ISNOTEMPTY, ORDERBY and ORDERBYDESC, and skips ^EQ and empty terms", () => {
    expect(parsed("^assigned_toISEMPTY^^closed_atISNOTEMPTY^ORDERBYDESCpriority^ORDERBYnumber^EQ")).toEqual({
      groups: [[[cond("assigned_to", "ISEMPTY")], [cond("closed_at", "ISNOTEMPTY")]]],
      orderBy: [
        { field: "priority", descending: true },
        { field: "number", descending: false },
      ],
    });
  });

  it("takes a field named like an operator keyword apart by case: ORDERBYdescription is ascending", () => {
    expect(parsed("ORDERBYdescription").orderBy).toEqual([{ field: "description", descending: false }]);
  });

  it("parses the empty query as no condition at all", () => {
    expect(parsed("")).toEqual({ groups: [], orderBy: [] });
  });

  it.each([
    ["^ORpriority=1", "^OR must follow a condition"],
    ["priorityBETWEEN1@3", "unsupported operator"],
    ["caller_id.name=Fred", "unsupported operator"],
    ["Priority=1", "must start with a field name"],
    ["=1", "must start with a field name"],
    ["assigned_toISEMPTYx", "ISEMPTY takes no value"],
    ["ORDERBYcaller_id.name", "invalid field to order by"],
    [`${"a".repeat(81)}=1`, "field name too long"],
  ])("refuses %s", (input, expected) => {
    expect(reason(input)).toContain(expected);
  });

  it("bounds the work: length, conditions", () => {
    expect(reason("a=1^".repeat(MAX_CONDITIONS + 1))).toContain(`at most ${MAX_CONDITIONS} conditions`);
    expect(reason("a".repeat(MAX_QUERY_LENGTH + 1))).toContain("longer than");
  });
});

// Random input: the parser is fed untrusted strings straight from the query string.
const TOKENS = [
  "^",
  "^OR",
  "^NQ",
  "^EQ",
  "ORDERBY",
  "ORDERBYDESC",
  "=",
  "!=",
  "<",
  "<=",
  ">",
  ">=",
  "IN",
  "NOT IN",
  "LIKE",
  "NOTLIKE",
  "STARTSWITH",
  "ENDSWITH",
  "ISEMPTY",
  "ISNOTEMPTY",
  "priority",
  "state",
  "a",
  "1",
  ",",
  " ",
  "",
  "\u0000",
  "é",
  "^^",
];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => parts.join(""));
const anyString = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 }), tokenSoup);

const fieldName = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);
const value = fc.string({ maxLength: 12 }).filter((v) => !v.includes("^"));
const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc
    .tuple(
      fieldName,
      fc.constantFrom<Operator>("=", "!=", "LIKE", "NOTLIKE", "STARTSWITH", "ENDSWITH", "<", "<=", ">", ">="),
      value,
    )
    // `a<` followed by `=5` reads as `a<=5` in ServiceNow's grammar too: the longest operator wins.
    .filter(([, operator, v]) => !((operator === "<" || operator === ">") && v.startsWith("=")))
    .map(([field, operator, v]) => cond(field, operator, v)),
  fc
    .tuple(
      fieldName,
      fc.constantFrom<Operator>("IN", "NOT IN"),
      fc.array(
        value.filter((v) => !v.includes(",")),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([field, operator, values]) => cond(field, operator, values.join(","), values)),
  fc
    .tuple(fieldName, fc.constantFrom<Operator>("ISEMPTY", "ISNOTEMPTY"))
    .map(([field, operator]) => cond(field, operator)),
);
const query: fc.Arbitrary<EncodedQuery> = fc.record({
  groups: fc.array(fc.array(fc.array(condition, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }), {
    maxLength: 3,
  }),
  orderBy: fc.array(fc.record({ field: fieldName, descending: fc.boolean() }), { maxLength: 3 }),
});

/** The inverse of the parser, for round trips. */
const encode = (q: EncodedQuery): string =>
  [
    q.groups
      .map((group) => group.map((anyOf) => anyOf.map((c) => `${c.field}${c.operator}${c.value}`).join("^OR")).join("^"))
      .join("^NQ"),
    ...q.orderBy.map((o) => `ORDERBY${o.descending ? "DESC" : ""}${o.field}`),
  ]
    .filter((part) => part !== "")
    .join("^");

describe("parseEncodedQuery properties", () => {
  it("never throws, whatever the input: it parses or gives a reason", () => {
    fc.assert(
      fc.property(anyString, (input) => {
        const result = parseEncodedQuery(input);
        expect(result.ok || result.reason.length > 0).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips every well-formed query", () => {
    fc.assert(
      fc.property(query, (q) => {
        expect(parsed(encode(q))).toEqual(q);
      }),
      { numRuns: 500 },
    );
  });

  it("matches IN like the equivalent ^OR chain, and != as the negation of =", () => {
    const record = fc.dictionary(fc.constantFrom("a", "b", "c"), fc.constantFrom("", "1", "2", "X", "x"));
    fc.assert(
      fc.property(record, fc.array(fc.constantFrom("1", "2", "x", ""), { minLength: 1, maxLength: 3 }), (r, values) => {
        const orChain = values.map((v) => `a=${v}`).join("^OR");
        expect(matches(parsed(`aIN${values.join(",")}`), r)).toBe(matches(parsed(orChain), r));
        expect(matches(parsed(`b!=${values[0]}`), r)).toBe(!matches(parsed(`b=${values[0]}`), r));
      }),
    );
  });

  it("evaluates any parsed query against any record without throwing", () => {
    const record = fc.dictionary(fieldName, fc.string({ maxLength: 8 }), { maxKeys: 5 });
    fc.assert(fc.property(query, record, (q, r) => typeof matches(q, r) === "boolean"));
  });
});

describe("sysparm_query through the Table API", () => {
  let dynamo: TestDynamo;
  let api: TableApiFixture;

  beforeAll(async () => {
    dynamo = await startDynamo();
    api = createTableApiFixture(dynamo);
    await putAcl(dynamo, { table: "incident", read: ["itil"] });
    await seedRecords(dynamo, "incident", [{ priority: "1", state: "2" }, { priority: "3" }]);
  });

  afterAll(async () => {
    await dynamo?.stop();
  });

  it("answers any random sysparm_query with 200 or a 400 envelope, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(anyString, async (input) => {
        const reply = await api.call({
          method: "GET",
          path: "/api/now/table/incident",
          query: { sysparm_query: input },
          caller: caller("beth.anglin", ["itil"]),
        });
        expect([200, 400], reply.raw).toContain(reply.status);
        if (reply.status === 400) {
          expect(reply.body).toMatchObject({ error: { message: "Invalid query" }, status: "failure" });
        }
      }),
      { numRuns: 150 },
    );
  });
});
