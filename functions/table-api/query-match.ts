// Evaluates parsed encoded queries against records whose values are strings, as ServiceNow's database
// would: text comparisons ignore case (its default collation), an absent field is the empty value.
import type { FieldValues } from "../records/store";
import type { Condition, EncodedQuery, OrderBy } from "./encoded-query";

const NUMBER = /^-?\d+(\.\d+)?$/;

const fieldValue = (record: FieldValues, field: string): string =>
  Object.hasOwn(record, field) ? (record[field] ?? "") : "";

/**
 * Numbers compare as numbers when both sides are numbers (priority, sys_mod_count); everything else as
 * text, which also orders `YYYY-MM-DD HH:MM:SS` date-times correctly.
 */
function compareValues(a: string, b: string): number {
  if (NUMBER.test(a) && NUMBER.test(b)) return Math.sign(Number(a) - Number(b));
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function test(condition: Condition, raw: string, record: FieldValues): boolean {
  const value = raw.toLowerCase();
  const wanted = condition.value.toLowerCase();
  const other = (): string => fieldValue(record, condition.value);
  const [from = "", to = ""] = condition.values;
  switch (condition.operator) {
    case "=":
      return value === wanted;
    case "!=":
      return value !== wanted;
    case "LIKE":
      return value.includes(wanted);
    case "NOT LIKE":
    case "NOTLIKE":
      return !value.includes(wanted);
    case "STARTSWITH":
      return value.startsWith(wanted);
    case "ENDSWITH":
      return value.endsWith(wanted);
    case "IN":
      return condition.values.some((candidate) => candidate.toLowerCase() === value);
    case "NOT IN":
    case "NOTIN":
      return !condition.values.some((candidate) => candidate.toLowerCase() === value);
    // Values are strings: an unset field is the empty string, so EMPTYSTRING and ISEMPTY agree.
    case "ISEMPTY":
    case "EMPTYSTRING":
      return raw === "";
    case "ANYTHING":
      return true;
    case "ISNOTEMPTY":
      return raw !== "";
    // As in SQL, an empty value is not less or greater than anything.
    case "<":
      return raw !== "" && compareValues(raw, condition.value) < 0;
    case "<=":
      return raw !== "" && compareValues(raw, condition.value) <= 0;
    case ">":
      return raw !== "" && compareValues(raw, condition.value) > 0;
    case ">=":
      return raw !== "" && compareValues(raw, condition.value) >= 0;
    case "BETWEEN":
    case "ON":
      return raw !== "" && compareValues(raw, from) >= 0 && compareValues(raw, to) <= 0;
    case "NOTON":
      return raw !== "" && !(compareValues(raw, from) >= 0 && compareValues(raw, to) <= 0);
    case "SAMEAS":
      return value === other().toLowerCase();
    case "NSAMEAS":
      return value !== other().toLowerCase();
    case "GT_FIELD":
      return raw !== "" && other() !== "" && compareValues(raw, other()) > 0;
    case "LT_FIELD":
      return raw !== "" && other() !== "" && compareValues(raw, other()) < 0;
    case "GT_OR_EQUALS_FIELD":
      return raw !== "" && other() !== "" && compareValues(raw, other()) >= 0;
    case "LT_OR_EQUALS_FIELD":
      return raw !== "" && other() !== "" && compareValues(raw, other()) <= 0;
  }
}

export function matches(query: EncodedQuery, record: FieldValues): boolean {
  if (query.groups.length === 0) return true;
  return query.groups.some((group) =>
    group.every((anyOf) => anyOf.some((condition) => test(condition, fieldValue(record, condition.field), record))),
  );
}

/** The values a record is sorted by, in ORDERBY order, so only these need be kept while sorting. */
export const sortKey = (orderBy: readonly OrderBy[], record: FieldValues): string[] =>
  orderBy.map(({ field }) => fieldValue(record, field));

/** Compares two sort keys made by `sortKey` for the same ORDERBY terms. Empty values sort first, as NULLs do. */
export function compareSortKeys(orderBy: readonly OrderBy[], a: readonly string[], b: readonly string[]): number {
  for (const [index, { descending }] of orderBy.entries()) {
    const x = a[index] ?? "";
    const y = b[index] ?? "";
    const order = x === y ? 0 : x === "" ? -1 : y === "" ? 1 : compareValues(x, y);
    if (order !== 0) return descending ? -order : order;
  }
  return 0;
}
