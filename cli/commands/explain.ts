// explain <token>: the authorizer's whole decision for one token as a dry run, step by step. Nothing is written:
// the jti is only read, no user is created, and the token, its signature and its segments are never printed.
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { isJsonObject, type Json } from "aws-jwt-verify/safe-json-parse";
import {
  authenticate,
  RouteRules,
  type AuthenticatedCaller,
  type UserProvisioner,
} from "../../functions/authorizer/authenticate";
import type { RequestRoute } from "../../functions/authorizer/route-access";
import { grantedScopes } from "../../functions/authorizer/token-kind";
import { HTTP_METHODS } from "../../functions/http/route-types";
import { SHIPPED_ROUTE_RULES } from "../../functions/http/routes";
import { checkClaimRules } from "../../functions/authorizer/claims";
import type { Decision, Trace } from "../../functions/authorizer/decision-log";
import type { JsonFetcher } from "../../functions/authorizer/http";
import { createAuthenticatorDeps } from "../../functions/authorizer/create-authenticator";
import { decomposeToken } from "../../functions/authorizer/token";
import { systemClock, type Clock } from "../../functions/shared/clock";
import type { ProviderConfig } from "../../functions/config/schema";
import type { ConfigSnapshot } from "../../functions/config/store";
import { AuthError } from "../../functions/shared/errors";
import type { AppLogger } from "../../functions/shared/logger";
import { DynamoUserStore, type UserRecord } from "../../functions/users/store";
import { stringOption, usageOf, type Command, type CommandInput } from "../command";
import { describeRule, PROVIDER } from "../config-items";
import type { CommandContext } from "../context";
import { SavedDocuments } from "../documents";
import { DryRunProvisioner } from "../dry-run-provisioner";
import { CliError } from "../errors";
import type { Output } from "../output";
import { parseAt, withPinnedClock } from "../pinned-clock";
import { ReadOnlyReplayStore } from "../read-only-replay-store";
import { requireTable } from "../target";
import { describeReport, type ExplainReport, type ExplainStep } from "../explain-report";

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function readToken(ctx: CommandContext, input: CommandInput): Promise<string> {
  const file = stringOption(input, "token-file");
  const [argument] = input.positionals;
  if ((file === undefined) === (argument === undefined)) {
    throw new CliError("usage", "give the token as one argument, `-` for standard input, or --token-file FILE", {
      usage: usageOf(explain),
    });
  }
  const text =
    file !== undefined ? await ctx.readText(file) : argument === "-" ? await ctx.readText("-") : (argument ?? "");
  // A pasted Authorization header value works too.
  const token = text.trim().replace(/^Bearer\s+/i, "");
  if (token.length === 0) throw new CliError("usage", "the token is empty", { usage: usageOf(explain) });
  return token;
}

/** Writes each provider document fetch as a step, so discovery and the key set show where the authorizer used them. */
function tracingFetcher(inner: JsonFetcher, trace: Trace, source: string): JsonFetcher {
  return {
    async fetchJson(url) {
      let document: Json;
      try {
        document = await inner.fetchJson(url);
      } catch (error) {
        trace.step(`Could not read ${url}: ${message(error)}`);
        throw error;
      }
      if (isJsonObject(document) && typeof document["issuer"] === "string") {
        trace.step(
          `Discovery document (${source}) ${url}: issuer ${document["issuer"]}, jwks_uri ${String(document["jwks_uri"])}`,
        );
      } else if (isJsonObject(document) && Array.isArray(document["keys"])) {
        const kids = document["keys"].map((key) => (isJsonObject(key) ? String(key["kid"] ?? "(no kid)") : "?"));
        trace.step(`Key set (${source}) ${url}: ${kids.length} key(s) ${kids.join(", ")}`);
      } else {
        trace.step(`Read ${url} (${source})`);
      }
      return document;
    },
  };
}

/** A logger that turns the authorizer's warnings and errors into notes (an explain has no log). */
function notingLogger(notes: string[]): AppLogger {
  const note = (text: unknown, ...attributes: unknown[]): void => {
    const [details] = attributes as [{ error?: unknown } | undefined];
    notes.push(details?.error === undefined ? String(text) : `${String(text)}: ${message(details.error)}`);
  };
  const ignore = (): void => undefined;
  return { debug: ignore, info: ignore, warn: note, error: note } as unknown as AppLogger;
}

/** Which provider, if any: the one the authorizer chose, else the one asked for. */
function chosenProvider(
  snapshot: ConfigSnapshot,
  decision: Decision,
  asked: string | undefined,
): ProviderConfig | undefined {
  const name = decision.provider ?? asked;
  return snapshot.providers.find((provider) => provider.name === name);
}

function decodeForDisplay(token: string): ExplainReport["token"] {
  try {
    const { header, payload } = decomposeToken(token);
    return { header: { alg: header.alg, kid: header.kid, typ: header.typ }, claims: payload };
  } catch {
    return {};
  }
}

