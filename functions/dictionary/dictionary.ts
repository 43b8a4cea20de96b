// The table dictionary as the Table API uses it: out-of-box tables plus the custom tables and `u_` columns
// admins add in the config table, each table with its inherited columns, its ancestors and descendants.
import type { CustomTable } from "../config/schema";
import type { Column, TableDefinition } from "./columns";
import { OUT_OF_BOX_TABLES } from "./out-of-box";

/** Columns every table has, set by the API alone. */
const SYSTEM_COLUMNS: Readonly<Record<string, Column>> = {
  sys_id: { type: "string", label: "Sys ID", readOnly: true },
  sys_class_name: { type: "sys_class_name", label: "Class", readOnly: true },
  sys_created_on: { type: "glide_date_time", label: "Created", readOnly: true },
  sys_created_by: { type: "string", label: "Created by", readOnly: true },
  sys_updated_on: { type: "glide_date_time", label: "Updated", readOnly: true },
  sys_updated_by: { type: "string", label: "Updated by", readOnly: true },
  sys_mod_count: { type: "integer", label: "Updates", readOnly: true },
};

export interface DictionaryTable {
  readonly name: string;
  readonly label: string;
  /** Parent first, root last. */
  readonly ancestors: readonly string[];
  /** Own, inherited and system columns; a table's own definition overrides its parent's (state on incident). */
  readonly columns: ReadonlyMap<string, Column>;
  /** The column a reference to a record of this table displays, if any. */
  readonly display: string | undefined;
  readonly number: { readonly prefix: string; readonly start: number } | undefined;
}

export class Dictionary {
  private readonly tables = new Map<string, DictionaryTable>();
  private readonly children = new Map<string, string[]>();

  /**
   * Custom tables are resolved in the order given, each after its parent: an item whose parent is not
   * (yet) known, or that redefines an out-of-box table beyond adding columns, goes to `onInvalid`.
   */
  constructor(custom: readonly CustomTable[] = [], onInvalid: (name: string, problem: string) => void = () => {}) {
    const definitions = new Map<string, TableDefinition>(Object.entries(OUT_OF_BOX_TABLES));
    const pending = [...custom];
    // Custom tables may extend each other in any order: resolve what can be, until nothing changes.
    for (let progress = true; progress && pending.length > 0; ) {
      progress = false;
      for (const item of [...pending]) {
        const existing = definitions.get(item.name);
        if (item.extends !== undefined && !definitions.has(item.extends)) continue;
        pending.splice(pending.indexOf(item), 1);
        progress = true;
        const columns = Object.fromEntries(
          Object.entries(item.columns).map(([name, column]): [string, Column] => [
            name,
            { ...column, label: column.label ?? name },
          ]),
        );
        definitions.set(
          item.name,
          existing
            ? { ...existing, columns: { ...existing.columns, ...columns } }
            : {
                label: item.label ?? item.name,
                ...(item.extends !== undefined && { extends: item.extends }),
                ...(item.numberPrefix !== undefined && { number: { prefix: item.numberPrefix, start: 1001 } }),
                columns,
              },
        );
      }
    }
    for (const item of pending) onInvalid(item.name, `extends ${item.extends}, which is not a table`);
    for (const name of definitions.keys()) this.resolve(name, definitions);
    for (const table of this.tables.values()) {
      const parent = table.ancestors[0];
      if (parent !== undefined) this.children.set(parent, [...(this.children.get(parent) ?? []), table.name]);
    }
  }

  table(name: string): DictionaryTable | undefined {
    return this.tables.get(name);
  }

  /** The table and every table that extends it, at any depth (the tables a read through it sees). */
  descendants(name: string): string[] {
    const found: string[] = [];
    const visit = (table: string): void => {
      found.push(table);
      for (const child of this.children.get(table) ?? []) visit(child);
    };
    if (this.tables.has(name)) visit(name);
    return found;
  }

  /** True when `table` is `ancestor` or extends it. */
  isA(table: string, ancestor: string): boolean {
    return table === ancestor || (this.tables.get(table)?.ancestors.includes(ancestor) ?? false);
  }

  private resolve(name: string, definitions: ReadonlyMap<string, TableDefinition>): DictionaryTable {
    const known = this.tables.get(name);
    if (known) return known;
    const definition = definitions.get(name) as TableDefinition;
    const parent = definition.extends === undefined ? undefined : this.resolve(definition.extends, definitions);
    const columns = new Map<string, Column>(parent?.columns ?? Object.entries(SYSTEM_COLUMNS));
    for (const [column, spec] of Object.entries(definition.columns)) columns.set(column, spec);
    const table: DictionaryTable = {
      name,
      label: definition.label,
      ancestors: parent ? [parent.name, ...parent.ancestors] : [],
      columns,
      display: definition.display ?? parent?.display,
      number: definition.number,
    };
    this.tables.set(name, table);
    return table;
  }
}

/** The dictionary without custom tables. */
export const OUT_OF_BOX = new Dictionary();
