// The user input schema's rules (input-schema.ts), named and free of zod so the precompiled validator
// (functions/config/precompiled.ts) calls the same functions: user_name's normal form and profile, and
// which keys a user may have.
import type { Rule } from "../config/rules";
import { CUSTOM_USER_FIELD, USER_FIELDS, userNameProblem } from "./fields";

/** The keys a caller may give besides `u_*` custom fields: the known fields, the flags and roles. */
export const USER_INPUT_KEYS: ReadonlySet<string> = new Set([
  ...USER_FIELDS,
  "active",
  "locked_out",
  "web_service_access_only",
  "roles",
]);

/** A user_name as stored: NFC, without surrounding white space. */
export const normalizeUserName = (name: string): string => name.normalize("NFC").trim();

export const userNameRule: Rule<string> = (name, context) => {
  const problem = userNameProblem(name);
  if (problem !== undefined) context.addIssue({ code: "custom", message: problem, input: name });
};

export const userInputKeysRule: Rule<Readonly<Record<string, unknown>>> = (user, context) => {
  for (const key of Object.keys(user)) {
    if (!USER_INPUT_KEYS.has(key) && !CUSTOM_USER_FIELD.test(key)) {
      context.addIssue({ code: "custom", path: [key], message: "not a sys_user field (custom fields start with u_)" });
    }
  }
};
