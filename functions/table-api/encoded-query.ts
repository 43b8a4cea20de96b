// ServiceNow encoded queries (`active=true^priority<=2^ORpriority=5^ORDERBYDESCnumber`) parsed into
// conditions. Untrusted input: parsing never throws, it returns a reason the caller answers with a 400.

/**
 * Every operator spelling ServiceNow documents for encoded queries, including the older ones without a
 * space (NOTLIKE, NOTIN). Operators are upper case and case-sensitive, as ServiceNow reads them.
 */
export const OPERATORS = [
  "=",
  "!=",
  "LIKE",
  "NOT LIKE",
  "NOTLIKE",
  "STARTSWITH",
  "ENDSWITH",
  "IN",
  "NOT IN",
  "NOTIN",
  "ISEMPTY",
  "ISNOTEMPTY",
  "EMPTYSTRING",
  "ANYTHING",
  "<",
  "<=",
  ">",
  ">=",
  "BETWEEN",
  "SAMEAS",
  "NSAMEAS",
  "GT_FIELD",
  "LT_FIELD",
  "GT_OR_EQUALS_FIELD",
  "LT_OR_EQUALS_FIELD",
  "ON",
  "NOTON",
] as const;
export type Operator = (typeof OPERATORS)[number];

/** Operators that take no value. */
const UNARY: ReadonlySet<Operator> = new Set<Operator>(["ISEMPTY", "ISNOTEMPTY", "EMPTYSTRING", "ANYTHING"]);
/** Operators whose value is a list, comma-separated. */
export const LIST_OPERATORS: ReadonlySet<Operator> = new Set<Operator>(["IN", "NOT IN", "NOTIN"]);
/** Operators whose value names another field of the same record. */
const FIELD_OPERATORS: ReadonlySet<Operator> = new Set<Operator>([
  "SAMEAS",
  "NSAMEAS",
  "GT_FIELD",
  "LT_FIELD",
  "GT_OR_EQUALS_FIELD",
  "LT_OR_EQUALS_FIELD",
]);
/** Operators whose value is a range, `from@to` (BETWEEN), or `label@from@to` (ON, NOTON: a day or period). */
const RANGE_OPERATORS: ReadonlySet<Operator> = new Set<Operator>(["BETWEEN", "ON", "NOTON"]);

/**
 * Longest first, so `<=` wins over `<` and `ISNOTEMPTY` over nothing shorter. A field name is lowercase,
 * so the operator (uppercase or a symbol) starts exactly where the name ends.
 */
const OPERATORS_BY_LENGTH: readonly Operator[] = [...OPERATORS].sort((a, b) => b.length - a.length);

export interface Condition {
  readonly field: string;
  readonly operator: Operator;
  /**
   * The raw value; for IN and NOT IN the comma-separated list, split into `values`; for BETWEEN, ON and
   * NOTON the range's two ends (dates as `YYYY-MM-DD HH:MM:SS`).
   */
  readonly value: string;
  readonly values: readonly string[];
}

export interface OrderBy {
  readonly field: string;
  readonly descending: boolean;
}

/**
 * OR over `^NQ` groups; each group is an AND over terms; each term an OR over `^OR` conditions.
 * No groups means no condition: everything matches.
 */
export interface EncodedQuery {
  readonly groups: readonly (readonly (readonly Condition[])[])[];
  readonly orderBy: readonly OrderBy[];
}

type ParseResult =
  | { readonly ok: true; readonly query: EncodedQuery }
  | { readonly ok: false; readonly reason: string };

/** Field names as the Table API stores them: ServiceNow column names. */
export const FIELD_NAME = /^[a-z][a-z0-9_]{0,79}$/;
/** A field of a query: a column, or a reference column and a column of the record it references (one level). */
const QUERY_FIELD = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?/;

// Bounds on work per request: a query string is at most a few KB behind API Gateway anyway.
export const MAX_QUERY_LENGTH = 16 * 1024;
export const MAX_CONDITIONS = 200;
const MAX_IN_VALUES = 1000;
const MAX_ORDER_BY = 10;

const fail = (reason: string): ParseResult => ({ ok: false, reason });