interface ProvisioningSeen {
  /** The lookup found the user, so the provisioner's onLogin ran instead. */
  found: boolean;
  called: boolean;
  user: UserRecord | undefined;
}

/** Records what the authenticator asked of the provisioner, so the report can say what provisioning would do. */
function recording(inner: UserProvisioner, seen: ProvisioningSeen): UserProvisioner {
  return {
    provision: async (provider, claims, lookupValue, identity) => {
      seen.called = true;
      seen.user = await inner.provision(provider, claims, lookupValue, identity);
      return seen.user;
    },
    bind: (provider, user, identity) => inner.bind(provider, user, identity),
    onLogin: async (provider, user, claims, lookupValue, identity) => {
      seen.found = true;
      return inner.onLogin(provider, user, claims, lookupValue, identity);
    },
  };
}

function provisioningLine(provider: ProviderConfig, seen: ProvisioningSeen, decision: Decision): string {
  const settings = provider.autoProvision;
  if (!settings.enabled) return "not configured (autoProvision.enabled is false)";
  if (seen.found) {
    return settings.updateOnLogin
      ? "not needed: the user exists (updateOnLogin: the authorizer may refresh its mapped fields and roles from the token)"
      : "not needed: the user exists";
  }
  if (!seen.called) return "enabled; not reached";
  if (!seen.user) return `refused (${decision.reason}): ${decision.detail ?? ""}`;
  const { sys_id: sysId, ...fields } = seen.user;
  return `would create user ${sysId} (dry run: not created) ${JSON.stringify(fields)}`;
}

/** Every claim-rule's result on the token's claims, one at a time, as the authorizer checks them together. */
function claimRuleResults(
  provider: ProviderConfig | undefined,
  claims: JwtPayload | undefined,
): ExplainReport["claimRules"] {
  if (!provider || !claims) return [];
  return provider.claimValidations.map((rule) => {
    try {
      checkClaimRules(claims, [rule]);
      return { rule: describeRule(rule), passed: true };
    } catch (error) {
      if (error instanceof AuthError) return { rule: describeRule(rule), passed: false };
      throw error;
    }
  });
}

/** `GET /api/now/table/incident` from --route, or a usage error. */
function routeOption(input: CommandInput): RequestRoute | undefined {
  const text = stringOption(input, "route");
  if (text === undefined) return undefined;
  const match = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/.exec(text);
  const method = match?.[1]?.toUpperCase();
  if (!match || method === undefined || !(HTTP_METHODS as readonly string[]).includes(method)) {
    throw new CliError("usage", `--route is "METHOD /path" (${HTTP_METHODS.join(", ")}), not ${JSON.stringify(text)}`, {
      usage: usageOf(explain),
    });
  }
  return { method, path: match[2] ?? "/" };
}

/** The provider's allowed routes and every rule covering the route, on the token's claims (and the user's roles, once known). */
function routeResults(
  snapshot: ConfigSnapshot,
  provider: ProviderConfig | undefined,
  claims: JwtPayload | undefined,
  roles: readonly string[] | undefined,
  route: RequestRoute,
): ExplainReport["route"] {
  const shown = `${route.method} ${route.path}`;
  if (!provider || !claims) return { route: shown, allowedByProvider: false, rules: [] };
  const access = new RouteRules(SHIPPED_ROUTE_RULES).for(snapshot);
  return {
    route: shown,
    ...access.explain(route, {
      provider,
      claims,
      scopes: grantedScopes(claims, provider),
      ...(roles !== undefined && { roles }),
    }),
  };
}

