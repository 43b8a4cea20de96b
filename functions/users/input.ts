// A user as a caller may give it (Table API, provisioning, the CLI): known fields, custom `u_*` fields,
// flags and roles, with the user_name and email profiles; nothing else, and never the binding. Read
// through the validator precompiled from its schema (input-schema.ts), so no function builds zod's.
import * as precompiled from "../config/precompiled";
import { INVALID, problemText } from "../config/validation";
import { UserInvalidError } from "./errors";
import { CUSTOM_USER_FIELD } from "./fields";
import type { UserInputFields } from "./input-schema";
import { USER_INPUT_KEYS } from "./input-rules";
import type { UserRecord } from "./store";

/** System-maintained fields (`source`, `oidc_*`): set by provisioning, never by a caller's input. */
export type SystemFields = Readonly<Record<string, unknown>>;

export function parseUserInput(input: unknown): UserInputFields & { user_name: string } {
  const valid = precompiled.userInput(input);
  if (valid === INVALID) throw new UserInvalidError(problemText());
  return valid as UserInputFields & { user_name: string };
}

/** The caller-settable part of a stored user (drops system and index attributes). */
export function pickInputFields(user: UserRecord): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    if (USER_INPUT_KEYS.has(key) || CUSTOM_USER_FIELD.test(key)) picked[key] = value;
  }
  return picked;
}
