// provider add|update|show|list|remove|enable|disable: one provider item at a time, validated before any write.
import { assertFetchableUrl } from "../../functions/authorizer/http";
import { audienceOf, providerSchema, type ClaimValidation, type ProviderConfig } from "../../functions/config/schema";
import {
  booleanOption,
  jsonOption,
  listOption,
  positional,
  stringOption,
  usageOf,
  type Command,
  type CommandInput,
} from "../command";
import { byName, describeRule, inspectConfigItems, parseOrRefuse, PROVIDER, toItem } from "../config-items";
import type { CommandContext } from "../context";
import { CliError } from "../errors";
import { checkStatedIssuer, describeMismatch, issuerFix } from "../issuer-check";
import { columns, fields, formatValue, printable } from "../output";

/** Flags that set provider fields; the rest come from --file. */
const FIELD_OPTIONS = {
  file: { type: "string" },
  "metadata-url": { type: "string" },
  issuer: { type: "string" },
  "client-id": { type: "string" },
  "client-secret-ref": { type: "string" },
  "user-claim": { type: "string" },
  "user-field": { type: "string" },
  "jti-verification": { type: "boolean" },
  "claim-validations": { type: "string" },
  "auto-provision": { type: "boolean" },
  algorithms: { type: "string" },
  "clock-skew": { type: "string" },
  "accept-missing-email-verified": { type: "boolean" },
  "link-to-providers": { type: "string" },
  "issuer-aliases": { type: "string" },
  tenants: { type: "string" },
  "max-stale": { type: "string" },
  "token-type": { type: "string" },
  audience: { type: "string" },
  "client-ids": { type: "string" },
  "access-token-types": { type: "string" },
  "scope-claims": { type: "string" },
  caller: { type: "string" },
  "allow-apis": { type: "string" },
  "allowed-routes": { type: "string" },
  /** --no-check: write without fetching the discovery document to check its issuer. */
  check: { type: "boolean" },
} as const;

const FIELD_ARGS =
  "[--file provider.json|-] [--metadata-url URL] [--issuer URL] [--client-id ID] [--client-secret-ref ARN] [--user-claim CLAIM] " +
  "[--user-field email|user_name|sys_id|employee_number] [--[no-]jti-verification] [--claim-validations JSON] " +
  "[--[no-]auto-provision] [--algorithms RS256,ES256] [--clock-skew SECONDS] [--[no-]accept-missing-email-verified] " +
  "[--link-to-providers NAME,NAME] [--issuer-aliases ISS,ISS] [--tenants TID,TID|all] [--max-stale SECONDS] " +
  "[--token-type id|access] [--audience API] [--client-ids ID,ID|all] [--access-token-types at+jwt,JWT] " +
  "[--scope-claims scp,roles] [--caller user|service] [--allow-apis NAME,NAME] [--allowed-routes JSON] [--no-check]";

const PROVIDER_FIELDS = new Set(Object.keys(providerSchema.shape));

