// provider test <name>: fetch the provider's discovery document and key set now, and say what would and would not work.
import type { Jwk } from "aws-jwt-verify/jwk";
import {
  assertStatedIssuer,
  IssuerMismatchError,
  parseDiscoveryDocument,
  type DiscoveredProvider,
} from "../../functions/authorizer/discovery";
import { assertFetchableUrl, type JsonFetcher } from "../../functions/authorizer/http";
import { parseJwks, selectJwk } from "../../functions/authorizer/key-set";
import type { ProviderConfig } from "../../functions/config/schema";
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
  };
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
  try {
    keys = parseJwks(await fetcher.fetchJson(discovered.jwksUri)).keys;
  } catch (error) {
    problem("error", `key set: ${message(error)}`);
    return report;
  }
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
  return [
    fields(pairs),
    ...report.problems.map((p) => `${p.level}: ${p.message}`),
    errors === 0 ? "result: OK" : `result: FAILED (${errors} error${errors === 1 ? "" : "s"})`,
  ].join("\n");
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
    ctx.out.result(report, () => describeReport(report));
    return report.problems.some((p) => p.level === "error") ? 1 : 0;
  },
};
