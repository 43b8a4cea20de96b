// What a column of the table dictionary is: its type, default, whether it is mandatory or read-only, its
// choices (value and label) and, for a reference, the table it points to. The one vocabulary the
// out-of-box tables, the config table's custom tables and the Table API share.

/**
 * ServiceNow's internal types the API treats differently. `journal` columns (comments, work_notes) are
 * stored as sys_journal_field rows by the journal code, which finds them by this type.
 */
export const COLUMN_TYPES = [
  "string",
  "integer",
  "decimal",
  "boolean",
  "glide_date_time",
  "glide_date",
  "reference",
  "choice",
  "journal",
  "sys_class_name",
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface Choice {
  readonly value: string;
  readonly label: string;
}

export interface Column {
  readonly type: ColumnType;
  readonly label: string;
  /** The value an insert gets when it does not set the column. */
  readonly default?: string;
  readonly mandatory?: boolean;
  /** Set by the system, never by a write (a write's value is ignored, as ServiceNow ignores it). */
  readonly readOnly?: boolean;
  /** For `choice` columns (and integer columns with a choice list, as ServiceNow's state). */
  readonly choices?: readonly Choice[];
  /** For `reference` columns: the table referenced. */
  readonly reference?: string;
}

export interface TableDefinition {
  readonly label: string;
  /** The parent table (`incident` extends `task`). */
  readonly extends?: string;
  /** The column a reference to this table shows as its display value (ServiceNow's display field). */
  readonly display?: string;
  /** Numbered tables: the prefix and ServiceNow's default first counter value (INC + 10001 = INC0010001). */
  readonly number?: { readonly prefix: string; readonly start: number };
  /** This table's own columns; the parent's are inherited. */
  readonly columns: Readonly<Record<string, Column>>;
}

/** A custom column's name, as ServiceNow prefixes columns admins add. */
export const CUSTOM_COLUMN = /^u_[a-z0-9_]{1,78}$/;
/** A custom table's name. */
export const CUSTOM_TABLE = /^u_[a-z0-9_]{1,78}$/;

/** ServiceNow numbers have seven digits after the prefix (INC0010001). */
export const NUMBER_DIGITS = 7;

/** Shorthands for the out-of-box definitions. */
export const text = (label: string, extra: Partial<Column> = {}): Column => ({ type: "string", label, ...extra });
export const integer = (label: string, extra: Partial<Column> = {}): Column => ({ type: "integer", label, ...extra });
export const flag = (label: string, fallback: boolean): Column => ({
  type: "boolean",
  label,
  default: String(fallback),
});
export const dateTime = (label: string, extra: Partial<Column> = {}): Column => ({
  type: "glide_date_time",
  label,
  ...extra,
});
export const ref = (label: string, reference: string, extra: Partial<Column> = {}): Column => ({
  type: "reference",
  label,
  reference,
  ...extra,
});
export const journal = (label: string): Column => ({ type: "journal", label });

/** Choices written as [value, label] pairs; `type` integer for ServiceNow's numeric choice lists (state, impact). */
export function choice(
  label: string,
  pairs: readonly (readonly [string, string])[],
  extra: Partial<Column> & { type?: ColumnType } = {},
): Column {
  return {
    type: "choice",
    label,
    choices: pairs.map(([value, choiceLabel]) => ({ value, label: choiceLabel })),
    ...extra,
  };
}
