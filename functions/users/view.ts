// sys_user as the Table API and scripted services show it and take it: ServiceNow's string values on the
// wire, the users table's typed values (booleans, a role list) in storage.
import { BadRequestError, UNREADABLE_REQUEST } from "../http/api-errors";
import type { FieldValues } from "../records/store";
import { USER_IDENTITY_INDEX, USER_LISTING_INDEX } from "../shared/tables";
import { BINDING_FIELDS, type UserRecord } from "./store";

/** Attributes the users table keeps for its indexes: never shown. */
const INTERNAL_ATTRIBUTES: ReadonlySet<string> = new Set([
  USER_LISTING_INDEX.partition,
  "email_lower",
  USER_IDENTITY_INDEX.attribute,
]);

/** The identity binding as the Table API shows it; a write may only clear it (an unbind). */
const BINDING: ReadonlySet<string> = new Set(BINDING_FIELDS);

/**
 * Splits a sys_user write into its ordinary fields and whether it unbinds the user: every binding field
 * it names must be empty. Identities bind only at a verified sign-in, never by a write.
 */
export function bindingChange(fields: FieldValues): { unbind: boolean; rest: FieldValues } {
  const rest: Record<string, string> = {};
  let unbind = false;
  for (const [name, value] of Object.entries(fields)) {
    if (!BINDING.has(name)) {
      rest[name] = value;
    } else if (value.trim() === "") {
      unbind = true;
    } else {
      throw new BadRequestError(
        UNREADABLE_REQUEST,
        `${name} can only be cleared (to unbind the user); identities bind at sign-in`,
      );
    }
  }
  return { unbind, rest };
}

const BOOLEAN_FIELDS: ReadonlySet<string> = new Set(["active", "locked_out", "web_service_access_only"]);

const asText = (value: unknown): string =>
  Array.isArray(value)
    ? value.map(String).join(",")
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);

/** A user with every value a string: booleans "true"/"false", roles comma-separated, as ServiceNow shows them. */
export function presentUser(user: UserRecord): FieldValues {
  return Object.fromEntries(
    Object.entries(user)
      .filter(([name, value]) => !INTERNAL_ATTRIBUTES.has(name) && value !== undefined && value !== null)
      .map(([name, value]) => [name, asText(value)]),
  );
}

/** String field values from a request, typed for UserDirectory (which validates them). */
export function userInputFrom(fields: FieldValues): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (BOOLEAN_FIELDS.has(name)) input[name] = parseBoolean(name, value);
    else if (name === "roles")
      input[name] = value
        .split(",")
        .map((role) => role.trim())
        .filter((role) => role !== "");
    else input[name] = value;
  }
  return input;
}

function parseBoolean(name: string, value: string): boolean {
  const lower = value.trim().toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw new BadRequestError(UNREADABLE_REQUEST, `${name} must be true or false`);
}