/** Fields from --file and the flags (flags win); values are left for the schema to judge. */
async function givenFields(ctx: CommandContext, input: CommandInput): Promise<Record<string, unknown>> {
  const file = stringOption(input, "file");
  const fromFile = file === undefined ? {} : await ctx.readJson(file);
  if (typeof fromFile !== "object" || fromFile === null || Array.isArray(fromFile)) {
    throw new CliError("invalid", `${file}: a provider is a JSON object`);
  }
  const given: Record<string, unknown> = { ...fromFile };
  const set = (field: string, value: unknown): void => {
    if (value !== undefined) given[field] = value;
  };
  set("metadataUrl", stringOption(input, "metadata-url"));
  set("issuer", stringOption(input, "issuer"));
  set("clientId", stringOption(input, "client-id"));
  set("clientSecretRef", stringOption(input, "client-secret-ref"));
  set("userClaim", stringOption(input, "user-claim"));
  set("userField", stringOption(input, "user-field"));
  set("enableJtiVerification", booleanOption(input, "jti-verification"));
  set("claimValidations", jsonOption(input, "claim-validations", "claimValidations"));
  const algorithms = stringOption(input, "algorithms");
  set(
    "allowedAlgorithms",
    algorithms
      ?.split(",")
      .map((alg) => alg.trim())
      .filter((alg) => alg.length > 0),
  );
  const skew = stringOption(input, "clock-skew");
  // A non-number is passed on as text, so the schema's message names clockSkewSeconds.
  set("clockSkewSeconds", skew !== undefined && /^-?\d+$/.test(skew.trim()) ? Number(skew) : skew);
  set("acceptMissingEmailVerified", booleanOption(input, "accept-missing-email-verified"));
  // An empty string is the empty list: how a link is taken away.
  set("linkToProviders", commaList(stringOption(input, "link-to-providers")));
  set("issuerAliases", commaList(stringOption(input, "issuer-aliases")));
  const tenants = stringOption(input, "tenants");
  set("tenants", tenants?.trim() === "all" ? "all" : commaList(tenants));
  const maxStale = stringOption(input, "max-stale");
  set("maxStaleSeconds", maxStale !== undefined && /^-?\d+$/.test(maxStale.trim()) ? Number(maxStale) : maxStale);
  set("tokenType", stringOption(input, "token-type"));
  // Access-token settings merge into the file's (and, for update, the stored) accessToken.
  const accessToken: Record<string, unknown> = {};
  const setAccess = (field: string, value: unknown): void => {
    if (value !== undefined) accessToken[field] = value;
  };
  setAccess("audience", stringOption(input, "audience"));
  const clients = stringOption(input, "client-ids");
  setAccess("clientIds", clients?.trim() === "all" ? "all" : commaList(clients));
  setAccess("acceptedTypes", commaList(stringOption(input, "access-token-types")));
  setAccess("scopeClaims", commaList(stringOption(input, "scope-claims")));
  setAccess("caller", stringOption(input, "caller"));
  if (Object.keys(accessToken).length > 0)
    given["accessToken"] = { ...objectField(given["accessToken"]), ...accessToken };
  set(
    "allowedRoutes",
    commaList(stringOption(input, "allow-apis"))?.map((api) => ({ api })),
  );
  set("allowedRoutes", jsonOption(input, "allowed-routes", "allowedRoutes"));
  return given;
}

const objectField = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** A comma-separated flag value as a list; an empty string is the empty list. */
const commaList = (value: string | undefined): string[] | undefined =>
  value
    ?.split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/**
 * --[no-]auto-provision switches autoProvision.enabled only: the rest of autoProvision (transform map,
 * roles) stays as the file or the stored provider has it.
 */
function withAutoProvision(provider: Record<string, unknown>, enabled: boolean | undefined): Record<string, unknown> {
  if (enabled === undefined) return provider;
  const current = provider["autoProvision"];
  return {
    ...provider,
    autoProvision: { ...(typeof current === "object" && current !== null ? current : {}), enabled },
  };
}

/** What the schema cannot say: a URL it accepts that the authorizer will refuse to fetch. */
function metadataUrlWarning(provider: ProviderConfig): string | undefined {
  try {
    // http is refused outside loopback in every mode (and on loopback it works only locally).
    assertFetchableUrl(provider.metadataUrl, { allowLoopbackHttp: true });
    return undefined;
  } catch (error) {
    return `metadataUrl: ${(error as Error).message}; the authorizer will not fetch it`;
  }
}

/** One line per field; claim rules one per line, and a nested object (autoProvision) one line per field of it. */
const describeProvider = (provider: Record<string, unknown>): string =>
  fields(
    Object.entries(provider).flatMap(([field, value]): [string, string][] => {
      if (field === "claimValidations" && Array.isArray(value) && value.length > 0) {
        return [[field, (value as ClaimValidation[]).map(describeRule).join("\n")]];
      }
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        return Object.entries(value).map(([inner, innerValue]) => [`${field}.${inner}`, formatValue(innerValue)]);
      }
      return [[field, formatValue(value)]];
    }),
  );

/**
 * OpenID Connect Discovery 4.3 before the write, not at the first sign-in: a document whose issuer the
 * authorizer will not believe makes the provider useless, so it is refused with the --issuer that fixes it.
 * A document that cannot be fetched proves nothing either way (an IdP may be registered before it is
 * reachable): that is a warning, and the provider is written.
 */
