// export and import: the whole config as one JSON document; import validates everything before it writes anything.
import { z } from "zod";
import {
  describeIssues,
  type Acl,
  type CustomTable,
  type Property,
  type ProviderConfig,
  type RouteRule,
} from "../../functions/config/schema";
import type { ConfigSnapshot } from "../../functions/config/store";
import { booleanOption, positional, type Command } from "../command";
import {
  ACL,
  byName,
  canonical,
  PROPERTY,
  PROVIDER,
  ROUTE_RULE,
  TABLE,
  toItem,
  type ConfigItem,
  type ConfigKind,
} from "../config-items";
import { CliError } from "../errors";
import { columns } from "../output";

interface ConfigDocument {
  readonly version: 1;
  readonly providers: readonly ProviderConfig[];
  readonly properties: readonly Property[];
  readonly acls: readonly Acl[];
  readonly tables: readonly CustomTable[];
  readonly routeRules: readonly RouteRule[];
}

const documentSchema = z.strictObject({
  version: z.literal(1),
  providers: z.array(z.unknown()).default([]),
  properties: z.array(z.unknown()).default([]),
  acls: z.array(z.unknown()).default([]),
  tables: z.array(z.unknown()).default([]),
  routeRules: z.array(z.unknown()).default([]),
});

const KINDS = [PROVIDER, PROPERTY, ACL, TABLE, ROUTE_RULE] as const;

/** A list in canonical form, sorted by name. */
const ordered = <T>(kind: ConfigKind<T>, values: Iterable<T>): T[] =>
  [...values].map((value) => canonical(kind, value)).sort(byName(kind.nameOf));

/** The snapshot as a document, so equal configs export byte-identical text. */
function toDocument(snapshot: ConfigSnapshot): ConfigDocument {
  return {
    version: 1,
    providers: ordered(PROVIDER, snapshot.providers),
    properties: ordered(
      PROPERTY,
      [...snapshot.properties].map(([name, value]) => ({ name, value })),
    ),
    acls: ordered(ACL, snapshot.acls.values()),
    tables: ordered(TABLE, snapshot.tables),
    // A broken rule is not exported (the export warns and fails); its routes stay closed where it is stored.
    routeRules: ordered(
      ROUTE_RULE,
      (snapshot.routeRules ?? []).filter((rule): rule is RouteRule => !("broken" in rule)),
    ),
  };
}

/** Every stored config item by key, in its stored (parsed) form. */
const itemsOf = (document: ConfigDocument): Map<string, ConfigItem> =>
  new Map(
    [
      ...document.providers.map((value) => toItem(PROVIDER, value)),
      ...document.properties.map((value) => toItem(PROPERTY, value)),
      ...document.acls.map((value) => toItem(ACL, value)),
      ...document.tables.map((value) => toItem(TABLE, value)),
      ...document.routeRules.map((value) => toItem(ROUTE_RULE, value)),
    ].map((item) => [item.pk, item]),
  );

const exportCommand: Command = {
  name: "export",
  args: "",
  summary: "print the whole config as JSON (providers, properties, ACLs, custom tables, route rules), sorted by name",
  positionals: [0, 0],
  async run(ctx) {
    const { snapshot, invalid } = await (await ctx.configTable()).load();
    for (const item of invalid) ctx.out.warn(`not exported, the authorizer ignores it: ${item.pk}: ${item.problems}`);
    const document = toDocument(snapshot);
    ctx.out.result(document, () => JSON.stringify(document, null, 2));
    // An export that left something out must not pass for a complete backup.
    return invalid.length > 0 ? 1 : 0;
  },
};