export const explain: Command = {
  name: "explain",
  args: "<token>|- [--token-file FILE] [--provider NAME] [--route 'METHOD /path'] [--at TIME] [--documents DIR]",
  summary:
    "dry-run the authorizer's decision for a token, step by step (nothing consumed or created); " +
    "a token typed on the command line stays in shell history: prefer - or --token-file",
  options: {
    "token-file": { type: "string" },
    provider: { type: "string" },
    route: { type: "string" },
    at: { type: "string" },
    documents: { type: "string" },
  },
  positionals: [0, 1],
  async run(ctx, input) {
    const token = await readToken(ctx, input);
    // Belt and braces: nothing below prints token bytes, and this makes sure of it.
    const out: Output = ctx.out.redacting(token.split(".").filter((segment) => segment.length >= 8));
    const atText = stringOption(input, "at");
    const atMs = atText === undefined ? undefined : parseAt(atText);
    const askedProvider = stringOption(input, "provider");
    const route = routeOption(input);
    const documents = stringOption(input, "documents");
    if (documents !== undefined && askedProvider === undefined) {
      throw new CliError("usage", "--documents needs --provider: the saved documents are that provider's", {
        usage: usageOf(explain),
      });
    }

    const target = await ctx.target();
    const tables = {
      config: requireTable(target, "config", "explain"),
      users: requireTable(target, "users", "explain"),
      jti: requireTable(target, "jti", "explain"),
    };
    const { client, doc } = await ctx.dynamo();
    const { snapshot: fullSnapshot, invalid } = await (await ctx.configTable()).load();
    const notes = invalid
      .filter((item) => item.pk.startsWith(PROVIDER.prefix))
      .map((item) => `the authorizer ignores ${item.pk}: ${item.problems}`);

    let snapshot = fullSnapshot;
    let fetcher: JsonFetcher;
    if (askedProvider !== undefined) {
      const provider = fullSnapshot.providers.find((candidate) => candidate.name === askedProvider);
      if (!provider) {
        const broken = invalid.find((item) => item.pk === PROVIDER.key(askedProvider));
        throw broken
          ? new CliError("invalid", `provider ${askedProvider} is invalid: the authorizer ignores it`, {
              problems: [broken.problems],
            })
          : new CliError("not_found", `no provider named ${askedProvider}`);
      }
      if (!provider.active) notes.push(`provider ${provider.name} is disabled: the authorizer ignores it`);
      snapshot = { ...fullSnapshot, providers: [provider] };
      fetcher =
        documents === undefined ? await ctx.fetcher() : await SavedDocuments.read(ctx, documents, provider.metadataUrl);
    } else {
      fetcher = await ctx.fetcher();
    }

    const steps: ExplainStep[] = [];
    const trace: Trace = {
      step: (text, attributes) => void steps.push({ message: text, ...(attributes && { attributes }) }),
    };
    const decisions: Decision[] = [];
    const userStore = new DynamoUserStore(doc, tables.users);
    const seen: ProvisioningSeen = { found: false, called: false, user: undefined };
    const provisioner = recording(ctx.io.provisioner ?? new DryRunProvisioner(userStore), seen);
    const logger = notingLogger(notes);

    const run = async (clock: Clock): Promise<AuthenticatedCaller | undefined> => {
      // The authorizer's own wiring, with the config just read (restricted to --provider), a replay
      // store that only reads, the dry-run provisioner, and every step collected.
      const deps = createAuthenticatorDeps({
        client: doc,
        tables,
        logger,
        clock,
        fetchPolicy: { allowLoopbackHttp: target.allowLoopbackHttp },
        fetcher: tracingFetcher(fetcher, trace, documents === undefined ? "fetched" : "saved"),
        configSource: { load: async () => snapshot },
        replayStore: new ReadOnlyReplayStore(doc, tables.jti),
        provisioner,
        decisions: { record: (decision: Decision) => void decisions.push(decision) },
        trace,
        shippedRouteRules: SHIPPED_ROUTE_RULES,
      });
      try {
        return await authenticate(`Bearer ${token}`, deps, route);
      } catch (error) {
        if (error instanceof AuthError) return undefined;
        throw error;
      }
    };
    const nowMs = atMs ?? systemClock.nowMs();
    const caller = atMs === undefined ? await run(systemClock) : await withPinnedClock(atMs, [client], run);
    const decision = decisions[0];
    if (!decision) throw new CliError("failed", "the authorizer recorded no decision");

    const decoded = decodeForDisplay(token);
    /** The roles of a user the route refused after finding them (the decision names the user). */
    const refusedRoles = async (): Promise<readonly string[] | undefined> => {
      if (decision.userSysId === undefined) return undefined;
      const [user] = await userStore.findBy("sys_id", decision.userSysId);
      return user?.roles;
    };
    const provider = chosenProvider(snapshot, decision, askedProvider);
    const { durationMs: _durationMs, storesMs: _storesMs, ...decisionFacts } = decision;
    if (provider?.enableJtiVerification) notes.push("dry run: the jti marker was only read, never written");
    const report: ExplainReport = {
      clock: { at: new Date(nowMs).toISOString(), pinned: atMs !== undefined },
      token: decoded,
      steps,
      claimRules: claimRuleResults(provider, decoded.claims),
      ...(route !== undefined && {
        route: routeResults(snapshot, provider, decoded.claims, caller?.user.roles ?? (await refusedRoles()), route),
      }),
      ...(caller && {
        user: { sys_id: caller.user.sys_id, user_name: caller.user.user_name, roles: caller.user.roles },
      }),
      ...(provider && { provisioning: provisioningLine(provider, seen, decision) }),
      notes,
      decision: decisionFacts,
    };
    out.result(report, () => describeReport(report));
    if (askedProvider !== undefined && provider?.active && decision.reason === "unknown_issuer") {
      const iss = decoded.claims?.iss;
      out.error(new CliError("invalid", `the token's iss (${String(iss)}) is not provider ${askedProvider}'s issuer`));
    }
    return decision.outcome === "allow" ? 0 : 1;
  },
};
