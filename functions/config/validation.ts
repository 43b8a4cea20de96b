// The parts precompiled validators (precompiled.ts, written by scripts/generate-validators.ts) are built
// from: each one zod/mini's semantics for one schema type or check, written out without zod. A validator
// returns the value zod's parse returns, or INVALID; then problemText() says where and what, in zod's words
// (the messages are zod's own, taken from its locale by the generator): the first problem, where zod lists
// every one.
import { describeIssues } from "./items";
import type { RuleContext } from "./rules";

/** What a validator answers for an input its schema refuses. */
export const INVALID: unique symbol = Symbol.for("precompiled.invalid");
export type Invalid = typeof INVALID;

interface Problem {
  readonly path: PropertyKey[];
  message: string;
}

let last: Problem = { path: [], message: "Invalid input" };

/** What the last refusal found, as one line: where (the path of keys and indexes), and what. */
export const problemText = (): string => describeIssues({ issues: [last] });

function fail(message: string, path: PropertyKey[] = []): Invalid {
  last = { path, message };
  return INVALID;
}

/** The last problem, one level down (under the key or index the caller looked at). */
function under(key: PropertyKey): Invalid {
  last.path.unshift(key);
  return INVALID;
}

/** zod's name of a value's type in "expected X, received Y" (util.parsedType and the locale's names). */
function received(v: unknown): string {
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : Number.isFinite(v) ? "number" : String(v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object" && Object.getPrototypeOf(v) !== Object.prototype && "constructor" in v) {
    // zod names any other object by its constructor, whatever that is.
    const maker: unknown = v.constructor;
    if (maker) return String((maker as { name?: unknown }).name);
  }
  return typeof v;
}

const expected = (type: string, v: unknown): Invalid =>
  fail(`Invalid input: expected ${type}, received ${received(v)}`);

/** The parsed value, or INVALID. */
// biome-ignore lint/suspicious/noExplicitAny: a validator's value is whatever its schema's output type says
type Validator = (value: any) => any;

export const string: Validator = (v) => (typeof v === "string" ? v : expected("string", v));
export const number: Validator = (v) => (typeof v === "number" && Number.isFinite(v) ? v : expected("number", v));
export const boolean: Validator = (v) => (typeof v === "boolean" ? v : expected("boolean", v));

/** A literal or an enum: one of the values (SameValueZero, as zod's Set). */
export function oneOf(values: readonly unknown[], message: string): Validator {
  const set = new Set(values);
  return (v) => (set.has(v) ? v : fail(message));
}

/** zod's optional (of a schema that is not defaulted): undefined stays undefined. */
export const optional =
  (inner: Validator): Validator =>
  (v) =>
    v === undefined ? undefined : inner(v);

/** zod's default: the fallback for undefined, unvalidated; also when the inner schema gives undefined. */
export const withDefault =
  (inner: Validator, fallback: () => unknown): Validator =>
  (v) => {
    if (v === undefined) return fallback();
    const r = inner(v);
    return r === undefined ? fallback() : r;
  };

/** zod's prefault: the fallback for undefined, validated as an input. */
export const prefault =
  (inner: Validator, fallback: () => unknown): Validator =>
  (v) =>
    inner(v === undefined ? fallback() : v);

export const pipe =
  (first: Validator, second: Validator): Validator =>
  (v) => {
    const left = first(v);
    return left === INVALID ? INVALID : second(left);
  };

/** A transform's value, or INVALID when it reported a problem. */
export const transform =
  (fn: (value: never, context: RuleContext) => unknown): Validator =>
  (v) =>
    reported(fn, v);

/** zod's union: the first option that takes the value gives it. */
export const union =
  (options: readonly Validator[]): Validator =>
  (v) => {
    for (const option of options) {
      const r = option(v);
      if (r !== INVALID) return r;
    }
    return fail("Invalid input");
  };

/** zod's discriminated union: the option of the discriminator's value, alone. */
export function discriminated(
  key: string,
  options: readonly (readonly [unknown, Validator])[],
  message: string,
): Validator {
  const byValue = new Map(options);
  return (v) => {
    if (!isObject(v)) return expected("object", v);
    const option = byValue.get(v[key]);
    return option === undefined ? fail(message, [key]) : option(v);
  };
}

export const array =
  (element: Validator): Validator =>
  (v) => {
    if (!Array.isArray(v)) return expected("array", v);
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const r = element(v[i]);
      if (r === INVALID) return under(i);
      out[i] = r;
    }
    return out;
  };

/** zod's util.isPlainObject: an object whose constructor (if a function) has a prototype with isPrototypeOf. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (!isObject(v)) return false;
  const maker: unknown = v.constructor;
  if (typeof maker !== "function") return true;
  const prototype: unknown = maker.prototype;
  return isObject(prototype) && Object.hasOwn(prototype, "isPrototypeOf");
}

/** zod's record of string keys: a plain object, every enumerable own key a string the key schema takes. */
export const record =
  (key: Validator, value: Validator): Validator =>
  (v) => {
    if (!isPlainObject(v)) return expected("record", v);
    for (const symbol of Object.getOwnPropertySymbols(v)) {
      if (Object.prototype.propertyIsEnumerable.call(v, symbol)) return fail("Invalid key in record", [symbol]);
    }
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(v)) {
      if (name === "__proto__") continue;
      const k = key(name);
      if (k === INVALID) return fail("Invalid key in record", [name]);
      if (k === "__proto__") continue;
      const r = value(v[name]);
      if (r === INVALID) return under(name);
      out[k] = r;
    }
    return out;
  };

