// A record as the caller asked to see it: the table's columns (every one, unset ones empty) or just
// sysparm_fields, each as its value, its display value (choice labels, a referenced record's display
// value) or both, with reference links unless sysparm_exclude_reference_link is true.
import type { Column } from "../dictionary/columns";
import type { DictionaryTable } from "../dictionary/dictionary";
import type { FieldValues } from "../records/store";
import { SYS_ID_PATTERN } from "../shared/sys-id";

export type DisplayValue = "false" | "true" | "all";

export interface ReadOptions {
  /** Only these fields, in this order; undefined = every column of the table (or field of the record). */
  readonly fields: readonly string[] | undefined;
  readonly displayValue: DisplayValue;
  readonly excludeReferenceLink: boolean;
}

/** Display values of referenced records, by table, then sys_id. */
type ReferenceDisplays = ReadonlyMap<string, ReadonlyMap<string, string>>;

export interface ReferenceResolver {
  /** The display value of each record of `table` (or a table extending it) with one of these sys_ids. */
  displayValues(table: string, sysIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

interface Presentation {
  readonly table: DictionaryTable | undefined;
  /** `https://host/stage/api/now/table`, where reference links point. */
  readonly linkBase: string;
  readonly labelOf: (table: string) => string | undefined;
  readonly references: ReferenceDisplays;
}

const fieldValue = (record: FieldValues, name: string): string =>
  Object.hasOwn(record, name) ? (record[name] ?? "") : "";

/**
 * The names shown: sysparm_fields, or every column of the table then, for a record of this very table, any
 * other field it has (written before a column was defined), or off the dictionary the record's own fields.
 * A child's record read through a parent shows the parent's columns only, as on ServiceNow.
 */
function namesOf(record: FieldValues, options: ReadOptions, table: DictionaryTable | undefined): readonly string[] {
  if (options.fields) return options.fields;
  if (!table) return Object.keys(record);
  const columns = [...table.columns.keys()];
  const className = record["sys_class_name"];
  if (className !== undefined && className !== table.name) return columns;
  return [...columns, ...Object.keys(record).filter((name) => !table.columns.has(name))];
}

/** The references a page shows, so their display values can be read in one batch per table first. */
export function referencesOf(
  records: readonly FieldValues[],
  options: ReadOptions,
  table: DictionaryTable | undefined,
): Map<string, Set<string>> {
  const wanted = new Map<string, Set<string>>();
  if (options.displayValue === "false" || table === undefined) return wanted;
  for (const record of records) {
    for (const name of namesOf(record, options, table)) {
      const column = table.columns.get(name);
      const value = fieldValue(record, name);
      if (column?.type !== "reference" || column.reference === undefined || !SYS_ID_PATTERN.test(value)) continue;
      const ids = wanted.get(column.reference) ?? new Set<string>();
      ids.add(value);
      wanted.set(column.reference, ids);
    }
  }
  return wanted;
}

export async function resolveReferences(
  wanted: ReadonlyMap<string, ReadonlySet<string>>,
  resolver: ReferenceResolver,
): Promise<ReferenceDisplays> {
  const entries = await Promise.all(
    [...wanted].map(async ([table, ids]) => [table, await resolver.displayValues(table, [...ids])] as const),
  );
  return new Map(entries);
}

function displayOf(column: Column | undefined, value: string, presentation: Presentation): string {
  if (column === undefined || value === "") return value;
  if (column.choices) return column.choices.find((choice) => choice.value === value)?.label ?? value;
  if (column.type === "sys_class_name") return presentation.labelOf(value) ?? value;
  if (column.type === "reference" && column.reference !== undefined) {
    const found = presentation.references.get(column.reference)?.get(value);
    // A value that is no sys_id (text written before the dictionary) shows as itself.
    return found ?? (SYS_ID_PATTERN.test(value) ? "" : value);
  }
  return value;
}

export function present(
  record: FieldValues,
  options: ReadOptions,
  presentation: Presentation,
): Record<string, unknown> {
  const { table } = presentation;
  return Object.fromEntries(
    namesOf(record, options, table).map((name) => {
      const column = table?.columns.get(name);
      const value = fieldValue(record, name);
      const link =
        // Text that is no sys_id (written before the dictionary typed the column) has nothing to link to.
        column?.type === "reference" && SYS_ID_PATTERN.test(value) && !options.excludeReferenceLink
          ? `${presentation.linkBase}/${column.reference}/${value}`
          : undefined;
      if (options.displayValue === "false") return [name, link === undefined ? value : { link, value }];
      const display = displayOf(column, value, presentation);
      if (options.displayValue === "true")
        return [name, link === undefined ? display : { display_value: display, link }];
      return [name, link === undefined ? { display_value: display, value } : { display_value: display, link, value }];
    }),
  );
}
