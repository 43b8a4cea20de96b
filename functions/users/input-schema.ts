// The schema of a user as a caller may give it (Table API, provisioning, the CLI). Read through the
// precompiled validator (functions/config/precompiled.ts); loaded only to explain an input that fails it.
import * as z from "zod/mini";
import { roleName, rule } from "../config/schema";
import { MAX_EMAIL_LENGTH, MAX_USER_NAME_LENGTH, USER_FIELDS } from "./fields";
import { normalizeUserName, userInputKeysRule, userNameRule } from "./input-rules";

/** The address syntax every stored email has (zod's, ASCII only), and every email claim used to find a user must have. */
export const emailSchema = z.email().check(z.maxLength(MAX_EMAIL_LENGTH));

const text = z.string().check(z.maxLength(255));

/** A user as given by a caller: known fields, custom `u_*` fields, flags and roles; nothing else. */
const knownFields = z.object({
  user_name: z.pipe(
    z.string().check(z.maxLength(MAX_USER_NAME_LENGTH * 4)),
    z.transform(normalizeUserName).check(rule(userNameRule)),
  ),
  email: z.optional(emailSchema),
  active: z.optional(z.boolean()),
  locked_out: z.optional(z.boolean()),
  /** A service account: only a service's access token signs in as it, and no person's token. */
  web_service_access_only: z.optional(z.boolean()),
  roles: z.optional(z.array(roleName).check(z.maxLength(100))),
  ...Object.fromEntries(
    USER_FIELDS.filter((field) => field !== "user_name" && field !== "email").map((field) => [field, z.optional(text)]),
  ),
});

export const userInputSchema = z
  .catchall(knownFields, z.union([text, z.number(), z.boolean()]))
  .check(rule(userInputKeysRule));
export type UserInputFields = z.output<typeof userInputSchema>;
