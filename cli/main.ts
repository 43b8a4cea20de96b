// The admin CLI, `oidc-admin <command> [arguments] [flags]`: returns the exit code (0 ok, 1 refused or failed, 2 usage).
import { parseArgs } from "node:util";
import { StoreError } from "../functions/shared/errors";
import { GLOBAL_OPTIONS, GLOBAL_USAGE, usageOf, type Command, type CommandInput } from "./command";
import { ACL_COMMANDS } from "./commands/acl";
import { explain } from "./commands/explain";
import { PROPERTY_COMMANDS } from "./commands/property";
import { PROVIDER_COMMANDS } from "./commands/provider";
import { ROUTE_COMMANDS } from "./commands/route";
import { providerTest } from "./commands/provider-test";
import { targetCommand } from "./commands/target";
import { TRANSFER_COMMANDS } from "./commands/transfer";
import { TABLE_COMMANDS } from "./commands/table";
import { USER_COMMANDS } from "./commands/user";
import { CommandContext, type CliIo } from "./context";
import { CliError } from "./errors";
import { Output } from "./output";

export type { CliIo } from "./context";

const COMMANDS: readonly Command[] = [
  ...PROVIDER_COMMANDS,
  providerTest,
  ...ACL_COMMANDS,
  ...TABLE_COMMANDS,
  ...ROUTE_COMMANDS,
  ...PROPERTY_COMMANDS,
  ...TRANSFER_COMMANDS,
  ...USER_COMMANDS,
  explain,
  targetCommand,
];
const BY_NAME = new Map(COMMANDS.map((command) => [command.name, command]));
/** Words that take a second word: `provider add`. */
const GROUPS = new Set(COMMANDS.flatMap((command) => (command.name.includes(" ") ? [command.name.split(" ")[0]] : [])));

const HELP = [
  "usage: oidc-admin <command> [arguments] [flags]",
  "",
  "commands:",
  ...COMMANDS.map((command) => `  ${usageOf(command).slice("oidc-admin ".length)}\n      ${command.summary}`),
  "",
  `flags of every command: ${GLOBAL_USAGE} [--help]`,
  "target: flags, then the environment (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, CONFIG_TABLE, USERS_TABLE, JTI_TABLE),",
  "  then --stack outputs, then the running local stack (npm start); `oidc-admin target` shows the choice.",
  "exit codes: 0 done, 1 refused or failed, 2 usage",
].join("\n");

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const out = new Output(io.stdout, io.stderr, argv.includes("--json"));
  let ctx: CommandContext | undefined;
  try {
    const selected = selectCommand(argv);
    if (selected === "help") {
      io.stdout.write(`${HELP}\n`);
      return 0;
    }
    const { command, rest } = selected;
    const input = parseInput(command, rest);
    if (input.values["help"] === true) {
      io.stdout.write(`usage: ${usageOf(command)}\n  ${command.summary}\nflags of every command: ${GLOBAL_USAGE}\n`);
      return 0;
    }
    const text = (name: string): string | undefined => {
      const value = input.values[name];
      return typeof value === "string" ? value : undefined;
    };
    ctx = new CommandContext(io, out, {
      endpoint: text("endpoint"),
      region: text("region"),
      stack: text("stack"),
      tables: {
        config: text("config-table"),
        users: text("users-table"),
        jti: text("jti-table"),
        providerState: text("provider-state-table"),
      },
      allowLoopbackHttp: input.values["allow-loopback-http"] === true,
    });
    return (await command.run(ctx, input)) ?? 0;
  } catch (error) {
    const failure = toCliError(error);
    out.error(failure);
    return failure.exitCode;
  } finally {
    ctx?.close();
  }
}

/**
 * The command named by the first one or two words. Flags may come before them, so the flags of every
 * command that take a value are skipped with their value.
 */
function selectCommand(argv: readonly string[]): "help" | { command: Command; rest: string[] } {
  const wordIndexes: number[] = [];
  for (let i = 0; i < argv.length && wordIndexes.length < 2; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") break;
    if (arg.startsWith("-") && arg !== "-") {
      const option = GLOBAL_OPTIONS[arg.slice(2) as keyof typeof GLOBAL_OPTIONS];
      if (option?.type === "string") i++;
      continue;
    }
    wordIndexes.push(i);
    if (wordIndexes.length === 1 && !GROUPS.has(arg)) break;
  }
  const words = wordIndexes.map((i) => argv[i] ?? "");
  const [first, second] = words;
  if (first === undefined || first === "help") {
    if (first === "help" || argv.includes("--help") || argv.includes("-h")) return "help";
    throw new CliError("usage", "no command given", {
      usage: "oidc-admin <command> [arguments] [flags]; oidc-admin --help lists them",
    });
  }
  const name = GROUPS.has(first) ? `${first} ${second ?? ""}`.trimEnd() : first;
  const command = BY_NAME.get(name);
  if (!command) {
    const known = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
    throw new CliError("usage", `unknown command: ${name}`, {
      problems: known.length > 0 ? [`${first} commands: ${known.join(", ")}`] : [],
      usage: "oidc-admin --help lists the commands",
    });
  }
  return { command, rest: argv.filter((_, i) => !wordIndexes.includes(i)) };
}

function parseInput(command: Command, args: string[]): CommandInput {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs reports unknown flags and missing values as TypeErrors with an ERR_PARSE_ARGS_* code.
    throw new CliError("usage", (error as Error).message, { usage: usageOf(command) });
  }
  const [min, max] = command.positionals;
  // `provider show --help` asks for the usage: no argument is missing.
  if (parsed.values["help"] === true) return { values: parsed.values, positionals: parsed.positionals };
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    const expected = min === max ? `${min}` : `${min}-${max}`;
    throw new CliError("usage", `${command.name} takes ${expected} argument(s), got ${parsed.positionals.length}`, {
      usage: usageOf(command),
    });
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

const causeText = (error: unknown): string => {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? `: ${cause.name}: ${cause.message}` : "";
};

/** Anything thrown becomes a CliError; failures of AWS or the network keep their name and message. */
function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof StoreError)
    return new CliError("failed", `${error.message}${causeText(error)}`, { cause: error });
  if (error instanceof Error && error.name === "ResourceNotFoundException") {
    return new CliError("failed", "table not found: check where the CLI points with `oidc-admin target`", {
      cause: error,
    });
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}${causeText(error)}` : String(error);
  return new CliError("failed", text, { cause: error });
}