/**
 * How an object's key is taken, from its schema's optin and optout (zod's handlePropertyResult):
 * `required` must be present; `optional` may be absent (and then is absent from the value); `defaulted`
 * is always in the value.
 */
type KeyMode = "required" | "optional" | "defaulted";

/** zod's object: its keys in order, then the others: dropped (strip), refused (strict) or each validated. */
export function object(
  fields: readonly (readonly [string, Validator, KeyMode])[],
  others: "strip" | "strict" | Validator,
): Validator {
  const known = new Set(fields.map(([key]) => key));
  return (v) => {
    if (!isObject(v)) return expected("object", v);
    const out: Record<string, unknown> = {};
    for (const [key, field, mode] of fields) {
      const r = field(v[key]);
      const present = key in v;
      if (mode === "optional") {
        if (!present) continue;
        if (r === INVALID) return under(key);
      } else if (r === INVALID) {
        return under(key);
      } else if (mode === "required" && !present) {
        return fail("Invalid input: expected nonoptional, received undefined", [key]);
      }
      out[key] = r;
    }
    if (others === "strip") return out;
    for (const key in v) {
      if (known.has(key)) continue;
      // The key is the item's: bounded, as every untrusted value in a log line.
      if (others === "strict") return fail(`Unrecognized key: "${key.slice(0, 64)}"`);
      if (key === "__proto__") continue;
      const r = others(v[key]);
      if (r === INVALID) return under(key);
      out[key] = r;
    }
    return out;
  };
}

/** A check of a parsed value: the value (a URL check rewrites it), or INVALID. */
type Check = (value: never) => unknown;

/** A schema's parse, then its checks in order, each on what the one before left. */
export const checked =
  (parse: Validator, checks: readonly Check[]): Validator =>
  (v) => {
    let x = parse(v);
    for (const check of checks) {
      if (x === INVALID) return INVALID;
      x = check(x as never);
    }
    return x;
  };

/** zod's length of a string (code points, util.codePointLength) or an array. */
function lengthOf(x: string | readonly unknown[]): number {
  if (typeof x !== "string") return x.length;
  let count = x.length;
  for (let i = 0; i < x.length - 1; i++) {
    if ((x.charCodeAt(i) & 0xfc00) === 0xd800 && (x.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
}

export const maxLength =
  (maximum: number, message: string): Check =>
  (x: string | readonly unknown[]) =>
    lengthOf(x) <= maximum ? x : fail(message);

export const minLength =
  (minimum: number, message: string): Check =>
  (x: string | readonly unknown[]) =>
    lengthOf(x) >= minimum ? x : fail(message);

export const pattern =
  (re: RegExp, message: string): Check =>
  (x: string) =>
    re.test(x) ? x : fail(message);

export const atLeast =
  (minimum: number, message: string): Check =>
  (x: number) =>
    x >= minimum ? x : fail(message);

export const atMost =
  (maximum: number, message: string): Check =>
  (x: number) =>
    x <= maximum ? x : fail(message);

export const safeInteger =
  (message: string): Check =>
  (x: number) =>
    Number.isSafeInteger(x) ? x : fail(message);

/** A rule (rules.ts) that finds no problem leaves the value. */
export const rule =
  (fn: (value: never, context: RuleContext) => void): Check =>
  (x) =>
    reported(fn, x) === INVALID ? INVALID : x;

/** What a rule or transform returns for the value, or INVALID with the first issue it reported. */
function reported(fn: (value: never, context: RuleContext) => unknown, value: unknown): unknown {
  let first: { path?: PropertyKey[]; message: string } | undefined;
  const out = fn(value as never, {
    addIssue: (issue) => {
      first ??= issue;
    },
  });
  return first === undefined ? out : fail(first.message, [...(first.path ?? [])]);
}

/**
 * zod's URL check with a protocol pattern (and no hostname pattern, no normalize): the input trimmed and
 * without tabs and line breaks, if it parses as a URL of that protocol.
 */
export const url =
  (protocol: RegExp, message: string): Check =>
  (x: string) => {
    const trimmed = x.trim();
    // zod's guard for its http(s) pattern: `http:example.com` is no URL here.
    if (protocol.source === "^https?$" && !/^https?:\/\//i.test(trimmed)) return fail(message);
    let parsed: URL;
    try {
      // zod calls URL.parse where it exists: the same parser, null where this throws.
      parsed = new URL(trimmed);
    } catch {
      return fail(message);
    }
    const scheme = parsed.protocol.endsWith(":") ? parsed.protocol.slice(0, -1) : parsed.protocol;
    return protocol.test(scheme) ? trimmed.replace(/[\t\n\r]/g, "") : fail(message);
  };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
