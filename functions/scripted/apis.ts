// Every scripted API with its Lambda and the tables it may touch; routes.ts mounts each one from here.
import type { FunctionDefinition, HttpMethod } from "../http/route-types";
import { mountRoutes, shippedRouteRules } from "./framework";
import { authApi } from "./x_oidc_auth/api";
import { incidentOpsApi } from "./x_oidc_incident_ops/api";

/** One Lambda per API, so each has its own role with only the tables its resources need. */
export const SCRIPTED_BACKENDS = {
  scriptedAuth: {
    id: "ScriptedAuth",
    entry: "functions/scripted/x_oidc_auth/handler.ts",
    description: "Scripted API x_oidc/auth: the authenticated caller",
    // config: the table ACLs every scripted resource is checked against; users: the caller's own record.
    tables: { config: { actions: ["Scan"] }, users: { actions: ["GetItem"] } },
  },
  scriptedIncidentOps: {
    id: "ScriptedIncidentOps",
    entry: "functions/scripted/x_oidc_incident_ops/handler.ts",
    description: "Scripted API x_oidc/incident_ops: comments and work notes on incidents",
    // config: the table ACLs; records: incidents read by sys_id or number and rewritten, and their
    // journal entries (sys_journal_field rows, appended and read through the journal index).
    tables: {
      config: { actions: ["Scan"] },
      records: { actions: ["GetItem", "Query", "PutItem"], partitions: ["incident", "sys_journal_field"] },
    },
  },
} as const satisfies Record<string, FunctionDefinition>;

export type ScriptedBackendName = keyof typeof SCRIPTED_BACKENDS;

/** The API module each scripted backend serves. */
export const SCRIPTED_APIS = {
  scriptedAuth: authApi,
  scriptedIncidentOps: incidentOpsApi,
} as const satisfies Record<ScriptedBackendName, unknown>;

/** Both mount paths of every API, for each method its resources use. */
export const SCRIPTED_ROUTES: readonly { method: HttpMethod; path: string; backend: ScriptedBackendName }[] = (
  Object.keys(SCRIPTED_APIS) as ScriptedBackendName[]
).flatMap((backend) => mountRoutes(SCRIPTED_APIS[backend]).map((route) => ({ ...route, backend })));

/** The authorizer's rules for the scripted resources that require roles (see shippedRouteRules). */
export const SCRIPTED_ROUTE_RULES = (Object.keys(SCRIPTED_APIS) as ScriptedBackendName[]).flatMap((backend) =>
  shippedRouteRules(SCRIPTED_APIS[backend]),
);
