// route list|get|set|remove: the operators' route rules, what every caller of some routes must have
// (one of some roles, one of some scopes, every one of some claim rules), validated with the authorizer's
// own schema before anything is written.
import type { RouteRule } from "../../functions/config/schema";
import { jsonOption, positional, stringOption, usageOf, type Command, type CommandInput } from "../command";
import {
  byName,
  describeRoutePattern,
  describeRule,
  inspectConfigItems,
  parseOrRefuse,
  roleList,
  ROUTE_RULE,
  toItem,
} from "../config-items";
import type { CommandContext } from "../context";
import { CliError } from "../errors";
import { columns, fields } from "../output";

/** The requirements in one phrase: `roles itil|admin; scopes orders.read; claims department equals "ops"`. */
function describeRequirements(rule: Pick<RouteRule, "requires">): string {
  const { roles, scopes, claims } = rule.requires;
  return [
    roles && `one of the roles ${roles.join(", ")}`,
    scopes && `one of the scopes ${scopes.join(" ")}`,
    claims && `claims ${claims.map(describeRule).join(" and ")}`,
  ]
    .filter((part) => part !== undefined)
    .join("; ");
}

const describeRouteRule = (rule: RouteRule): string =>
  fields([
    ["name", rule.name],
    ...(rule.description !== undefined ? [["description", rule.description] as const] : []),
    ["routes", rule.routes.map(describeRoutePattern).join("\n")],
    ["requires", describeRequirements(rule)],
  ]);

const list: Command = {
  name: "route list",
  args: "",
  summary: "every route rule (a broken one closes its routes to everyone until it is fixed)",
  positionals: [0, 0],
  async run(ctx) {
    const { snapshot, invalid } = await (await ctx.configTable()).load();
    const rules = [...(snapshot.routeRules ?? [])]
      .filter((rule): rule is RouteRule => !("broken" in rule))
      .sort(byName(ROUTE_RULE.nameOf));
    const broken = invalid.filter((item) => item.pk.startsWith(ROUTE_RULE.prefix));
    ctx.out.result({ routeRules: rules, invalid: broken }, () => {
      if (rules.length === 0 && broken.length === 0) return "no route rules";
      const rows = rules.map((rule) => [
        rule.name,
        rule.routes.map(describeRoutePattern).join("; "),
        describeRequirements(rule),
      ]);
      const bad = broken.map((item) => [
        item.pk.slice(ROUTE_RULE.prefix.length),
        "INVALID (routes closed)",
        item.problems,
      ]);
      return columns([["NAME", "ROUTES", "REQUIRES"], ...rows, ...bad]);
    });
  },
};

const get: Command = {
  name: "route get",
  args: "<name>",
  summary: "one route rule",
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<name>", get);
    const stored = await (await ctx.configTable()).get(ROUTE_RULE.key(name));
    if (!stored) throw new CliError("not_found", `no route rule named ${name}`);
    const { snapshot, invalid } = inspectConfigItems([stored]);
    const [rule] = snapshot.routeRules ?? [];
    if (rule === undefined || "broken" in rule) {
      throw new CliError("invalid", `route rule ${name} is invalid: the routes it names are closed to everyone`, {
        problems: invalid.map((item) => item.problems),
      });
    }
    ctx.out.result({ routeRule: rule }, () => describeRouteRule(rule));
  },
};

const RULE_ARGS =
  "[--file rule.json|-] [--api NAME,NAME] [--path PATH,PATH] [--methods GET,POST] [--roles R,R] [--scopes S,S] " +
  "[--claim-rules JSON] [--description TEXT]";

/** The rule from --file and the flags (flags win); routes from --api and --path, each with --methods. */
async function givenRule(ctx: CommandContext, input: CommandInput, name: string): Promise<Record<string, unknown>> {
  const file = stringOption(input, "file");
  const fromFile = file === undefined ? {} : await ctx.readJson(file);
  if (typeof fromFile !== "object" || fromFile === null || Array.isArray(fromFile)) {
    throw new CliError("invalid", `${file}: a route rule is a JSON object`);
  }
  const given: Record<string, unknown> = { ...fromFile, name };
  const methods = stringOption(input, "methods");
  const methodList = methods === undefined ? undefined : roleList(methods);
  const apis = roleList(stringOption(input, "api") ?? "").map((api) => ({ api }));
  const paths = roleList(stringOption(input, "path") ?? "").map((path) => ({ path }));
  if (apis.length + paths.length > 0) {
    given["routes"] = [...apis, ...paths].map((pattern) => ({
      ...pattern,
      ...(methodList && { methods: methodList }),
    }));
  } else if (methodList !== undefined) {
    throw new CliError("usage", "--methods goes with --api or --path", { usage: usageOf(set) });
  }
  const requires: Record<string, unknown> = {
    ...(typeof given["requires"] === "object" && given["requires"] !== null ? given["requires"] : {}),
  };
  const roles = stringOption(input, "roles");
  if (roles !== undefined) requires["roles"] = roleList(roles);
  const scopes = stringOption(input, "scopes");
  if (scopes !== undefined) requires["scopes"] = roleList(scopes);
  const claims = jsonOption(input, "claim-rules", "requires.claims");
  if (claims !== undefined) requires["claims"] = claims;
  given["requires"] = requires;
  const description = stringOption(input, "description");
  if (description !== undefined) given["description"] = description;
  return given;
}

const set: Command = {
  name: "route set",
  args: `<name> ${RULE_ARGS}`,
  summary:
    "add or replace a route rule: every caller of its routes needs one of --roles (admin passes), one of --scopes " +
    "(access tokens; an ID token has none) and every --claim-rules rule",
  options: {
    file: { type: "string" },
    api: { type: "string" },
    path: { type: "string" },
    methods: { type: "string" },
    roles: { type: "string" },
    scopes: { type: "string" },
    "claim-rules": { type: "string" },
    description: { type: "string" },
  },
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<name>", set);
    const rule = parseOrRefuse(ROUTE_RULE, await givenRule(ctx, input, name), name);
    await (await ctx.configTable()).put(toItem(ROUTE_RULE, rule), "any");
    ctx.out.result({ routeRule: rule }, () => `route rule ${name} set\n${describeRouteRule(rule)}`);
  },
};

const remove: Command = {
  name: "route remove",
  args: "<name>",
  summary: "delete a route rule (its routes then ask only what the other rules ask)",
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<name>", remove);
    if (!(await (await ctx.configTable()).delete(ROUTE_RULE.key(name), "existing"))) {
      throw new CliError("not_found", `no route rule named ${name}`);
    }
    ctx.out.result({ removed: name }, () => `route rule ${name} removed`);
  },
};

export const ROUTE_COMMANDS: readonly Command[] = [list, get, set, remove];
