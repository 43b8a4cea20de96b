// acl list|get|set|remove: which roles may read, create, write and delete each table's records.
import { ACL_OPERATIONS, type Acl } from "../../functions/config/schema";
import { positional, stringOption, usageOf, type Command } from "../command";
import { ACL, byName, inspectConfigItems, parseOrRefuse, roleList, toItem } from "../config-items";
import { CliError } from "../errors";
import { columns, fields, formatValue } from "../output";

const ROLE_OPTIONS = Object.fromEntries(ACL_OPERATIONS.map((operation) => [operation, { type: "string" as const }]));
const ROLE_ARGS = ACL_OPERATIONS.map((operation) => `[--${operation} ROLES]`).join(" ");

const describeAcl = (acl: Acl): string =>
  fields([
    ["table", acl.table],
    ...ACL_OPERATIONS.map((operation) => [operation, formatValue(acl[operation])] as const),
  ]);

const list: Command = {
  name: "acl list",
  args: "",
  summary: "every table's ACL (a table without one does not exist for the Table API)",
  positionals: [0, 0],
  async run(ctx) {
    const { snapshot, invalid } = await (await ctx.configTable()).load();
    const acls = [...snapshot.acls.values()].sort(byName(ACL.nameOf));
    const broken = invalid.filter((item) => item.pk.startsWith(ACL.prefix));
    ctx.out.result({ acls, invalid: broken }, () => {
      if (acls.length === 0 && broken.length === 0) return "no ACLs: the Table API serves no table but sys_user";
      const rows = acls.map((acl) => [acl.table, ...ACL_OPERATIONS.map((operation) => formatValue(acl[operation]))]);
      const bad = broken.map((item) => [item.pk.slice(ACL.prefix.length), "INVALID", item.problems]);
      return columns([["TABLE", ...ACL_OPERATIONS.map((operation) => operation.toUpperCase())], ...rows, ...bad]);
    });
  },
};

const get: Command = {
  name: "acl get",
  args: "<table>",
  summary: "one table's ACL",
  positionals: [1, 1],
  async run(ctx, input) {
    const table = positional(input, 0, "<table>", get);
    const stored = await (await ctx.configTable()).get(ACL.key(table));
    if (!stored) throw new CliError("not_found", `no ACL for table ${table}: the Table API answers 'Invalid table'`);
    const { snapshot, invalid } = inspectConfigItems([stored]);
    const acl = snapshot.acls.get(table);
    if (!acl) {
      throw new CliError("invalid", `the ACL of ${table} is invalid: the Table API answers 'Invalid table'`, {
        problems: invalid.map((item) => item.problems),
      });
    }
    ctx.out.result({ acl }, () => describeAcl(acl));
  },
};

const set: Command = {
  name: "acl set",
  args: `<table> ${ROLE_ARGS}`,
  summary: 'set the roles of the operations given (comma-separated; "" for none); the others stay',
  options: ROLE_OPTIONS,
  positionals: [1, 1],
  async run(ctx, input) {
    const table = positional(input, 0, "<table>", set);
    const changes = Object.fromEntries(
      ACL_OPERATIONS.flatMap((operation) => {
        const roles = stringOption(input, operation);
        return roles === undefined ? [] : [[operation, roleList(roles)]];
      }),
    );
    if (Object.keys(changes).length === 0) {
      throw new CliError("usage", `give at least one of ${ACL_OPERATIONS.map((o) => `--${o}`).join(", ")}`, {
        usage: usageOf(set),
      });
    }
    const configTable = await ctx.configTable();
    const stored = await configTable.get(ACL.key(table));
    const { pk: _pk, ...current } = stored ?? {};
    const acl = parseOrRefuse(ACL, { ...current, table, ...changes }, table);
    await configTable.put(toItem(ACL, acl), "any");
    ctx.out.result({ acl }, () => `ACL of ${table} set\n${describeAcl(acl)}`);
  },
};

const remove: Command = {
  name: "acl remove",
  args: "<table>",
  summary: "delete a table's ACL (the Table API then answers 'Invalid table')",
  positionals: [1, 1],
  async run(ctx, input) {
    const table = positional(input, 0, "<table>", remove);
    if (!(await (await ctx.configTable()).delete(ACL.key(table), "existing"))) {
      throw new CliError("not_found", `no ACL for table ${table}`);
    }
    ctx.out.result({ removed: table }, () => `ACL of ${table} removed: the Table API now answers 'Invalid table'`);
  },
};

export const ACL_COMMANDS: readonly Command[] = [list, get, set, remove];
