// Reads the environment once, at cold start: a missing variable fails there, not on the first request.
import { TABLES, type TableName } from "./tables";

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new TypeError(`Environment variable ${name} is required`);
  }
  return value;
}

/** Physical table names for the given tables, from the variables named in TABLES. */
export function tableNames<T extends TableName>(
  tables: readonly T[],
  env: NodeJS.ProcessEnv = process.env,
): Record<T, string> {
  const names = {} as Record<T, string>;
  for (const table of tables) names[table] = requireEnv(TABLES[table].envVar, env);
  return names;
}

/**
 * Plain-http issuers on loopback are for the local stack and tests only. The CDK stack never sets this,
 * so in AWS every metadata and key-set URL must be https.
 */
export const allowLoopbackHttp = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env["OIDC_ALLOW_LOOPBACK_HTTP"] === "true";

/** The shipped routes' rules, as JSON (functions/http/routes.ts SHIPPED_ROUTE_RULES); set for the authorizer. */
export const SHIPPED_ROUTE_RULES_ENV = "SHIPPED_ROUTE_RULES";
