// A request body's fields as the Table API stores them: valid column names, every value a string.
import { BadRequestError, UNREADABLE_REQUEST } from "../http/api-errors";
import { FIELD_NAME } from "./encoded-query";
import type { FieldValues } from "../records/store";
import { TABLE_ATTRIBUTE } from "../records/store";

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

/**
 * The fields to write. System fields (`sys_*`) are read-only and silently ignored, as ServiceNow ignores
 * them, so a record read from the API can be written back whole. Any other column name is accepted on
 * tables other than sys_user (ServiceNow tables have many), but must look like one.
 */
export function fieldsFromBody(body: Readonly<Record<string, unknown>>): FieldValues {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!FIELD_NAME.test(name)) {
      const shown = JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}...` : name);
      throw new BadRequestError(UNREADABLE_REQUEST, `Invalid field name ${shown}: use a-z, 0-9 and _ (at most 80)`);
    }
    if (name.startsWith("sys_")) continue;
    if (name === TABLE_ATTRIBUTE) throw new BadRequestError(UNREADABLE_REQUEST, `The field name "table" is reserved`);
    fields[name] = toFieldString(name, value);
  }
  return fields;
}
