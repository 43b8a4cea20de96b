// A user as a caller may give it (Table API, provisioning, the CLI): known fields, custom `u_*` fields,
// flags and roles, with the user_name and email profiles; nothing else, and never the binding.
import * as z from "zod/mini";
import { describeIssues, roleName } from "../config/schema";
import { UserInvalidError } from "./errors";
import { CUSTOM_USER_FIELD, emailSchema, MAX_USER_NAME_LENGTH, USER_FIELDS, userNameProblem } from "./fields";
import type { UserRecord } from "./store";

const text = z.string().check(z.maxLength(255));

/** A user as given by a caller: known fields, custom `u_*` fields, flags and roles; nothing else. */
const knownFields = z.object({
  user_name: z.pipe(
    z.string().check(z.maxLength(MAX_USER_NAME_LENGTH * 4)),
    z
      .transform((name: string) => name.normalize("NFC").trim())
      .check(
        z.superRefine((name, context) => {
          const problem = userNameProblem(name);
          if (problem !== undefined) context.addIssue({ code: "custom", message: problem, input: name });
        }),
      ),
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
const userInputSchema = z.catchall(knownFields, z.union([text, z.number(), z.boolean()])).check(
  z.superRefine((user, context) => {
    for (const key of Object.keys(user)) {
      if (!(key in userInputSchema.shape) && !CUSTOM_USER_FIELD.test(key)) {
        context.addIssue({
          code: "custom",
          path: [key],
          message: "not a sys_user field (custom fields start with u_)",
        });
      }
    }
  }),
);
type UserInput = z.input<typeof userInputSchema>;

/** System-maintained fields (`source`, `oidc_*`): set by provisioning, never by a caller's input. */
export type SystemFields = Readonly<Record<string, unknown>>;

export function parseUserInput(input: unknown): UserInput & { user_name: string } {
  const parsed = userInputSchema.safeParse(input);
  if (!parsed.success) throw new UserInvalidError(describeIssues(parsed.error));
  return parsed.data as UserInput & { user_name: string };
}

/** The caller-settable part of a stored user (drops system and index attributes). */
export function pickInputFields(user: UserRecord): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    if (key in userInputSchema.shape || CUSTOM_USER_FIELD.test(key)) picked[key] = value;
  }
  return picked;
}