/** Parses `sysparm_query`. Never throws. */
export function parseEncodedQuery(input: string): ParseResult {
  if (input.length > MAX_QUERY_LENGTH) return fail(`the query is longer than ${MAX_QUERY_LENGTH} characters`);
  const groups: Condition[][][] = [];
  const orderBy: OrderBy[] = [];
  let group: Condition[][] = [];
  let conditions = 0;

  // A value cannot contain `^`: it always separates terms.
  for (const token of input.split("^")) {
    // Empty terms (`^` at either end, `^^`) and ServiceNow's end-of-query marker carry no condition.
    if (token === "" || token === "EQ") continue;
    if (token.startsWith("ORDERBY")) {
      const descending = token.startsWith("ORDERBYDESC");
      const field = token.slice(descending ? "ORDERBYDESC".length : "ORDERBY".length);
      if (!FIELD_NAME.test(field)) return fail(`invalid field to order by: ${quote(field)}`);
      if (orderBy.length >= MAX_ORDER_BY) return fail(`at most ${MAX_ORDER_BY} ORDERBY terms`);
      orderBy.push({ field, descending });
      continue;
    }
    let text = token;
    let kind: "and" | "or" = "and";
    if (text.startsWith("NQ")) {
      if (group.length > 0) groups.push(group);
      group = [];
      text = text.slice(2);
      if (text === "") continue;
    } else if (text.startsWith("OR")) {
      kind = "or";
      text = text.slice(2);
    }
    const parsed = parseCondition(text);
    if (typeof parsed === "string") return fail(parsed);
    conditions += 1;
    if (conditions > MAX_CONDITIONS) return fail(`at most ${MAX_CONDITIONS} conditions`);
    const last = group.at(-1);
    if (kind === "or") {
      if (last === undefined) return fail("^OR must follow a condition");
      last.push(parsed);
    } else {
      group.push([parsed]);
    }
  }
  if (group.length > 0) groups.push(group);
  return { ok: true, query: { groups, orderBy } };
}

/** One condition, `field` `operator` `value`, or a reason it is not one. */
function parseCondition(text: string): Condition | string {
  const field = QUERY_FIELD.exec(text)?.[0];
  if (field === undefined) return `a condition must start with a field name: ${quote(text)}`;
  if (!field.split(".").every((part) => FIELD_NAME.test(part))) return `field name too long: ${quote(field)}`;
  const rest = text.slice(field.length);
  const operator = OPERATORS_BY_LENGTH.find((candidate) => rest.startsWith(candidate));
  if (operator === undefined) return `unsupported operator in ${quote(text)}`;
  const value = rest.slice(operator.length);
  if (UNARY.has(operator) && value !== "") return `${operator} takes no value: ${quote(text)}`;
  let values: string[] = [];
  if (LIST_OPERATORS.has(operator)) {
    values = value.split(",");
    if (values.length > MAX_IN_VALUES) return `at most ${MAX_IN_VALUES} values for ${operator}`;
  } else if (FIELD_OPERATORS.has(operator)) {
    if (!FIELD_NAME.test(value)) return `${operator} compares with another field: ${quote(text)}`;
  } else if (RANGE_OPERATORS.has(operator)) {
    const range = rangeOf(operator, value);
    if (typeof range === "string") return `${range}: ${quote(text)}`;
    values = range;
  }
  return { field, operator, value, values };
}

/** `gs.dateGenerate('2024-05-01','start')` (ServiceNow's form for a fixed day), or a date or date-time as it is. */
const DATE_GENERATE = /^javascript:gs\.dateGenerate\('(\d{4}-\d{2}-\d{2})','(start|end|\d{2}:\d{2}:\d{2})'\)$/;
const LITERAL_DATE = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/;

function dateBound(text: string): string | undefined {
  const generated = DATE_GENERATE.exec(text);
  if (generated) {
    const time = generated[2] === "start" ? "00:00:00" : generated[2] === "end" ? "23:59:59" : generated[2];
    return `${generated[1]} ${time}`;
  }
  return LITERAL_DATE.test(text) ? text : undefined;
}

/** The two ends of a BETWEEN (`a@b`) or ON/NOTON (`label@start@end`) range, or what is wrong with it. */
function rangeOf(operator: Operator, value: string): string[] | string {
  const parts = value.split("@");
  if (operator === "BETWEEN") return parts.length === 2 ? parts : "BETWEEN takes two values, from@to";
  const [from, to] = parts.slice(1).map(dateBound);
  if (parts.length !== 3 || from === undefined || to === undefined) {
    // Relative periods (gs.beginningOfToday() and the like) need the instance's scripts: not supported.
    return `${operator} takes label@start@end with fixed dates (gs.dateGenerate or YYYY-MM-DD)`;
  }
  return [from, to];
}

/** A fragment of the caller's query for an error detail, bounded so a huge query is not echoed whole. */
const quote = (text: string): string => JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}...` : text);

/** An equality condition (`?user_name=bob` query parameters are these). */
export const equals = (field: string, value: string): Condition => ({ field, operator: "=", value, values: [] });

/** ANDs extra conditions into every group of a query (or makes them the only group). */
export function andAll(query: EncodedQuery, extra: readonly Condition[]): EncodedQuery {
  if (extra.length === 0) return query;
  const terms = extra.map((condition) => [condition]);
  const groups = query.groups.length === 0 ? [terms] : query.groups.map((group) => [...group, ...terms]);
  return { groups, orderBy: query.orderBy };
}
