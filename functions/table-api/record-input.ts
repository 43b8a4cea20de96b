// A request body's fields as the Table API stores them: valid column names, every value a string, and
// on a table of the dictionary only its columns, each value coerced by the column's type.
import { BadRequestError, UNREADABLE_REQUEST } from "../http/api-errors";
import type { Column } from "../dictionary/columns";
import type { DictionaryTable } from "../dictionary/dictionary";
import { FIELD_NAME } from "./encoded-query";
import type { FieldValues } from "../records/store";
import { TABLE_ATTRIBUTE } from "../records/store";

const shown = (text: string): string => JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}...` : text);

/**
 * ServiceNow stores display strings, so numbers and booleans become their text and null clears a field.
 * A reference as ServiceNow returns it (`{"value": "...", "link": "..."}`) is written back as its value,
 * so a record read with links can be sent back as it is.
 */
function toFieldString(name: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null) return "";
  if (typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, "value")) {
    const inner = (value as { value: unknown }).value;
    if (typeof inner === "string" || typeof inner === "number" || typeof inner === "boolean") return String(inner);
  }
  throw new BadRequestError(UNREADABLE_REQUEST, `Invalid value for field ${name}: use a string, number or boolean`);
}

const INTEGER = /^-?\d{1,15}$/;
const DECIMAL = /^-?\d{1,15}(\.\d{1,15})?$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?Z?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A column's value in the form ServiceNow stores it, or a 400 naming the column and its type. */
function coerce(name: string, column: Column, text: string): string {
  const value = text.trim();
  if (value === "") return "";
  const invalid = (expected: string) =>
    new BadRequestError(UNREADABLE_REQUEST, `Invalid value for field ${name}: expected ${expected}`);
  switch (column.type) {
    case "integer":
      // An integer column with a choice list (state) takes its label too, as ServiceNow maps input display values.
      if (INTEGER.test(value)) return String(Number(value));
      return choiceByLabel(column, value) ?? throwError(invalid("an integer"));
    case "decimal":
      if (DECIMAL.test(value)) return value;
      throw invalid("a number");
    case "boolean": {
      const lower = value.toLowerCase();
      if (lower === "true" || lower === "1") return "true";
      if (lower === "false" || lower === "0") return "false";
      throw invalid("true or false");
    }
    case "glide_date_time": {
      const parts = DATE_TIME.exec(value);
      if (parts) return `${parts[1]} ${parts[2]}`;
      throw invalid("a date and time, YYYY-MM-DD HH:MM:SS");
    }
    case "glide_date":
      if (DATE.test(value)) return value;
      throw invalid("a date, YYYY-MM-DD");
    default:
      return text;
  }
}

const choiceByLabel = (column: Column, label: string): string | undefined =>
  column.choices?.find((choice) => choice.label.toLowerCase() === label.toLowerCase())?.value;

const throwError = (error: Error): never => {
  throw error;
};

/**
 * The fields to write. System and read-only fields are silently ignored, as ServiceNow ignores them, so
 * a record read from the API can be written back whole. On a table of the dictionary a column it does not
 * have is refused; on any other table any name that looks like a column is accepted.
 */
export function fieldsFromBody(
  body: Readonly<Record<string, unknown>>,
  table?: DictionaryTable,
  alsoWritable: (name: string) => boolean = () => false,
): FieldValues {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!FIELD_NAME.test(name)) {
      throw new BadRequestError(
        UNREADABLE_REQUEST,
        `Invalid field name ${shown(name)}: use a-z, 0-9 and _ (at most 80)`,
      );
    }
    if (name.startsWith("sys_")) continue;
    if (name === TABLE_ATTRIBUTE && table === undefined) {
      throw new BadRequestError(UNREADABLE_REQUEST, `The field name "table" is reserved`);
    }
    const column = table?.columns.get(name);
    if (table !== undefined && column === undefined && !alsoWritable(name)) {
      throw new BadRequestError(
        UNREADABLE_REQUEST,
        `Invalid field ${shown(name)}: table ${table.name} has no such column`,
      );
    }
    if (column?.readOnly) continue;
    const text = toFieldString(name, value);
    fields[name] = column === undefined ? text : coerce(name, column, text);
  }
  return fields;
}

/** An insert's values: the fields given, and each column's default where the field is not given. */
export function withDefaults(fields: FieldValues, table: DictionaryTable): FieldValues {
  const defaults: Record<string, string> = {};
  for (const [name, column] of table.columns) {
    if (column.default !== undefined && !Object.hasOwn(fields, name)) defaults[name] = column.default;
  }
  return { ...defaults, ...fields };
}
