// table list|get|set|remove: custom tables and the `u_` columns admins add to the table dictionary,
// validated with the Table API's own schema before anything is written.
import { Dictionary } from "../../functions/dictionary/dictionary";
import { positional, stringOption, usageOf, type Command } from "../command";
import { byName, inspectConfigItems, parseOrRefuse, TABLE, toItem } from "../config-items";
import { CliError } from "../errors";
import { columns } from "../output";

const list: Command = {
  name: "table list",
  args: "",
  summary: "custom tables and added u_ columns in the config table (the out-of-box tables are built in)",
  positionals: [0, 0],
  async run(ctx) {
    const { snapshot, invalid } = await (await ctx.configTable()).load();
    const tables = [...snapshot.tables].sort(byName(TABLE.nameOf));
    const broken = invalid.filter((item) => item.pk.startsWith(TABLE.prefix));
    ctx.out.result({ tables, invalid: broken }, () => {
      if (tables.length === 0 && broken.length === 0) return "no custom tables or columns";
      const rows = tables.map((table) => [table.name, table.extends ?? "", Object.keys(table.columns).join(",")]);
      const bad = broken.map((item) => [item.pk.slice(TABLE.prefix.length), "INVALID", item.problems]);
      return columns([["TABLE", "EXTENDS", "COLUMNS"], ...rows, ...bad]);
    });
  },
};

const get: Command = {
  name: "table get",
  args: "<table>",
  summary: "one custom table or column set, as stored",
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<table>", get);
    const stored = await (await ctx.configTable()).get(TABLE.key(name));
    if (!stored) throw new CliError("not_found", `no custom table or columns for ${name}`);
    const { snapshot, invalid } = inspectConfigItems([stored]);
    const table = snapshot.tables[0];
    if (!table) {
      throw new CliError("invalid", `the item of ${name} is invalid: the Table API ignores it`, {
        problems: invalid.map((item) => item.problems),
      });
    }
    ctx.out.result({ table }, () => JSON.stringify(table, null, 2));
  },
};

const set: Command = {
  name: "table set",
  args: "--file table.json|-",
  summary: "add or replace a custom table, or the u_ columns of a table, from a JSON document",
  options: { file: { type: "string" } },
  positionals: [0, 0],
  async run(ctx, input) {
    const file = stringOption(input, "file");
    if (file === undefined) throw new CliError("usage", "give --file", { usage: usageOf(set) });
    const given = await ctx.readJson(file);
    const named = typeof given === "object" && given !== null ? (given as { name?: unknown }).name : undefined;
    const name = typeof named === "string" ? named : "(unnamed)";
    const table = parseOrRefuse(TABLE, given, name);
    const configTable = await ctx.configTable();
    // The parent must exist: out of the box, or another custom table already stored.
    const { snapshot } = await configTable.load();
    const others = snapshot.tables.filter((other) => other.name !== table.name);
    const problems: string[] = [];
    new Dictionary([...others, table], (table, problem) => problems.push(`${table}: ${problem}`));
    if (problems.length > 0) {
      throw new CliError("invalid", `table ${table.name} is invalid; nothing was written`, { problems });
    }
    await configTable.put(toItem(TABLE, table), "any");
    ctx.out.result(
      { table },
      () => `table ${table.name} set: columns ${Object.keys(table.columns).join(", ") || "(none)"}`,
    );
  },
};

const remove: Command = {
  name: "table remove",
  args: "<table>",
  summary: "delete a custom table or column set from the dictionary (its records stay in the records table)",
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<table>", remove);
    if (!(await (await ctx.configTable()).delete(TABLE.key(name), "existing"))) {
      throw new CliError("not_found", `no custom table or columns for ${name}`);
    }
    ctx.out.result({ removed: name }, () => `custom table or columns of ${name} removed`);
  },
};

export const TABLE_COMMANDS: readonly Command[] = [list, get, set, remove];
