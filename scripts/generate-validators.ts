// Writes functions/config/precompiled.ts: the config items' and the user input's validators, compiled
// from their one schema (zod, functions/config/schema.ts and functions/users/input-schema.ts) into plain
// functions. Every Lambda reads its items and its user input through them, so none builds a zod schema at
// its cold start, and none bundles zod for it.
//
// A precompiled validator takes what the schema takes, with the value zod's parse returns, and refuses
// what it refuses, naming the first problem in the words zod would use (taken here from zod's locale and
// the schema's own messages). test/config/precompiled.test.ts holds the two together on hostile inputs. A
// schema feature this compiler does not know fails the generation, never the validation.
//
// Run: npm run generate (test/config/precompiled.test.ts fails while the file is out of date).
import { writeFileSync } from "node:fs";
import * as z from "zod/mini";
import { resolve } from "node:path";
import * as rules from "../functions/config/rules";
import {
  aclSchema,
  propertySchema,
  providerSchema,
  RULE_OF_CHECK,
  routePatternListSchema,
  routeRuleSchema,
  shippedRouteRulesSchema,
  tableSchema,
} from "../functions/config/schema";
import * as inputRules from "../functions/users/input-rules";
import { userInputSchema } from "../functions/users/input-schema";

/** A schema as zod/mini builds it: its definition and the facts zod derives from it. */
interface Node {
  readonly _zod: {
    readonly def: Record<string, unknown> & { readonly type: string; readonly checks?: readonly Node[] };
    readonly traits: ReadonlySet<string>;
    readonly optin?: "optional" | "defaulted";
    readonly optout?: "optional";
    readonly propValues?: Record<string, ReadonlySet<unknown>>;
  };
}

/** What the generated module exports: a validator per schema, and the type it returns. */
const TARGETS: readonly { name: string; schema: unknown; type: string }[] = [
  { name: "provider", schema: providerSchema, type: "ProviderConfig" },
  { name: "property", schema: propertySchema, type: "Property" },
  { name: "acl", schema: aclSchema, type: "Acl" },
  { name: "table", schema: tableSchema, type: "CustomTable" },
  { name: "routeRule", schema: routeRuleSchema, type: "RouteRule" },
  { name: "routePatternList", schema: routePatternListSchema, type: "RoutePattern[]" },
  { name: "shippedRouteRules", schema: shippedRouteRulesSchema, type: "ShippedRouteRules" },
  { name: "userInput", schema: userInputSchema, type: "UserInputFields" },
];

/** Where the functions a schema calls (refinements, transforms) are exported from, for the imports. */
const FUNCTION_MODULES = [
  { from: "./rules", alias: "rules", exports: rules as Record<string, unknown> },
  { from: "../users/input-rules", alias: "inputRules", exports: inputRules as Record<string, unknown> },
];

class Unsupported extends Error {}

class Compiler {
  private readonly names = new Map<Node, string>();
  private readonly byExpression = new Map<string, string>();
  private readonly declarations: string[] = [];

  /** The name of the validator of `schema`: one for all schemas alike (every z.boolean()). */
  private validator(schema: Node): string {
    const known = this.names.get(schema);
    if (known) return known;
    const name = this.declare(this.expression(schema));
    this.names.set(schema, name);
    return name;
  }

  private declare(expression: string): string {
    const known = this.byExpression.get(expression);
    if (known) return known;
    const name = `v${this.byExpression.size}`;
    this.byExpression.set(expression, name);
    // Pure: a bundle keeps only the validators it uses (esbuild cannot tell that a combinator has no side effect).
    this.declarations.push(`const ${name} = ${expression.replace(/\bv\.(\w+)\(/g, "/* @__PURE__ */ v.$1(")};`);
    return name;
  }

  private imported(fn: unknown, what: string): string {
    for (const module of FUNCTION_MODULES) {
      for (const [name, value] of Object.entries(module.exports)) if (value === fn) return `${module.alias}.${name}`;
    }
    throw new Unsupported(`${what} that no rules module exports (name it in functions/config/rules.ts)`);
  }

  private expression(schema: Node): string {
    const def = schema._zod.def;
    if (def["coerce"]) throw new Unsupported(`coerced ${def.type}`);
    // A string format or number format is its own first check (zod: `checks = [inst, ...def.checks]`).
    const checks = schema._zod.traits.has("$ZodCheck") ? [schema, ...(def.checks ?? [])] : [...(def.checks ?? [])];
    const parse = this.parse(schema);
    if (checks.length === 0) return parse;
    const origin = def.type;
    return `v.checked(${this.declare(parse)}, [${checks.map((check) => this.check(check, origin)).join(", ")}])`;
  }

