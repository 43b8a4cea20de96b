// The README's numbers, read from its text, so a test can hold the README and the code to one value.
import { readFileSync } from "node:fs";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000 };
const UNIT_BYTES: Readonly<Record<string, number>> = { KB: 1024, KiB: 1024, MiB: 1024 * 1024 };

/**
 * The text under a heading (`## Caching and availability`, `### ACLs`), up to the next heading of its level
 * or above; a `#` line inside a code block is not a heading.
 */
export function readmeSection(heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 0;
  const lines = README.split("\n");
  const start = lines.indexOf(heading);
  if (level === 0 || start < 0) throw new Error(`README has no heading ${heading}`);
  let inCode = false;
  const end = lines.findIndex((line, index) => {
    if (line.startsWith("```")) inCode = !inCode;
    return index > start && !inCode && /^#+ /.test(line) && (/^#+/.exec(line)?.[0].length ?? 0) <= level;
  });
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** A table row's cells; `\|` inside a cell is text, not a border. */
const cellsOf = (line: string): string[] =>
  line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((cell) => cell.trim());

/**
 * The cell in `column` (a header's text) of the one table row in `text` whose first cell is `first`
 * (backticks ignored); throws unless there is exactly one such row and column.
 */
export function readmeCell(text: string, first: string, column: string): string {
  const lines = text.split("\n");
  const rows = lines.flatMap((line, index) =>
    line.startsWith("|") && cellsOf(line)[0]?.replaceAll("`", "") === first ? [index] : [],
  );
  const [row] = rows;
  if (row === undefined || rows.length !== 1)
    throw new Error(`expected one README row "${first}", found ${rows.length}`);
  let top = row;
  while (top > 0 && lines[top - 1]?.startsWith("|")) top -= 1;
  const index = cellsOf(lines[top] ?? "").indexOf(column);
  const cell = cellsOf(lines[row] ?? "")[index];
  if (index < 0 || cell === undefined) throw new Error(`README table of "${first}" has no column "${column}"`);
  return cell;
}

/**
 * The capture groups of the one match of `pattern` in `text` (the whole README by default), with every run of
 * whitespace read as one space (a phrase may wrap); throws unless there is exactly one match.
 */
export function readmeMatch(pattern: RegExp, text = README): string[] {
  const matches = [
    ...text.replace(/\s+/g, " ").matchAll(new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`)),
  ];
  if (matches.length !== 1) throw new Error(`expected one README match of ${pattern}, found ${matches.length}`);
  return (matches[0] as RegExpMatchArray).slice(1).map((group) => group ?? "");
}

/** The first capture group of the one match of `pattern` (see readmeMatch). */
export const readmeText = (pattern: RegExp, text = README): string => readmeMatch(pattern, text)[0] ?? "";

/** "30 s", "15 min", "1 h", "10 seconds" as milliseconds. */
export function durationMs(text: string): number {
  const match = /^(\d+) ?(ms|s|min|h|seconds?|minutes?|hours?)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text}`);
  const unit = (match[2] as string)
    .replace(/^seconds?$/, "s")
    .replace(/^minutes?$/, "min")
    .replace(/^hours?$/, "h");
  return Number(match[1]) * (UNIT_MS[unit] as number);
}

/** "16 KiB", "1 MiB", "400 KB" (DynamoDB's KB, 1024 bytes) as bytes. */
export function sizeBytes(text: string): number {
  const match = /^(\d+) ?(KB|KiB|MiB)$/.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  return Number(match[1]) * (UNIT_BYTES[match[2] as string] as number);
}
