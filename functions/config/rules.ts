// The config schema's refinements: the rules across fields that no field's own type can say. Named and
// free of zod, so the schema (schema.ts) and the validators precompiled from it (precompiled.ts, written
// by scripts/generate-validators.ts) call the same functions.
import { CUSTOM_TABLE } from "../dictionary/columns";
import { isOutOfBoxTable } from "../dictionary/table-names";
import { API_NAMES, isApiName } from "../http/api-prefixes";
import { isSettableUserField, USER_FIELDS } from "../users/fields";
import { DISCOVERY_PATH, derivedIssuer, TENANT_PLACEHOLDER } from "./items";

/** What a rule reports a problem to: zod's refinement context, or a precompiled validator's. */
export interface RuleContext {
  addIssue(issue: { code: "custom"; path?: PropertyKey[]; message: string; input?: unknown }): void;
}

/** A rule over a value its schema has already parsed. */
export type Rule<T> = (value: T, context: RuleContext) => void;

export const transformMapRule: Rule<Readonly<Record<string, unknown>>> = (map, context) => {
  for (const target of Object.keys(map)) {
    if (!isSettableUserField(target)) {
      context.addIssue({
        code: "custom",
        path: [target],
        message: `not a settable sys_user field; allowed: ${USER_FIELDS.join(", ")} or u_* custom fields`,
      });
    }
  }
};

export const apiNameRule: Rule<string> = (api, context) => {
  if (!isApiName(api)) context.addIssue({ code: "custom", message: `an API of this stack: ${API_NAMES.join(", ")}` });
};

export const routePatternRule: Rule<{ readonly api?: string | undefined; readonly path?: string | undefined }> = (
  pattern,
  context,
) => {
  if ((pattern.api === undefined) === (pattern.path === undefined)) {
    context.addIssue({ code: "custom", path: ["api"], message: "give exactly one of api and path" });
  }
};

export const routeRequirementsRule: Rule<{
  readonly roles?: unknown;
  readonly scopes?: unknown;
  readonly claims?: unknown;
}> = (requires, context) => {
  if (requires.roles === undefined && requires.scopes === undefined && requires.claims === undefined) {
    context.addIssue({ code: "custom", path: [], message: "give roles, scopes or claims" });
  }
};

/** The fields of a parsed provider that its cross-field rules read. */
interface ProviderFields {
  readonly name: string;
  readonly metadataUrl: string;
  readonly issuer?: string | undefined;
  readonly issuerAliases: readonly string[];
  readonly tenants?: unknown;
  readonly tokenType: "id" | "access";
  readonly clientId?: string | undefined;
  readonly accessToken?: { readonly caller: "user" | "service" } | undefined;
  readonly autoProvision: { readonly enabled: boolean };
  readonly linkToProviders: readonly string[];
}

export const providerRule: Rule<ProviderFields> = (provider, context) => {
  if (provider.issuer === undefined && derivedIssuer(provider.metadataUrl) === undefined) {
    context.addIssue({
      code: "custom",
      path: ["issuer"],
      message: `required when metadataUrl does not end with ${DISCOVERY_PATH} (the issuer the document must state)`,
    });
  }
  const templated = provider.issuer?.includes(TENANT_PLACEHOLDER) ?? false;
  if (templated && provider.tenants === undefined) {
    context.addIssue({
      code: "custom",
      path: ["tenants"],
      message: `required with ${TENANT_PLACEHOLDER} in issuer: the allowed tenant ids, or "all"`,
    });
  }
  if (!templated && provider.tenants !== undefined) {
    context.addIssue({ code: "custom", path: ["tenants"], message: `only for an issuer with ${TENANT_PLACEHOLDER}` });
  }
  for (const [index, alias] of provider.issuerAliases.entries()) {
    if (alias.includes(TENANT_PLACEHOLDER) !== templated) {
      context.addIssue({
        code: "custom",
        path: ["issuerAliases", index],
        message: templated
          ? `must have ${TENANT_PLACEHOLDER}, as the issuer has`
          : `${TENANT_PLACEHOLDER} only with a pinned issuer that has it`,
      });
    }
  }
  if (provider.tokenType === "id") {
    if (provider.clientId === undefined) {
      context.addIssue({ code: "custom", path: ["clientId"], message: "required for ID tokens (the audience)" });
    }
    if (provider.accessToken !== undefined) {
      context.addIssue({ code: "custom", path: ["accessToken"], message: 'only with tokenType "access"' });
    }
  } else {
    if (provider.accessToken === undefined) {
      context.addIssue({
        code: "custom",
        path: ["accessToken"],
        message: 'required with tokenType "access" (audience and clientIds)',
      });
    }
    if (provider.clientId !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["clientId"],
        message: "only for ID tokens: an access token's audience is accessToken.audience",
      });
    }
    if (provider.accessToken?.caller === "service" && provider.autoProvision.enabled) {
      context.addIssue({
        code: "custom",
        path: ["autoProvision", "enabled"],
        message: "service callers are never provisioned: an admin creates their service account records",
      });
    }
  }
  if (provider.linkToProviders.includes(provider.name)) {
    context.addIssue({ code: "custom", path: ["linkToProviders"], message: "must not name the provider itself" });
  }
};

export const customColumnRule: Rule<{
  readonly type: string;
  readonly reference?: string | undefined;
  readonly choices?: unknown;
}> = (column, context) => {
  if ((column.type === "reference") !== (column.reference !== undefined)) {
    context.addIssue({ code: "custom", path: ["reference"], message: "required for, and only for, type reference" });
  }
  if (column.type === "choice" && column.choices === undefined) {
    context.addIssue({ code: "custom", path: ["choices"], message: "required for type choice" });
  }
};

export const tableRule: Rule<{
  readonly name: string;
  readonly label?: string | undefined;
  readonly extends?: string | undefined;
  readonly numberPrefix?: string | undefined;
}> = (table, context) => {
  if (isOutOfBoxTable(table.name)) {
    for (const field of ["label", "extends", "numberPrefix"] as const) {
      if (table[field] !== undefined) {
        context.addIssue({ code: "custom", path: [field], message: "an out-of-box table only takes u_ columns" });
      }
    }
  } else if (!CUSTOM_TABLE.test(table.name)) {
    context.addIssue({ code: "custom", path: ["name"], message: "a new table's name starts with u_" });
  }
  if (table.extends === table.name) {
    context.addIssue({ code: "custom", path: ["extends"], message: "must not name the table itself" });
  }
};