  /** The validator of the schema's type, without its checks. */
  private parse(schema: Node): string {
    const def = schema._zod.def;
    switch (def.type) {
      case "string":
        return "v.string";
      case "number":
        return "v.number";
      case "boolean":
        return "v.boolean";
      case "literal":
      case "enum": {
        const values = def.type === "literal" ? (def["values"] as unknown[]) : Object.values(def["entries"] as object);
        for (const value of values) assertPlain(value, `a ${def.type}`);
        return `v.oneOf(${JSON.stringify(values)}, ${message(def, { code: "invalid_value", values })})`;
      }
      case "optional": {
        const inner = def["innerType"] as Node;
        if (inner._zod.optin === "defaulted") throw new Unsupported("an optional default");
        return `v.optional(${this.validator(inner)})`;
      }
      case "default":
        return `v.withDefault(${this.validator(def["innerType"] as Node)}, ${defaultLiteral(def)})`;
      case "prefault":
        return `v.prefault(${this.validator(def["innerType"] as Node)}, ${defaultLiteral(def)})`;
      case "pipe":
        return `v.pipe(${this.validator(def["in"] as Node)}, ${this.validator(def["out"] as Node)})`;
      case "transform":
        return `v.transform(${this.imported(def["transform"], "a transform")})`;
      case "union":
        return this.union(schema);
      case "array":
        return `v.array(${this.validator(def["element"] as Node)})`;
      case "record": {
        const keyType = def["keyType"] as Node;
        if (def["mode"] !== undefined && def["mode"] !== "strict")
          throw new Unsupported(`a ${String(def["mode"])} record`);
        if (keyType._zod.def.type !== "string") throw new Unsupported("a record keyed by anything but strings");
        return `v.record(${this.validator(keyType)}, ${this.validator(def["valueType"] as Node)})`;
      }
      case "object":
        return this.object(schema);
      default:
        throw new Unsupported(`a schema of type ${def.type}`);
    }
  }

  private union(schema: Node): string {
    const def = schema._zod.def;
    const options = def["options"] as Node[];
    if (def["unionFallback"]) throw new Unsupported("a discriminated union with unionFallback");
    const discriminator = def["discriminator"] as string | undefined;
    if (discriminator === undefined) return `v.union([${options.map((option) => this.validator(option)).join(", ")}])`;
    const entries: string[] = [];
    for (const option of options) {
      const values = option._zod.propValues?.[discriminator];
      if (!values || values.size === 0) throw new Unsupported("a discriminated union option without its values");
      const name = this.validator(option);
      for (const value of values) {
        assertPlain(value, "a discriminator value");
        entries.push(`[${JSON.stringify(value)}, ${name}]`);
      }
    }
    const values = options.flatMap((option) => [...(option._zod.propValues?.[discriminator] ?? [])]);
    const noMatch = message(def, {
      code: "invalid_union",
      errors: [],
      options: values,
      note: "No matching discriminator",
    });
    return `v.discriminated(${JSON.stringify(discriminator)}, [${entries.join(", ")}], ${noMatch})`;
  }

  private object(schema: Node): string {
    const def = schema._zod.def;
    const shape = def["shape"] as Record<string, Node>;
    if (Object.getOwnPropertySymbols(shape).length > 0) throw new Unsupported("an object with symbol keys");
    const fields = Object.entries(shape).map(([key, child]) => {
      if (key === "__proto__") throw new Unsupported("a __proto__ key");
      return `[${JSON.stringify(key)}, ${this.validator(child)}, "${keyMode(child)}"]`;
    });
    const catchall = def["catchall"] as Node | undefined;
    const others =
      catchall === undefined ? '"strip"' : catchall._zod.def.type === "never" ? '"strict"' : this.catchall(catchall);
    return `v.object([${fields.join(", ")}], ${others})`;
  }

  private catchall(catchall: Node): string {
    if (keyMode(catchall) !== "required") throw new Unsupported("a catchall that is optional or defaulted");
    return this.validator(catchall);
  }

  /** The check, with the message zod gives when it fails on a value of `origin` (the schema's type). */
  private check(check: Node, origin: string): string {
    const def = check._zod.def as Record<string, unknown>;
    const inclusive = def["inclusive"] === true;
    switch (def["check"]) {
      case "max_length": {
        const maximum = Number(def["maximum"]);
        return `v.maxLength(${maximum}, ${message(def, { code: "too_big", origin, maximum, inclusive: true })})`;
      }
      case "min_length": {
        const minimum = Number(def["minimum"]);
        return `v.minLength(${minimum}, ${message(def, { code: "too_small", origin, minimum, inclusive: true })})`;
      }
      case "greater_than": {
        if (!inclusive) throw new Unsupported("an exclusive minimum");
        const minimum = Number(def["value"]);
        return `v.atLeast(${minimum}, ${message(def, { code: "too_small", origin, minimum, inclusive })})`;
      }
      case "less_than": {
        if (!inclusive) throw new Unsupported("an exclusive maximum");
        const maximum = Number(def["value"]);
        return `v.atMost(${maximum}, ${message(def, { code: "too_big", origin, maximum, inclusive })})`;
      }
      case "number_format":
        if (def["format"] !== "safeint") throw new Unsupported(`the number format ${String(def["format"])}`);
        return `v.safeInteger(${message(def, { code: "invalid_type", expected: "int", format: "safeint", input: 0.5 })})`;
      case "string_format":
        return this.stringFormat(def);
      case "custom": {
        const rule = RULE_OF_CHECK.get(check);
        if (rule === undefined) throw new Unsupported("a refinement not made with rule() (functions/config/schema.ts)");
        return `v.rule(${this.imported(rule, "a rule")})`;
      }
      default:
        throw new Unsupported(`the check ${String(def["check"])}`);
    }
  }

