// Journal fields (comments, work notes): every entry is its own sys_journal_field row; a write appends
// one, a read renders them newest first as ServiceNow does. The only module that writes those rows.
import type { FieldValues, RecordsStore } from "../records/store";
import type { Dictionary } from "../dictionary/dictionary";
import { RECORD_JOURNAL_INDEX } from "../shared/tables";

/** The table of journal entries, as ServiceNow names it. */
export const SYS_JOURNAL_FIELD = "sys_journal_field";

export interface JournalColumn {
  readonly name: string;
  /** Shown in each entry's header: `Additional comments`, `Work notes`. */
  readonly label: string;
}

/** The journal columns of a table: in the Table API, the dictionary's columns of type `journal`. */
export type JournalColumns = (table: string) => readonly JournalColumn[];

/** The columns of type `journal` of each dictionary table (task's comments and work_notes, and any an admin adds). */
export const dictionaryJournalColumns =
  (dictionary: Pick<Dictionary, "table">): JournalColumns =>
  (table) =>
    [...(dictionary.table(table)?.columns ?? [])]
      .filter(([, column]) => column.type === "journal")
      .map(([name, column]) => ({ name, label: column.label }));

/** ServiceNow's default maximum for one entry. */
export const MAX_ENTRY_CHARACTERS = 4000;

interface JournalEntryInput {
  readonly column: string;
  readonly text: string;
}

/**
 * A header line: `2026-12-01 09:00:00 - admin (Additional comments)`. Any line of an entry's text that
 * starts like one is rendered with a leading backslash, so in a rendered journal every line that parses
 * as a header is a real entry boundary, and no text can pass for someone else's entry. The row keeps the
 * text exactly as written.
 */
const HEADER_START = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} - /;
/** Every line break a reader might split on (CR, LF, CRLF, NEL, LS, PS). */
const LINE_BREAK = /\r\n|[\n\r\u0085\u2028\u2029]/;

export const escapeEntryText = (text: string): string =>
  text
    .split(LINE_BREAK)
    .map((line) => (HEADER_START.test(line) || line.startsWith("\\") ? `\\${line}` : line))
    .join("\n");

const renderEntry = (entry: FieldValues, label: string): string =>
  `${entry["sys_created_on"] ?? ""} - ${entry["sys_created_by"] ?? ""} (${label})\n${escapeEntryText(entry["value"] ?? "")}\n\n`;

const RENDER_CONCURRENCY = 16;

const elementKey = (table: string, sysId: string): string => `${table}/${sysId}`;

export class Journal {
  constructor(
    private readonly records: Pick<RecordsStore, "create" | "indexPages">,
    readonly columnsOf: JournalColumns,
  ) {}

  /** A write's fields split into journal entries (non-empty ones) and the record's own fields. */
  split(table: string, fields: FieldValues): { entries: JournalEntryInput[]; rest: FieldValues } {
    const journals = new Set(this.columnsOf(table).map((column) => column.name));
    const entries: JournalEntryInput[] = [];
    const rest: Record<string, string> = {};
    for (const [name, value] of Object.entries(fields)) {
      if (!journals.has(name)) rest[name] = value;
      else if (value.trim() !== "") entries.push({ column: name, text: value.trim() });
    }
    return { entries, rest };
  }

  /** One sys_journal_field row per entry; rows never change, so concurrent appends never conflict. */
  async append(table: string, sysId: string, entries: readonly JournalEntryInput[], by: string): Promise<void> {
    for (const { column, text } of entries) {
      await this.records.create(
        SYS_JOURNAL_FIELD,
        { element: column, element_id: sysId, name: table, value: text },
        by,
        { internal: { [RECORD_JOURNAL_INDEX.attribute]: elementKey(table, sysId) } },
      );
    }
  }

  /** The record with each journal column rendered from its rows, newest first, after any older inline text. */
  async render(table: string, record: FieldValues): Promise<FieldValues> {
    const columns = this.columnsOf(table);
    const sysId = record["sys_id"];
    if (columns.length === 0 || sysId === undefined) return record;
    const rendered = new Map(columns.map((column) => [column.name, ""]));
    const labels = new Map(columns.map((column) => [column.name, column.label]));
    for await (const entries of this.records.indexPages(RECORD_JOURNAL_INDEX, elementKey(table, sysId))) {
      for (const entry of entries) {
        const column = entry["element"] ?? "";
        const label = labels.get(column);
        if (label !== undefined) rendered.set(column, (rendered.get(column) ?? "") + renderEntry(entry, label));
      }
    }
    // Text stored in the column itself (before journals were rows) is the oldest part.
    return Object.fromEntries([
      ...Object.entries(record),
      ...[...rendered].map(([column, text]) => [column, text + (record[column] ?? "")]),
    ]);
  }

  /** Each record rendered; a few at a time, so a page of thousands never fires thousands of queries at once. */
  async renderAll(table: string, records: readonly FieldValues[]): Promise<FieldValues[]> {
    if (this.columnsOf(table).length === 0) return [...records];
    const rendered: FieldValues[] = [];
    for (let start = 0; start < records.length; start += RENDER_CONCURRENCY) {
      const chunk = records.slice(start, start + RENDER_CONCURRENCY);
      rendered.push(...(await Promise.all(chunk.map((record) => this.render(table, record)))));
    }
    return rendered;
  }
}
