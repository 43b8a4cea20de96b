// What the CLI prints: short aligned text for people, one JSON document with --json; errors on stderr.
import type { CliError } from "./errors";

export interface TextSink {
  write(text: string): unknown;
}

export class Output {
  constructor(
    private readonly stdout: TextSink,
    private readonly stderr: TextSink,
    readonly json: boolean,
    /** Applied to every line before it is written (explain removes the token's segments this way). */
    private readonly filter: (text: string) => string = (text) => text,
  ) {}

  /** A copy whose every line has each of `secrets` replaced, as a last guard against printing them. */
  redacting(secrets: readonly string[]): Output {
    const present = secrets.filter((secret) => secret.length > 0);
    return new Output(this.stdout, this.stderr, this.json, (text) =>
      present.reduce((out, secret) => out.split(secret).join("[redacted]"), this.filter(text)),
    );
  }

  /** The command's result: `data` as JSON with --json, otherwise the human text. */
  result(data: unknown, human: () => string): void {
    this.write(this.stdout, this.json ? JSON.stringify(data, null, 2) : human());
  }

  /** A remark about the result that is not the result (stderr, so stdout stays parseable). */
  warn(message: string): void {
    this.write(this.stderr, `warning: ${message}`);
  }

  error(error: CliError): void {
    if (this.json) {
      const { code, message, problems } = error;
      this.write(this.stderr, JSON.stringify({ error: { code, message, ...(problems.length > 0 && { problems }) } }));
      return;
    }
    const lines = [`error: ${error.message}`, ...error.problems.map((problem) => `  - ${problem}`)];
    if (error.usage !== undefined) lines.push(`usage: ${error.usage}`);
    this.write(this.stderr, lines.join("\n"));
  }

  private write(sink: TextSink, text: string): void {
    sink.write(`${this.filter(text).replace(/\n+$/, "")}\n`);
  }
}

/** Rows as columns separated by two spaces; the last column is not padded. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  "))
    .join("\n");
}

/** `label  value` pairs, labels aligned; a multi-line value continues under its first line. */
export function fields(pairs: readonly (readonly [string, string])[], indent = ""): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length));
  return pairs
    .map(([label, value]) => {
      const [first = "", ...rest] = value.split("\n");
      const pad = " ".repeat(width + 2);
      return [`${indent}${label.padEnd(width)}  ${first}`, ...rest.map((line) => `${indent}${pad}${line}`)].join("\n");
    })
    .join("\n");
}

/** A config value as one short line: strings bare, lists comma-separated, objects as JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "(not set)";
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((item) => typeof item !== "object" || item === null)) {
    return value.length === 0 ? "(none)" : value.map(String).join(", ");
  }
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/**
 * Text that came from outside (a discovery document, a token), fit to print: cut to `max` characters and
 * with control and format characters shown as escapes, so it cannot move the cursor or reorder a line.
 */
export function printable(text: string, max = 256): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  return cut.replace(/\p{C}/gu, (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`);
}
