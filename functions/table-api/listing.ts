// Listing a table: stream DynamoDB pages, filter and count as they pass, keep only the requested window.
import { BadRequestError } from "../http/api-errors";
import { compareSortKeys, matches, sortKey } from "./query-match";
import { project, type ListParams } from "./params";
import type { FieldValues } from "../records/store";
import type { TableSource } from "./table-source";

/**
 * ORDERBY on an arbitrary field cannot be done by DynamoDB, so matches are sorted here: only their sort
 * values and sys_ids are kept, and at most this many. More is a 400 telling the caller to narrow the query,
 * rather than a Lambda that runs out of memory or time.
 */
export const MAX_SORTED_MATCHES = 10_000;

/**
 * Lambda's synchronous response limit is 6 MB, measured after the body is escaped into the proxy
 * response; 4 MiB of JSON leaves room for that. A page over it is refused, never cut short: a client
 * paging by offset would silently skip the records left out.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

interface ListResult {
  readonly records: readonly Record<string, unknown>[];
  /** All matching records, for X-Total-Count. */
  readonly total: number;
}

/** What listing reads: a table's pages, and records by sys_id (for a sorted window). */
type ListedSource = Pick<TableSource, "pages" | "getMany" | "present">;

/** The page [offset, offset + limit) of the matching records, and how many match in all. */
export function listRecords(source: ListedSource, params: ListParams): Promise<ListResult> {
  return params.query.orderBy.length === 0 ? listInKeyOrder(source, params) : listSorted(source, params);
}

/**
 * Without ORDERBY: sys_id order, which is the table's sort key and (for sys_ids made here) creation order.
 * Memory holds one DynamoDB page plus the window.
 */
async function listInKeyOrder(source: ListedSource, params: ListParams): Promise<ListResult> {
  const window: FieldValues[] = [];
  const end = params.offset + params.limit;
  let total = 0;
  for await (const records of source.pages()) {
    for (const record of records) {
      if (!matches(params.query, record)) continue;
      if (total >= params.offset && total < end) window.push(record);
      total += 1;
    }
  }
  const page = new PageBuilder();
  for (const record of await source.present(window)) page.add(project(record, params));
  return { records: page.records, total };
}

/** With ORDERBY: sort the matches' keys, then fetch just the window's records by key. */
async function listSorted(source: ListedSource, params: ListParams): Promise<ListResult> {
  const { orderBy } = params.query;
  const keyed: { key: string[]; sysId: string }[] = [];
  for await (const records of source.pages()) {
    for (const record of records) {
      if (!matches(params.query, record)) continue;
      if (keyed.length >= MAX_SORTED_MATCHES) {
        throw new BadRequestError(
          "Too many records to sort",
          `ORDERBY sorts at most ${MAX_SORTED_MATCHES} matching records; narrow sysparm_query, ` +
            "or leave out ORDERBY to page in sys_id order",
        );
      }
      keyed.push({ key: sortKey(orderBy, record), sysId: record["sys_id"] ?? "" });
    }
  }
  // sys_id breaks ties, so equal keys keep one order from page to page.
  keyed.sort((a, b) => compareSortKeys(orderBy, a.key, b.key) || (a.sysId < b.sysId ? -1 : a.sysId > b.sysId ? 1 : 0));
  const window = keyed.slice(params.offset, params.offset + params.limit).map(({ sysId }) => sysId);
  const found = await source.getMany(window);
  // A record deleted since it was counted is left out of the page.
  const kept = window.map((sysId) => found.get(sysId)).filter((record) => record !== undefined);
  const page = new PageBuilder();
  for (const record of await source.present(kept)) page.add(project(record, params));
  return { records: page.records, total: keyed.length };
}

/** The page's records, refusing to grow past MAX_RESPONSE_BYTES. */
class PageBuilder {
  readonly records: Record<string, unknown>[] = [];
  private bytes = 0;

  add(record: Record<string, unknown>): void {
    this.bytes += Buffer.byteLength(JSON.stringify(record), "utf8") + 1;
    if (this.bytes > MAX_RESPONSE_BYTES) {
      throw new BadRequestError(
        "Response too large",
        `The page exceeds ${MAX_RESPONSE_BYTES} bytes; ask for fewer records (sysparm_limit) or fields (sysparm_fields)`,
      );
    }
    this.records.push(record);
  }
}