async function issuerWarning(ctx: CommandContext, provider: ProviderConfig): Promise<string | undefined> {
  const { allowLoopbackHttp } = await ctx.target();
  const check = await checkStatedIssuer(provider, await ctx.fetcher(), { allowLoopbackHttp });
  if (check.outcome === "accepted") return algorithmWarning(provider, check.discovered.idTokenSigningAlgs);
  if (check.outcome === "unchecked") {
    const later = `\`provider test ${provider.name}\` checks it once the document can be read`;
    return `issuer not checked (${printable(check.reason)}); written anyway: ${later}`;
  }
  throw new CliError(
    "invalid",
    `provider ${provider.name}: ${describeMismatch(check.error, provider)}; nothing was written`,
    {
      problems: [issuerFix(check.error.stated)],
    },
  );
}

/** A provider that signs with none of the allowed algorithms has no token the authorizer accepts. */
function algorithmWarning(provider: ProviderConfig, advertised: readonly string[]): string | undefined {
  if (
    advertised.length === 0 ||
    advertised.some((alg) => (provider.allowedAlgorithms as readonly string[]).includes(alg))
  ) {
    return undefined;
  }
  const shown = advertised.slice(0, 10).map((alg) => printable(alg, 32));
  return (
    `the discovery document advertises ID token algorithms ${shown.join(", ")}, none of the allowed ones ` +
    `(${provider.allowedAlgorithms.join(", ")}): no token of this provider would pass; written anyway (--algorithms to change)`
  );
}

async function writeProvider(
  ctx: CommandContext,
  provider: ProviderConfig,
  condition: "new" | "existing",
  verb: string,
  options: { checkIssuer: boolean },
): Promise<void> {
  // An http URL outside loopback is never fetched, by the authorizer or here; its own warning says so.
  const warning =
    metadataUrlWarning(provider) ?? (options.checkIssuer ? await issuerWarning(ctx, provider) : undefined);
  const table = await ctx.configTable();
  if (!(await table.put(toItem(PROVIDER, provider), condition))) {
    throw condition === "new"
      ? new CliError("conflict", `provider ${provider.name} already exists (change it with provider update)`)
      : new CliError("not_found", `no provider named ${provider.name}`);
  }
  if (warning !== undefined) ctx.out.warn(warning);
  ctx.out.result({ provider }, () => `provider ${provider.name} ${verb}\n${describeProvider(provider)}`);
}

/** Merges `changes` into the stored item and re-validates the whole provider before writing it back. */
async function updateProvider(
  ctx: CommandContext,
  name: string,
  changes: Record<string, unknown>,
  verb: string,
  options: { unset?: readonly string[]; autoProvision?: boolean; checkIssuer?: boolean } = {},
): Promise<void> {
  const unset = options.unset ?? [];
  const unknown = unset.filter((field) => !PROVIDER_FIELDS.has(field) || field === "name");
  if (unknown.length > 0) {
    throw new CliError("invalid", `cannot unset ${unknown.join(", ")}`, {
      problems: [`fields that can be unset: ${[...PROVIDER_FIELDS].filter((f) => f !== "name").join(", ")}`],
    });
  }
  if (changes["name"] !== undefined && changes["name"] !== name) {
    throw new CliError(
      "invalid",
      `name: a provider cannot be renamed (add ${String(changes["name"])}, then remove ${name})`,
    );
  }
  const table = await ctx.configTable();
  const stored = await table.get(PROVIDER.key(name));
  if (!stored) throw new CliError("not_found", `no provider named ${name}`);
  const { pk: _pk, ...current } = stored;
  const merged: Record<string, unknown> = { ...current, ...changes };
  // The access-token flags change those settings only; the others stay as stored.
  if (changes["accessToken"] !== undefined) {
    merged["accessToken"] = { ...objectField(current["accessToken"]), ...objectField(changes["accessToken"]) };
  }
  for (const field of unset) delete merged[field];
  const provider = withAutoProvision(merged, options.autoProvision);
  await writeProvider(ctx, parseOrRefuse(PROVIDER, provider, name), "existing", verb, {
    checkIssuer: options.checkIssuer ?? false,
  });
}

