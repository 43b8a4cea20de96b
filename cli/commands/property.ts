// property list|get|set|remove: the config table's properties, among them the seed's debug switches.
import { DEBUG_PROPERTIES } from "../../functions/config/schema";
import { isDebugEnabled } from "../../functions/config/store";
import { positional, type Command } from "../command";
import { byName, inspectConfigItems, parseOrRefuse, PROPERTY, toItem } from "../config-items";
import { CliError } from "../errors";
import { columns } from "../output";

const isDebugSwitch = (name: string): boolean => (DEBUG_PROPERTIES as readonly string[]).includes(name);

const list: Command = {
  name: "property list",
  args: "",
  summary: "every property, and whether the step-by-step authentication log is on",
  positionals: [0, 0],
  async run(ctx) {
    const { snapshot, invalid } = await (await ctx.configTable()).load();
    const properties = [...snapshot.properties].map(([name, value]) => ({ name, value })).sort(byName(PROPERTY.nameOf));
    const broken = invalid.filter((item) => item.pk.startsWith(PROPERTY.prefix));
    const debugLog = isDebugEnabled(snapshot);
    ctx.out.result({ properties, debugLog, invalid: broken }, () =>
      [
        properties.length === 0
          ? "no properties"
          : columns([["NAME", "VALUE"], ...properties.map((p) => [p.name, p.value])]),
        ...broken.map((item) => `INVALID ${item.pk}: ${item.problems}`),
        `debug log (${DEBUG_PROPERTIES.join(" or ")} = true): ${debugLog ? "on" : "off"}`,
      ].join("\n"),
    );
  },
};

const get: Command = {
  name: "property get",
  args: "<name>",
  summary: "one property's value",
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<name>", get);
    const stored = await (await ctx.configTable()).get(PROPERTY.key(name));
    if (!stored) throw new CliError("not_found", `no property named ${name}`);
    const { snapshot, invalid } = inspectConfigItems([stored]);
    const value = snapshot.properties.get(name);
    if (value === undefined) {
      throw new CliError("invalid", `property ${name} is invalid: the authorizer ignores it`, {
        problems: invalid.map((item) => item.problems),
      });
    }
    ctx.out.result({ property: { name, value } }, () => value);
  },
};

const set: Command = {
  name: "property set",
  args: "<name> <value>",
  summary: `set a property (debug switches: ${DEBUG_PROPERTIES.join(", ")})`,
  positionals: [2, 2],
  async run(ctx, input) {
    const name = positional(input, 0, "<name>", set);
    const value = positional(input, 1, "<value>", set);
    const property = parseOrRefuse(PROPERTY, { name, value }, name);
    await (await ctx.configTable()).put(toItem(PROPERTY, property), "any");
    if (isDebugSwitch(name) && !["true", "false"].includes(value.toLowerCase())) {
      ctx.out.warn(`${name} is a debug switch: only "true" turns it on, so ${JSON.stringify(value)} leaves it off`);
    }
    ctx.out.result({ property }, () => `${name} = ${value}`);
  },
};

const remove: Command = {
  name: "property remove",
  args: "<name>",
  summary: "delete a property",
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<name>", remove);
    if (!(await (await ctx.configTable()).delete(PROPERTY.key(name), "existing"))) {
      throw new CliError("not_found", `no property named ${name}`);
    }
    ctx.out.result({ removed: name }, () => `property ${name} removed`);
  },
};

export const PROPERTY_COMMANDS: readonly Command[] = [list, get, set, remove];
