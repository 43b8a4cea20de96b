// Dot-walked conditions (`caller_id.user_name=alice`): one level, through a reference column, turned
// into `caller_id IN (sys_ids of the sys_user records where user_name=alice)` before the listing runs.
import { BadRequestError } from "../http/api-errors";
import type { DictionaryTable } from "../dictionary/dictionary";
import type { Condition, EncodedQuery } from "./encoded-query";
import { matches } from "./query-match";
import type { TableSource } from "./table-source";

/** A dot-walk that matches more referenced records than this is refused rather than held in memory. */
const MAX_DOT_WALK_MATCHES = 10_000;

/** The source of a referenced table the caller may read, or undefined. */
export type ReferencedSource = (table: string) => TableSource | undefined;

const invalid = (detail: string) => new BadRequestError("Invalid query", `sysparm_query: ${detail}`);

/** The query with every dot-walked condition replaced by an IN over the matching referenced sys_ids. */
export async function resolveDotWalks(
  query: EncodedQuery,
  table: DictionaryTable | undefined,
  sourceOf: ReferencedSource,
): Promise<EncodedQuery> {
  const resolved = new Map<Condition, Condition>();
  for (const condition of query.groups.flat(2)) {
    if (!condition.field.includes(".") || resolved.has(condition)) continue;
    const [head = "", tail = ""] = condition.field.split(".");
    const column = table?.columns.get(head);
    if (column?.type !== "reference" || column.reference === undefined) {
      throw invalid(
        `${head} is not a reference field of ${table?.name ?? "this table"}, so ${condition.field} cannot be dot-walked`,
      );
    }
    const source = sourceOf(column.reference);
    const ids: string[] = [];
    if (source) {
      const inner: EncodedQuery = { groups: [[[{ ...condition, field: tail }]]], orderBy: [] };
      for await (const records of source.pages()) {
        for (const record of records) {
          if (!matches(inner, record)) continue;
          if (ids.length >= MAX_DOT_WALK_MATCHES) {
            throw invalid(
              `${condition.field} matches more than ${MAX_DOT_WALK_MATCHES} ${column.reference} records; narrow it`,
            );
          }
          ids.push(record["sys_id"] ?? "");
        }
      }
    }
    resolved.set(condition, { field: head, operator: "IN", value: ids.join(","), values: ids });
  }
  if (resolved.size === 0) return query;
  return {
    groups: query.groups.map((group) =>
      group.map((anyOf) => anyOf.map((condition) => resolved.get(condition) ?? condition)),
    ),
    orderBy: query.orderBy,
  };
}
