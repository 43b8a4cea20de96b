// The user fields' own checks (functions/users/fields.ts) against the schema they stand for.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { EMAIL_PATTERN, isEmailAddress, MAX_EMAIL_LENGTH } from "../../functions/users/fields";
import { emailSchema } from "../../functions/users/input-schema";

describe("isEmailAddress", () => {
  it("uses zod's own email pattern", () => {
    expect(EMAIL_PATTERN.source).toBe(z.regexes.email.source);
    expect(EMAIL_PATTERN.flags).toBe(z.regexes.email.flags);
  });

  it("accepts exactly what the email schema accepts", () => {
    const local = fc.stringMatching(/^[A-Za-z0-9_'+.-]{0,12}$/);
    const domain = fc.stringMatching(/^[A-Za-z0-9.-]{0,12}\.[A-Za-z]{0,4}$/);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(local, domain).map(([name, host]) => `${name}@${host}`),
          fc
            .tuple(local, domain, fc.constantFrom("@", " ", "\n", "..", "\u00e9", ""))
            .map(([name, host, odd]) => `${name}${odd}@${host}`),
          fc.string({ maxLength: 30 }),
          fc.nat(40).map((extra) => `${"a".repeat(MAX_EMAIL_LENGTH - 12 + extra)}@example.com`),
        ),
        (text) => {
          expect(isEmailAddress(text)).toBe(emailSchema.safeParse(text).success);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it.each([
    ["alice@example.com", true],
    ["a.b+c@sub.example.org", true],
    [".alice@example.com", false],
    ["alice@example", false],
    ["alice@@example.com", false],
    [`${"a".repeat(MAX_EMAIL_LENGTH - 12)}@example.com`, true],
    [`${"a".repeat(MAX_EMAIL_LENGTH - 11)}@example.com`, false],
  ])("answers %s: %s", (text, expected) => {
    expect(isEmailAddress(text)).toBe(expected);
    expect(emailSchema.safeParse(text).success).toBe(expected);
  });
});
