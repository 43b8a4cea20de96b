// A user as a caller may give it (Table API, provisioning, the CLI): known fields, custom `u_*` fields,
// flags and roles, with the user_name and email profiles; nothing else, and never the binding.
import { z } from "zod";
import { describeIssues, roleName } from "../config/schema";
import { UserInvalidError } from "./errors";
import { CUSTOM_USER_FIELD, emailSchema, MAX_USER_NAME_LENGTH, USER_FIELDS, userNameProblem } from "./fields";
import type { UserRecord } from "./store";

const text = z.string().max(255);

/** A user as given by a caller: known fields, custom `u_*` fields, flags and roles; nothing else. */
const userInputSchema = z
  .object({
    user_name: z
      .string()
      .max(MAX_USER_NAME_LENGTH * 4)
      .transform((name) => name.normalize("NFC").trim())
      .superRefine((name, context) => {
        const problem = userNameProblem(name);
        if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
      }),
    email: emailSchema.optional(),
    active: z.boolean().optional(),
    locked_out: z.boolean().optional(),
    roles: z.array(roleName).max(100).optional(),
    ...Object.fromEntries(
      USER_FIELDS.filter((field) => field !== "user_name" && field !== "email").map((field) => [
        field,
        text.optional(),
      ]),
    ),
  })
  .catchall(z.union([text, z.number(), z.boolean()]))
  .superRefine((user, context) => {
    for (const key of Object.keys(user)) {
      if (!(key in userInputSchema.shape) && !CUSTOM_USER_FIELD.test(key)) {
        context.addIssue({
          code: "custom",
          path: [key],
          message: "not a sys_user field (custom fields start with u_)",
        });
      }
    }
  });
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
