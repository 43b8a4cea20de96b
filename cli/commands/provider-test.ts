// provider test <name>: fetch the provider's discovery document and key set now, and say what would and would not work.
import type { Jwk } from "aws-jwt-verify/jwk";
import { safeJsonParse } from "aws-jwt-verify/safe-json-parse";
import {
  assertStatedIssuer,
  IssuerMismatchError,
  parseDiscoveryDocument,
  type DiscoveredProvider,
} from "../../functions/authorizer/discovery";
import { assertFetchableUrl, type JsonFetcher } from "../../functions/authorizer/http";
import { parseJwks, selectJwk } from "../../functions/authorizer/key-set";
import { TENANT_PLACEHOLDER, type ProviderConfig } from "../../functions/config/schema";
import { DEFAULT_PROVIDER_CACHE_OPTIONS } from "../../functions/authorizer/provider";
import { DynamoProviderStateStore, type PersistedDocument } from "../../functions/authorizer/provider-state";
import { positional, stringOption, type Command } from "../command";
import { inspectConfigItems, PROVIDER } from "../config-items";
import type { CommandContext } from "../context";
import { SavedDocuments } from "../documents";
import { CliError } from "../errors";
import { describeMismatch, issuerFix } from "../issuer-check";
import { columns, fields, formatValue, printable } from "../output";

export interface Problem {
  /** error: the authorizer cannot use the provider; warning: some tokens will fail; note: fine, but unusual. */
  readonly level: "error" | "warning" | "note";
  readonly message: string;
}

export interface KeyReport {
  readonly kid: string | undefined;
  readonly kty: string;
  readonly alg: string | undefined;
  readonly use: string | undefined;
  /** The provider's allowed algorithms this key can verify. */
  readonly verifies: readonly string[];
}

export interface ProviderTestReport {
  readonly provider: string;
  readonly active: boolean;
  readonly metadataUrl: string;
  issuer?: string;
  jwksUri?: string;
  idTokenSigningAlgs?: readonly string[];
  keys: KeyReport[];
  usableAlgorithms: string[];
  readonly problems: Problem[];
  /** Each provider quirk the authorizer applies for this provider (an option, a key's shape). */
  readonly quirks: string[];
  /** What the authorizer persisted for this provider (none until its first successful read). */
  persisted?: PersistedReport;
}

interface PersistedDocumentReport {
  readonly url: string;
  readonly fetchedAt: string;
}