const add: Command = {
  name: "provider add",
  args: `<name> ${FIELD_ARGS}`,
  summary:
    "register a provider (fails if it exists); refused if its discovery document states an issuer the authorizer " +
    "would not accept (--no-check: do not fetch it)",
  options: FIELD_OPTIONS,
  positionals: [0, 1],
  async run(ctx, input) {
    const given = await givenFields(ctx, input);
    const name = input.positionals[0] ?? given["name"];
    if (typeof name !== "string")
      throw new CliError("usage", "missing <name> (or a name in --file)", { usage: usageOf(add) });
    if (given["name"] !== undefined && given["name"] !== name) {
      throw new CliError("invalid", `name: the file says ${JSON.stringify(given["name"])}, the command line ${name}`);
    }
    const provider = withAutoProvision({ ...given, name }, booleanOption(input, "auto-provision"));
    await writeProvider(ctx, parseOrRefuse(PROVIDER, provider, name), "new", "added", {
      checkIssuer: booleanOption(input, "check") !== false,
    });
  },
};

const update: Command = {
  name: "provider update",
  args: `<name> ${FIELD_ARGS} [--unset FIELD]...`,
  summary: "change some fields of a provider; the rest stay; the issuer is checked as for add (--no-check: do not)",
  options: { ...FIELD_OPTIONS, unset: { type: "string", multiple: true } },
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<name>", update);
    await updateProvider(ctx, name, await givenFields(ctx, input), "updated", {
      unset: listOption(input, "unset"),
      autoProvision: booleanOption(input, "auto-provision"),
      checkIssuer: booleanOption(input, "check") !== false,
    });
  },
};

function setActive(active: boolean): Command {
  const command: Command = {
    name: active ? "provider enable" : "provider disable",
    args: "<name>",
    summary: active
      ? "let the authorizer use a provider again"
      : "make the authorizer ignore a provider (kept in the table)",
    positionals: [1, 1],
    async run(ctx, input) {
      const name = positional(input, 0, "<name>", command);
      await updateProvider(ctx, name, { active }, active ? "enabled" : "disabled");
    },
  };
  return command;
}

const show: Command = {
  name: "provider show",
  args: "<name>",
  summary: "one provider's fields, defaults included; says why if the authorizer ignores it",
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<name>", show);
    const stored = await (await ctx.configTable()).get(PROVIDER.key(name));
    if (!stored) throw new CliError("not_found", `no provider named ${name}`);
    const { snapshot, invalid } = inspectConfigItems([stored]);
    const [provider] = snapshot.providers;
    if (provider) {
      ctx.out.result({ provider }, () => describeProvider(provider));
      return 0;
    }
    const { pk: _pk, ...raw } = stored;
    const problems = invalid.map((item) => item.problems);
    ctx.out.result({ provider: raw, invalid: true, problems }, () =>
      [describeProvider(raw), "", `INVALID: the authorizer ignores this provider: ${problems.join("; ")}`].join("\n"),
    );
    return 1;
  },
};

const list: Command = {
  name: "provider list",
  args: "",
  summary: "every provider, and every provider item the authorizer ignores, with why",
  positionals: [0, 0],
  async run(ctx) {
    const { snapshot, invalid } = await (await ctx.configTable()).load();
    const providers = [...snapshot.providers].sort(byName(PROVIDER.nameOf));
    const broken = invalid.filter((item) => item.pk.startsWith(PROVIDER.prefix));
    ctx.out.result({ providers, invalid: broken }, () => {
      if (providers.length === 0 && broken.length === 0) return "no providers";
      const rows = providers.map((p) => [
        p.name,
        p.active ? "active" : "disabled",
        p.tokenType === "access" ? `${audienceOf(p)} (access tokens)` : audienceOf(p),
        `${p.userClaim} -> ${p.userField}`,
        p.enableJtiVerification ? "one-time" : "-",
        p.metadataUrl,
      ]);
      const bad = broken.map((item) => [item.pk.slice(PROVIDER.prefix.length), "INVALID", item.problems]);
      return columns([["NAME", "STATE", "CLIENT ID", "USER", "JTI", "METADATA URL"], ...rows, ...bad]);
    });
  },
};

const remove: Command = {
  name: "provider remove",
  args: "<name>",
  summary: "delete a provider",
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<name>", remove);
    if (!(await (await ctx.configTable()).delete(PROVIDER.key(name), "existing"))) {
      throw new CliError("not_found", `no provider named ${name}`);
    }
    ctx.out.result({ removed: name }, () => `provider ${name} removed`);
  },
};

export const PROVIDER_COMMANDS: readonly Command[] = [
  add,
  update,
  show,
  list,
  remove,
  setActive(true),
  setActive(false),
];
