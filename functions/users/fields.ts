// The sys_user fields callers and transform maps may set (`u_*` custom fields are allowed as in ServiceNow),
// and the profiles of the two that identify a user: email and user_name.

/** The users table's name in the Table API. */
export const SYS_USER = "sys_user";

export const USER_FIELDS = [
  "user_name",
  "email",
  "first_name",
  "middle_name",
  "last_name",
  "title",
  "department",
  "company",
  "location",
  "phone",
  "mobile_phone",
  "employee_number",
  "manager",
  "time_zone",
  "preferred_language",
] as const;

export const CUSTOM_USER_FIELD = /^u_[a-z0-9_]{1,78}$/;

export const isSettableUserField = (name: string): boolean =>
  (USER_FIELDS as readonly string[]).includes(name) || CUSTOM_USER_FIELD.test(name);

/**
 * Case folding for email addresses: ASCII letters only. Stored addresses are ASCII (see `isEmailAddress`),
 * and full Unicode folding would map look-alikes onto them (U+212A KELVIN SIGN lower-cases to `k`).
 */
export const foldEmail = (address: string): string => address.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

export const MAX_EMAIL_LENGTH = 254;
/**
 * zod's email pattern (`z.regexes.email`, which z.email() checks), written out: importing zod's regexes
 * brings every one of them into each bundle. test/users/fields.test.ts holds the two to the same source.
 */
export const EMAIL_PATTERN =
  // biome-ignore lint/complexity/noUselessEscapeInRegex: zod's pattern as zod writes it (the test compares sources)
  /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;
/** What input-schema.ts's emailSchema accepts (zod's email pattern, at most 254 characters), without a zod parse per sign-in. */
export const isEmailAddress = (text: string): boolean => text.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(text);

export const MAX_USER_NAME_LENGTH = 100;

/** Scripts a letter of a user_name is recognised in; letters of any other script are told apart by 128-code-point block. */
const SCRIPTS = [
  "Latin",
  "Cyrillic",
  "Greek",
  "Armenian",
  "Georgian",
  "Hebrew",
  "Arabic",
  "Devanagari",
  "Bengali",
  "Tamil",
  "Thai",
  "Han",
  "Hiragana",
  "Katakana",
  "Hangul",
  "Bopomofo",
] as const;
/** Script mixes that are one writing system (UTS #39 "highly restrictive"): Japanese, Chinese, Korean with Latin. */
const ALLOWED_MIXES: readonly ReadonlySet<string>[] = [
  new Set(["Latin", "Han", "Hiragana", "Katakana"]),
  new Set(["Latin", "Han", "Bopomofo"]),
  new Set(["Latin", "Han", "Hangul"]),
];

/**
 * The user_name patterns, compiled at their first use: their Unicode property classes cost 1-2 ms of CPU
 * to build, which every cold start of a function bundling this module would otherwise pay, most of
 * them for no user_name at all.
 */
let namePatterns: { readonly forbidden: RegExp; readonly scripts: readonly (readonly [string, RegExp])[] } | undefined;
const userNamePatterns = () =>
  (namePatterns ??= {
    // Controls, format characters (zero-width ones), separators other than space, private use, unassigned.
    forbidden: /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|[^\P{Zs} ]/u,
    scripts: SCRIPTS.map((script) => [script, new RegExp(`\\p{Script=${script}}`, "u")] as const),
  });

function scriptsOf(text: string): Set<string> {
  const patterns = userNamePatterns().scripts;
  const scripts = new Set<string>();
  for (const char of text) {
    if (!/\p{L}/u.test(char)) continue;
    scripts.add(patterns.find(([, pattern]) => pattern.test(char))?.[0] ?? `block:${(char.codePointAt(0) ?? 0) >> 7}`);
  }
  return scripts;
}

/**
 * What is wrong with a user_name (already NFC-normalized and trimmed), or undefined. One profile for
 * provisioned and API-written names, so a name cannot pass for another one in `sys_created_by` or a
 * user list: no invisible or control characters, no whitespace but single inner spaces, one script
 * (so `аdmin` with a Cyrillic `а` is refused), at most 100 characters.
 */
export function userNameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > MAX_USER_NAME_LENGTH) return `must be at most ${MAX_USER_NAME_LENGTH} characters`;
  if (userNamePatterns().forbidden.test(name)) return "must not contain control, invisible or separator characters";
  if (name !== name.trim()) return "must not start or end with whitespace";
  const scripts = scriptsOf(name);
  if (scripts.size > 1 && !ALLOWED_MIXES.some((mix) => [...scripts].every((script) => mix.has(script)))) {
    return `must not mix scripts (${[...scripts].join(", ")})`;
  }
  return undefined;
}

/**
 * The form in which two user_names are the same for uniqueness: compatibility-normalized and
 * lower-cased, so `Admin`, `ADMIN` and fullwidth `ａｄｍｉｎ` all collide with `admin`.
 */
export const foldUserName = (name: string): string => name.normalize("NFKC").toLowerCase();