/** Validates one list of the document, collecting a problem per bad or duplicate item instead of stopping. */
function parseAll<T>(kind: ConfigKind<T>, inputs: readonly unknown[], problems: string[]): T[] {
  const seen = new Set<string>();
  const values: T[] = [];
  inputs.forEach((input, i) => {
    const parsed = kind.schema.safeParse(input);
    if (!parsed.success) {
      const named =
        typeof input === "object" && input !== null ? (input as Record<string, unknown>)[kind.nameField] : undefined;
      const label = typeof named === "string" ? ` (${named})` : "";
      problems.push(`${kind.plural}[${i}]${label}: ${describeIssues(parsed.error)}`);
      return;
    }
    const name = kind.nameOf(parsed.data);
    if (seen.has(name)) problems.push(`${kind.plural}[${i}] (${name}): a second ${kind.label} with this name`);
    seen.add(name);
    values.push(parsed.data);
  });
  return values;
}

const importCommand: Command = {
  name: "import",
  args: "<file.json>|- [--replace] [--dry-run]",
  summary:
    "write a document made by export; all of it or (if any item is invalid) none; --replace also deletes what it lacks",
  options: { replace: { type: "boolean" }, "dry-run": { type: "boolean" } },
  positionals: [1, 1],
  async run(ctx, input) {
    const path = positional(input, 0, "<file.json>", importCommand);
    const parsedDocument = documentSchema.safeParse(await ctx.readJson(path));
    if (!parsedDocument.success) {
      throw new CliError("invalid", `${path} is not a config document; nothing was imported`, {
        problems: [describeIssues(parsedDocument.error)],
      });
    }
    const problems: string[] = [];
    const document: ConfigDocument = {
      version: 1,
      providers: ordered(PROVIDER, parseAll(PROVIDER, parsedDocument.data.providers, problems)),
      properties: ordered(PROPERTY, parseAll(PROPERTY, parsedDocument.data.properties, problems)),
      acls: ordered(ACL, parseAll(ACL, parsedDocument.data.acls, problems)),
      tables: ordered(TABLE, parseAll(TABLE, parsedDocument.data.tables, problems)),
      routeRules: ordered(ROUTE_RULE, parseAll(ROUTE_RULE, parsedDocument.data.routeRules, problems)),
    };
    if (problems.length > 0) {
      throw new CliError("invalid", `${problems.length} invalid item(s); nothing was imported`, { problems });
    }

    const table = await ctx.configTable();
    const { snapshot, invalid } = await table.load();
    const current = itemsOf(toDocument(snapshot));
    const wanted = itemsOf(document);
    const plan = {
      created: [] as string[],
      updated: [] as string[],
      unchanged: [] as string[],
      deleted: [] as string[],
    };
    const invalidKeys = new Set(invalid.map((item) => item.pk));
    const writes: ConfigItem[] = [];
    for (const [pk, item] of wanted) {
      const existing = current.get(pk);
      const change =
        existing === undefined
          ? invalidKeys.has(pk)
            ? "updated"
            : "created"
          : JSON.stringify(existing) === JSON.stringify(item)
            ? "unchanged"
            : "updated";
      plan[change].push(pk);
      if (change !== "unchanged") writes.push(item);
    }
    if (booleanOption(input, "replace")) {
      const stored = [...current.keys(), ...invalidKeys].filter((pk) =>
        KINDS.some((kind) => pk.startsWith(kind.prefix)),
      );
      plan.deleted.push(...stored.filter((pk) => !wanted.has(pk)));
    }

    const dryRun = booleanOption(input, "dry-run") ?? false;
    if (!dryRun) {
      // Everything is valid by now; the writes are single items (dynalite has no transactions).
      for (const item of writes) await table.put(item, "any");
      for (const pk of plan.deleted) await table.delete(pk, "any");
    }
    ctx.out.result({ dryRun, ...plan }, () => {
      const rows = (["created", "updated", "deleted"] as const).flatMap((change) =>
        plan[change].map((pk) => [change, pk]),
      );
      const summary = `${dryRun ? "would import" : "imported"}: ${plan.created.length} created, ${plan.updated.length} updated, ${plan.unchanged.length} unchanged, ${plan.deleted.length} deleted`;
      return rows.length > 0 ? `${columns(rows)}\n${summary}` : summary;
    });
  },
};

export const TRANSFER_COMMANDS: readonly Command[] = [exportCommand, importCommand];