export interface PersistedReport {
  /** fresh: a cold container uses it as is; stale: it serves while a background read runs; expired: beyond maxStaleSeconds. */
  readonly state: "none" | "fresh" | "stale" | "expired" | "unknown";
  readonly discovery?: PersistedDocumentReport;
  readonly keys?: PersistedDocumentReport & { readonly kids: readonly string[] };
  readonly note?: string;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The checks, in the authorizer's order; stops at the first step the authorizer could not get past. */
async function testProvider(
  provider: ProviderConfig,
  fetcher: JsonFetcher,
  policy: { allowLoopbackHttp: boolean },
): Promise<ProviderTestReport> {
  const report: ProviderTestReport = {
    provider: provider.name,
    active: provider.active,
    metadataUrl: provider.metadataUrl,
    keys: [],
    usableAlgorithms: [],
    problems: [],
    quirks: [],
  };
  const quirk = (text: string): void => void report.quirks.push(text);
  const problem = (level: Problem["level"], text: string): void => void report.problems.push({ level, message: text });
  if (!provider.active) problem("note", "the provider is disabled: the authorizer ignores it until `provider enable`");

  try {
    assertFetchableUrl(provider.metadataUrl, policy);
  } catch (error) {
    const hint = policy.allowLoopbackHttp ? "" : " (http on loopback is for the local stack: --allow-loopback-http)";
    problem("error", `metadataUrl: ${message(error)}${hint}`);
    return report;
  }
  let discovered: DiscoveredProvider;
  try {
    discovered = parseDiscoveryDocument(await fetcher.fetchJson(provider.metadataUrl), policy);
  } catch (error) {
    problem("error", `discovery: ${message(error)}`);
    return report;
  }
  report.issuer = discovered.issuer;
  try {
    assertStatedIssuer(provider, discovered);
  } catch (error) {
    if (!(error instanceof IssuerMismatchError)) throw error;
    // The authorizer does not use such a document at all: no key set, no token of this provider.
    problem(
      "error",
      `${describeMismatch(error, provider)}; ${issuerFix(error.stated, `oidc-admin provider update ${provider.name}`)}`,
    );
    return report;
  }
  report.jwksUri = discovered.jwksUri;
  report.idTokenSigningAlgs = discovered.idTokenSigningAlgs;
  const metadataHost = new URL(provider.metadataUrl).host;
  const issuerHost = new URL(discovered.issuer).host;
  if (metadataHost !== issuerHost) {
    // Only with a pinned issuer: Okta's `-admin` host serves the document for the tenant's issuer, and tokens are matched to the issuer.
    problem(
      "note",
      `the metadata URL's host (${metadataHost}) differs from the issuer's (${issuerHost}); tokens must carry iss ${discovered.issuer}`,
    );
  }
  if (discovered.issuer.includes(TENANT_PLACEHOLDER)) {
    const tenants = provider.tenants === "all" ? "any tenant" : `tenants ${(provider.tenants ?? []).join(", ")}`;
    quirk(`issuer template ${TENANT_PLACEHOLDER}: ${tenants}; a token's iss must carry its own tid in that place`);
  }
  if (provider.issuer === undefined && discovered.issuer.endsWith("/")) {
    quirk(
      `the stated issuer ends with /: tokens must carry iss ${printable(discovered.issuer)} exactly ` +
        "(the spelling without / passes only as an issuer alias)",
    );
  }
  for (const alias of provider.issuerAliases) {
    quirk(`issuer alias ${printable(alias)} accepted as iss, its users bound under ${printable(discovered.issuer)}`);
  }
  if (
    discovered.idTokenSigningAlgs.length > 0 &&
    !discovered.idTokenSigningAlgs.some((alg) => (provider.allowedAlgorithms as readonly string[]).includes(alg))
  ) {
    problem(
      "warning",
      `the provider signs ID tokens with ${discovered.idTokenSigningAlgs.join(", ")}, none of the allowed algorithms (${provider.allowedAlgorithms.join(", ")})`,
    );
  }

  let keys: readonly Jwk[];
  let published: readonly Jwk[];
  try {
    const document = await fetcher.fetchJson(discovered.jwksUri);
    keys = parseJwks(document).keys;
    published = (document as { keys: Jwk[] }).keys;
  } catch (error) {
    problem("error", `key set: ${message(error)}`);
    return report;
  }
  const withoutAlg = keys.filter((jwk) => jwk.alg === undefined).length;
  const withoutUse = keys.filter((jwk) => jwk.use === undefined).length;
  if (withoutAlg > 0) quirk(`${withoutAlg} key(s) without alg: the token's alg must suit the key's type`);
  if (withoutUse > 0) quirk(`${withoutUse} key(s) without use: taken as signing keys`);
  keys.forEach((jwk, index) => {
    const kid = printable(jwk.kid ?? "(no kid)", 64);
    if (jwk.kty === "invalid") {
      problem(
        "warning",
        `key ${kid}: its x5c certificate does not parse, or holds another key than its n and e: not used`,
      );
    } else if (published[index]?.n === undefined && jwk.n !== undefined) {
      quirk(`key ${kid}: n and e taken from its x5c certificate`);
    }
  });
  report.keys = keys.map((jwk) => ({
    kid: jwk.kid,
    kty: jwk.kty,
    alg: jwk.alg,
    use: jwk.use,
    // The authorizer's own key choice, asked one key at a time.
    verifies: provider.allowedAlgorithms.filter((alg) => selectJwk({ keys: [jwk] }, { alg }) !== undefined),
  }));
  report.usableAlgorithms = provider.allowedAlgorithms.filter((alg) =>
    report.keys.some((key) => key.verifies.includes(alg)),
  );
  if (keys.length === 0) problem("error", "the key set has no keys: no token can be verified");
  else if (report.usableAlgorithms.length === 0) {
    problem(
      "error",
      `no signing key in the key set can verify any allowed algorithm (${provider.allowedAlgorithms.join(", ")})`,
    );
  }
  return report;
}

function describeReport(report: ProviderTestReport): string {
  const errors = report.problems.filter((p) => p.level === "error").length;
  const keyRows = report.keys.map((key) => [
    key.kid ?? "(no kid)",
    key.kty,
    key.alg ?? "-",
    key.use ?? "-",
    key.verifies.length > 0 ? `verifies ${key.verifies.join(", ")}` : "not usable",
  ]);
  const pairs: [string, string][] = [
    ["provider", `${report.provider}${report.active ? "" : " (disabled)"}`],
    ["metadata URL", report.metadataUrl],
  ];
  // Both as the document states them: untrusted text.
  if (report.issuer !== undefined) pairs.push(["issuer", printable(report.issuer)]);
  if (report.jwksUri !== undefined) pairs.push(["jwks_uri", printable(report.jwksUri)]);
  if (report.idTokenSigningAlgs !== undefined) pairs.push(["ID token algs", formatValue(report.idTokenSigningAlgs)]);
  if (report.jwksUri !== undefined) {
    pairs.push(["keys", keyRows.length > 0 ? columns(keyRows) : "(none)"]);
    pairs.push(["usable algs", formatValue(report.usableAlgorithms)]);
  }
  if (report.persisted !== undefined) pairs.push(["persisted", describePersisted(report.persisted)]);
  return [
    fields(pairs),
    ...report.quirks.map((text) => `quirk: ${text}`),
    ...report.problems.map((p) => `${p.level}: ${p.message}`),
    errors === 0 ? "result: OK" : `result: FAILED (${errors} error${errors === 1 ? "" : "s"})`,
  ].join("\n");
}

function describePersisted(persisted: PersistedReport): string {
  const parts: string[] = [persisted.state];
  if (persisted.discovery) parts.push(`discovery fetched ${persisted.discovery.fetchedAt}`);
  if (persisted.keys) {
    parts.push(
      `keys fetched ${persisted.keys.fetchedAt} (${persisted.keys.kids.map((kid) => printable(kid, 64)).join(", ")})`,
    );
  }
  if (persisted.note) parts.push(persisted.note);
  return parts.join("; ");
}

/**
 * What the authorizer keeps of the provider in the provider-state table, judged as a cold container
 * would at the production lifetimes: fresh (used as is), stale (served while it re-reads) or expired.
 */
async function persistedState(ctx: CommandContext, provider: ProviderConfig): Promise<PersistedReport> {
  const table = (await ctx.target()).tables.providerState;
  if (table === undefined) return { state: "unknown", note: "no provider-state table named (--provider-state-table)" };
  const persisted = await new DynamoProviderStateStore((await ctx.dynamo()).doc, table).load(provider.name);
  const { discovery, keys } = persisted ?? {};
  if (discovery === undefined || discovery.url !== provider.metadataUrl) return { state: "none" };
  const nowMs = Date.now();
  const age = (document: PersistedDocument) => Math.abs(nowMs - document.fetchedAtMs);
  const ages = [age(discovery), ...(keys ? [age(keys)] : [])];
  const { discovery: discoveryLife, keys: keysLife } = DEFAULT_PROVIDER_CACHE_OPTIONS;
  const state = ages.some((ms) => ms >= provider.maxStaleSeconds * 1000)
    ? "expired"
    : age(discovery) < discoveryLife.maxAgeMs && keys !== undefined && age(keys) < keysLife.maxAgeMs
      ? "fresh"
      : "stale";
  const at = (document: PersistedDocument) => new Date(document.fetchedAtMs).toISOString();
  let kids: string[] = [];
  if (keys !== undefined) {
    try {
      kids = parseJwks(safeJsonParse(keys.json)).keys.map((jwk) => jwk.kid ?? "(no kid)");
    } catch {
      return {
        state,
        discovery: { url: discovery.url, fetchedAt: at(discovery) },
        note: "persisted key set is not a JWKS",
      };
    }
  }
  return {
    state,
    discovery: { url: discovery.url, fetchedAt: at(discovery) },
    ...(keys && { keys: { url: keys.url, fetchedAt: at(keys), kids } }),
  };
}

async function fetcherFor(
  ctx: CommandContext,
  documents: string | undefined,
  provider: ProviderConfig,
): Promise<JsonFetcher> {
  return documents === undefined ? ctx.fetcher() : SavedDocuments.read(ctx, documents, provider.metadataUrl);
}

export const providerTest: Command = {
  name: "provider test",
  args: "<name> [--documents DIR]",
  summary: "fetch discovery and keys now; report issuer, key ids, algorithms and problems (--documents: saved ones)",
  options: { documents: { type: "string" } },
  positionals: [1, 1],
  async run(ctx, input) {
    const name = positional(input, 0, "<name>", providerTest);
    const stored = await (await ctx.configTable()).get(PROVIDER.key(name));
    if (!stored) throw new CliError("not_found", `no provider named ${name}`);
    const { snapshot, invalid } = inspectConfigItems([stored]);
    const [provider] = snapshot.providers;
    if (!provider) {
      throw new CliError("invalid", `provider ${name} is invalid: the authorizer ignores it`, {
        problems: invalid.map((item) => item.problems),
      });
    }
    const { allowLoopbackHttp } = await ctx.target();
    const report = await testProvider(provider, await fetcherFor(ctx, stringOption(input, "documents"), provider), {
      allowLoopbackHttp,
    });
    report.persisted = await persistedState(ctx, provider);
    ctx.out.result(report, () => describeReport(report));
    return report.problems.some((p) => p.level === "error") ? 1 : 0;
  },
};
