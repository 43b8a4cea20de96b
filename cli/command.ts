// What a subcommand is: its words, flags and positionals, and a run function over a CommandContext.
import type { ParseArgsConfig } from "node:util";
import type { CommandContext } from "./context";
import { CliError } from "./errors";

export type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;
export type OptionValue = string | boolean | (string | boolean)[] | undefined;

export interface CommandInput {
  readonly values: Readonly<Record<string, OptionValue>>;
  readonly positionals: readonly string[];
}

export interface Command {
  /** The words that select it: `provider add`, `export`. */
  readonly name: string;
  /** Positionals and flags, for the usage line. */
  readonly args: string;
  readonly summary: string;
  readonly options?: OptionsConfig;
  /** How many positionals it takes: [min, max]. */
  readonly positionals: readonly [number, number];
  /** Resolves to the exit code (0 when nothing is returned); throws CliError when refused. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a command that only prints returns nothing, which means 0.
  run(ctx: CommandContext, input: CommandInput): Promise<number | void>;
}

/** Flags every command accepts: output and target. */
export const GLOBAL_OPTIONS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  endpoint: { type: "string" },
  region: { type: "string" },
  stack: { type: "string" },
  "config-table": { type: "string" },
  "users-table": { type: "string" },
  "jti-table": { type: "string" },
  "provider-state-table": { type: "string" },
  "allow-loopback-http": { type: "boolean" },
} as const satisfies OptionsConfig;

export const GLOBAL_USAGE =
  "[--json] [--endpoint URL] [--region R] [--stack NAME] [--config-table T] [--users-table T] [--jti-table T] [--provider-state-table T] [--allow-loopback-http]";

export const usageOf = (command: Command): string => `oidc-admin ${command.name} ${command.args}`.trimEnd();

export function stringOption(input: CommandInput, name: string): string | undefined {
  const value = input.values[name];
  return typeof value === "string" ? value : undefined;
}

export function booleanOption(input: CommandInput, name: string): boolean | undefined {
  const value = input.values[name];
  return typeof value === "boolean" ? value : undefined;
}

export function listOption(input: CommandInput, name: string): string[] {
  const value = input.values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** A flag's value parsed as JSON (undefined when not given), or an error naming the field it sets. */
export function jsonOption(input: CommandInput, name: string, field: string): unknown {
  const text = stringOption(input, name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError("invalid", `${field}: --${name} is not JSON: ${(error as Error).message}`);
  }
}

/** Positional `index`, or a usage error naming it. */
export function positional(input: CommandInput, index: number, what: string, command: Command): string {
  const value = input.positionals[index];
  if (value === undefined) throw new CliError("usage", `missing ${what}`, { usage: usageOf(command) });
  return value;
}
