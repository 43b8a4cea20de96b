// Listing a table in two passes: stream DynamoDB pages holding only the fields the query and ORDERBY
// need, filter and count as they pass and keep the window's keys (with ORDERBY, every match's bounded
// sort key); then read just the window's records.
import { BadRequestError } from "../http/api-errors";
import type { Condition } from "./encoded-query";
import { compareSortKeys, matches, sortKey } from "./query-match";
import type { ListParams } from "./params";
import type { FieldValues } from "../records/store";
import type { RecordKey, TableSource } from "./table-source";

/**
 * ORDERBY on an arbitrary field cannot be done by DynamoDB, so matches are sorted here: only their sort
 * values and keys are kept, at most this many. More is a 400 telling the caller to narrow the query,
 * rather than a Lambda that runs out of memory or time.
 */
export const MAX_SORTED_MATCHES = 10_000;

/**
 * A sort value is compared on its first 1024 characters, as MySQL (ServiceNow's database) sorts long
 * text on its first max_sort_length = 1024 bytes; so a 390 KB description costs 1 KB to sort on.
 */
export const SORT_PREFIX_CHARS = 1024;

/** The sort keys held at once, in UTF-16 bytes as V8 keeps them, past which the sort is refused. */
const MAX_SORT_KEY_BYTES = 32 * 1024 * 1024;

/**
 * Lambda's synchronous response limit is 6 MB, measured after the body is escaped into the proxy
 * response; 4 MiB of JSON leaves room for that. A page over it is refused, never cut short: a client
 * paging by offset would silently skip the records left out.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * A sort value's first SORT_PREFIX_CHARS characters, copied: V8's slice of a long string keeps the whole
 * string alive, which is exactly what bounding the sort keys must avoid.
 */
const prefixOf = (value: string): string =>
  value.length <= SORT_PREFIX_CHARS
    ? value
    : Buffer.from(value.slice(0, SORT_PREFIX_CHARS), "utf16le").toString("utf16le");

/** The window's records are read this many at a time: BatchGetItem's limit. */
const WINDOW_CHUNK = 100;

interface ListResult {
  readonly records: readonly FieldValues[];
  /** All matching records, for X-Total-Count. */
  readonly total: number;
}

const tooManyToSort = (detail: string) =>
  new BadRequestError(
    "Too many records to sort",
    `${detail}; narrow sysparm_query, or leave out ORDERBY to page in sys_id order`,
  );

/** The fields the first pass needs: those the conditions and ORDERBY read, and the keys. */
function neededFields(params: ListParams): string[] {
  const conditions: Condition[] = params.query.groups.flat(2);
  const fields = new Set(["sys_id", "sys_class_name"]);
  for (const condition of conditions) {
    fields.add(condition.field);
    // SAMEAS and the _FIELD comparisons read the field their value names.
    if (/^(N?SAMEAS|[GL]T(_OR_EQUALS)?_FIELD)$/.test(condition.operator)) fields.add(condition.value);
  }
  for (const { field } of params.query.orderBy) fields.add(field);
  return [...fields];
}

const keyOf = (record: FieldValues): RecordKey => ({
  sysId: record["sys_id"] ?? "",
  ...(record["sys_class_name"] !== undefined && { className: record["sys_class_name"] }),
});

/** What listing reads: a table's pages, and records by key (the window's), shown as a read shows them. */
type ListedSource = Pick<TableSource, "pages" | "getMany" | "present">;

/** The page [offset, offset + limit) of the matching records, and how many match in all. */
export async function listRecords(source: ListedSource, params: ListParams): Promise<ListResult> {
  const { orderBy } = params.query;
  const attributes = neededFields(params);
  const end = params.offset + params.limit;
  let window: RecordKey[] = [];
  let total = 0;
  const keyed: { key: string[]; record: RecordKey }[] = [];
  let sortBytes = 0;
  for await (const records of source.pages(attributes)) {
    for (const record of records) {
      if (!matches(params.query, record)) continue;
      if (orderBy.length === 0) {
        if (total >= params.offset && total < end) window.push(keyOf(record));
      } else {
        if (keyed.length >= MAX_SORTED_MATCHES) {
          throw tooManyToSort(`ORDERBY sorts at most ${MAX_SORTED_MATCHES} matching records`);
        }
        const key = sortKey(orderBy, record).map(prefixOf);
        sortBytes += key.reduce((sum, value) => sum + 2 * value.length, 0);
        if (sortBytes > MAX_SORT_KEY_BYTES) {
          throw tooManyToSort(`ORDERBY holds at most ${MAX_SORT_KEY_BYTES} bytes of sort values`);
        }
        keyed.push({ key, record: keyOf(record) });
      }
      total += 1;
    }
  }
  if (orderBy.length > 0) {
    // sys_id breaks ties, so equal keys keep one order from page to page.
    keyed.sort(
      (a, b) =>
        compareSortKeys(orderBy, a.key, b.key) ||
        (a.record.sysId < b.record.sysId ? -1 : a.record.sysId > b.record.sysId ? 1 : 0),
    );
    window = keyed.slice(params.offset, end).map(({ record }) => record);
  }
  const page = new PageBuilder();
  // A chunk at a time (one BatchGetItem), so a page too large is refused before the rest is read.
  for (let start = 0; start < window.length; start += WINDOW_CHUNK) {
    const chunk = window.slice(start, start + WINDOW_CHUNK);
    const found = await source.getMany(chunk);
    // A record deleted since it was counted is left out of the page.
    const kept = chunk.map(({ sysId }) => found.get(sysId)).filter((record) => record !== undefined);
    // As a read shows them: journal columns rendered from their entries.
    for (const record of await source.present(kept)) page.add(narrow(record, params.fields));
  }
  return { records: page.records, total };
}

/** The page's records, refusing to grow past MAX_RESPONSE_BYTES. */
class PageBuilder {
  readonly records: FieldValues[] = [];
  private bytes = 0;

  add(record: FieldValues): void {
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

/** Only the fields asked for, so a page holds no more than it shows. */
function narrow(record: FieldValues, fields: readonly string[] | undefined): FieldValues {
  if (fields === undefined) return record;
  const kept: Record<string, string> = {};
  for (const name of fields) {
    const value = record[name];
    if (value !== undefined && Object.hasOwn(record, name)) kept[name] = value;
  }
  return kept;
}
