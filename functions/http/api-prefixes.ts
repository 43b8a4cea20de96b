// The APIs the stack serves, by ServiceNow name (`namespace/id`), and the path prefixes each answers under:
// what a provider's allowed routes and a route rule may name with `api`. Names only, so the config schema
// and the authorizer know them without bundling the APIs themselves; a test holds them to the manifest.

export const API_PREFIXES = {
  "now/table": ["/api/now/table", "/api/now/v1/table", "/api/now/v2/table"],
  "now/attachment": ["/api/now/attachment", "/api/now/v1/attachment"],
  "x_oidc/auth": ["/api/x_oidc/auth", "/api/x_oidc/v1/auth"],
  "x_oidc/incident_ops": ["/api/x_oidc/incident_ops", "/api/x_oidc/v1/incident_ops"],
} as const satisfies Record<string, readonly string[]>;

type ApiName = keyof typeof API_PREFIXES;

export const API_NAMES = Object.keys(API_PREFIXES) as ApiName[];

export const isApiName = (name: string): name is ApiName => Object.hasOwn(API_PREFIXES, name);
