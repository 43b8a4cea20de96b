// The out-of-box tables' names alone: what the config schema needs to tell an admin's `u_` columns on an
// out-of-box table from a new table, without bundling the whole dictionary into every Lambda that reads
// the config (the authorizer among them). out-of-box.ts defines exactly these tables (the type holds it).
export const OUT_OF_BOX_TABLE_NAMES = [
  "task",
  "incident",
  "problem",
  "problem_task",
  "change_request",
  "change_task",
  "sc_request",
  "sc_req_item",
  "sc_task",
  "cmdb_ci",
  "cmdb_ci_hardware",
  "cmdb_ci_computer",
  "cmdb_ci_server",
  "cmdb_ci_linux_server",
  "cmdb_ci_win_server",
  "sys_user",
  "sys_user_group",
  "sys_user_grmember",
  "sys_choice",
  "sys_journal_field",
  "sys_attachment",
] as const;
export type OutOfBoxTableName = (typeof OUT_OF_BOX_TABLE_NAMES)[number];

const NAMES: ReadonlySet<string> = new Set(OUT_OF_BOX_TABLE_NAMES);
export const isOutOfBoxTable = (name: string): boolean => NAMES.has(name);