  private stringFormat(def: Record<string, unknown>): string {
    const format = def["format"];
    if (format === "url") {
      for (const key of ["hostname", "normalize"]) if (key in def) throw new Unsupported(`a URL with ${key}`);
      const protocol = def["protocol"];
      if (!(protocol instanceof RegExp)) throw new Unsupported("a URL without a protocol pattern");
      return `v.url(${regexLiteral(protocol)}, ${message(def, { code: "invalid_format", format: "url" })})`;
    }
    if (format !== "regex" && format !== "email") throw new Unsupported(`the string format ${String(format)}`);
    const pattern = def["pattern"];
    if (!(pattern instanceof RegExp)) throw new Unsupported(`a ${format} without its pattern`);
    const text = message(def, { code: "invalid_format", origin: "string", format, pattern: pattern.toString() });
    return `v.pattern(${regexLiteral(pattern)}, ${text})`;
  }

  module(): string {
    const exports = TARGETS.map(
      ({ name, schema, type }) =>
        `export const ${name}: (input: unknown) => ${type} | Invalid = ${this.validator(schema as Node)};`,
    );
    const types = [...new Set(TARGETS.map(({ type }) => type.replace("[]", "")))].filter(
      (type) => type !== "UserInputFields",
    );
    return `${[
      "// Generated by scripts/generate-validators.ts from the config schema (functions/config/schema.ts) and the",
      "// user input schema (functions/users/input-schema.ts): do not edit; run `npm run generate`. Each validator",
      "// returns what zod's parse returns, or INVALID, and then validation.ts problemText() says what zod would say first.",
      `import type { ${types.join(", ")} } from "./schema";`,
      `import type { UserInputFields } from "../users/input-schema";`,
      ...FUNCTION_MODULES.map(({ from, alias }) => `import * as ${alias} from "${from}";`),
      `import * as v from "./validation";`,
      `import type { Invalid } from "./validation";`,
      "",
      ...this.declarations,
      "",
      ...exports,
    ].join("\n")}\n`;
  }
}

/**
 * The message zod gives for this issue of this check or schema, as a string literal: the schema's own
 * (a `z.regex(pattern, message)`), else zod's English locale, as zod's finalizeIssue chooses.
 */
function message(def: Record<string, unknown>, issue: Record<string, unknown>): string {
  const own = typeof def["error"] === "function" ? (def["error"] as (issue: unknown) => unknown)(issue) : undefined;
  const locale = z.config().localeError;
  if (locale === undefined) throw new Error("zod has no locale: functions/config/schema.ts sets it");
  const text = textOf(own) ?? textOf(locale(issue as never));
  if (text === undefined) throw new Unsupported(`an issue without a message: ${JSON.stringify(issue)}`);
  return JSON.stringify(text);
}

function textOf(error: unknown): string | undefined {
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message;
  }
  return undefined;
}

/** How an object takes a key with this schema, from zod's optin and optout (validation.ts KeyMode). */
function keyMode(schema: Node): string {
  const { optin, optout } = schema._zod;
  if (optin === undefined && optout === undefined) return "required";
  if (optin === "optional" && optout === "optional") return "optional";
  if (optin === "defaulted" && optout === undefined) return "defaulted";
  throw new Unsupported(`a key with optin ${String(optin)} and optout ${String(optout)}`);
}

function assertPlain(value: unknown, what: string): void {
  if (typeof value !== "string" && typeof value !== "boolean" && !Number.isFinite(value)) {
    throw new Unsupported(`${what} ${String(value)}`);
  }
}

/** A default's value as a function of a literal: a fresh copy in each parse, as zod's getter gives. */
function defaultLiteral(def: Record<string, unknown>): string {
  const value = def["defaultValue"];
  const json = JSON.stringify(value);
  if (json === undefined || !sameJson(JSON.parse(json), value))
    throw new Unsupported("a default that is no JSON value");
  return typeof value === "object" && value !== null ? `() => (${json})` : `() => ${json}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function regexLiteral(pattern: RegExp): string {
  // A global or sticky pattern keeps state between tests (zod resets lastIndex; the validators do not).
  if (pattern.global || pattern.sticky) throw new Unsupported(`the stateful pattern ${pattern}`);
  const literal = pattern.toString();
  // biome-ignore lint/security/noGlobalEval: checks the literal reads back as the same pattern
  const back = eval(literal) as RegExp;
  if (back.source !== pattern.source || back.flags !== pattern.flags) throw new Unsupported(`the pattern ${literal}`);
  return literal;
}

/** The generated module's text. */
export function generatedValidators(): string {
  return new Compiler().module();
}

export const GENERATED_PATH = resolve(import.meta.dirname, "../functions/config/precompiled.ts");

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeFileSync(GENERATED_PATH, generatedValidators());
  console.log(`wrote ${GENERATED_PATH}`);
}
