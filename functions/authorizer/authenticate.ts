// The authorizer's decision, top to bottom: header -> provider by iss and aud -> token type -> key ->
// signature and claims -> claim rules -> the route, by what the token says -> (one-time use || user by
// identity) -> user by claim, bound -> the route, by the user's roles -> user and policy, or a deny with a
// reason code.
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { PolicyDocument } from "aws-lambda";
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import { epochSec, type Clock } from "../shared/clock";
import { SUPPORTED_ALGORITHMS } from "../config/items";
import type { ProviderConfig } from "../config/schema";
import { isDebugEnabled, type ConfigSnapshot } from "../config/store";
import { AuthError, StoreError } from "../shared/errors";
import type { AppLogger } from "../shared/logger";
import { SYS_ID_PATTERN } from "../shared/sys-id";
import type { Identity, UserRecord, UserStore } from "../users/store";
import { checkClaimRules, checkIdTokenClaims, userClaimValue } from "./claims";
import {
  boundedValue,
  isInternalReason,
  loggerTrace,
  type DecisionDraft,
  type DecisionSink,
  type Trace,
} from "./decision-log";
import type { ProviderRegistry } from "./provider-registry";
import {
  RouteAccess,
  type AppliedRouteRule,
  type RequestRoute,
  type RouteRefusal,
  type RouteSubject,
} from "./route-access";
import { replayKey, type ReplayStore } from "./replay-store";
import { StoreBudget } from "./store-budget";
import { checkHeader, decomposeToken, extractBearerToken, fingerprintOf, tokenDigest } from "./token";
import { checkTokenType, grantedScopes, tokenKindOf } from "./token-kind";
import { toAuthError } from "./verifier";

/** The seam for the users table's writes at sign-in (functions/authorizer/provisioning.ts implements it). */
export interface UserProvisioner {
  /** Creates the user the verified token describes, or resolves undefined when the provider does not provision. */
  provision(
    provider: ProviderConfig,
    claims: JwtPayload,
    lookupValue: string,
    identity: Identity,
  ): Promise<UserRecord | undefined>;
  /**
   * The user the user claim found, bound to the token's identity (or linked to it); rejects with
   * identity_conflict when the user belongs to another identity.
   */
  bind(provider: ProviderConfig, user: UserRecord, identity: Identity): Promise<UserRecord>;
  /** After an existing user signs in: the user to authenticate (refreshed from the token if configured). */
  onLogin(
    provider: ProviderConfig,
    user: UserRecord,
    claims: JwtPayload,
    lookupValue: string,
    identity: Identity,
  ): Promise<UserRecord>;
}

export interface AuthenticatorDeps {
  readonly registry: ProviderRegistry;
  readonly replayStore: ReplayStore;
  readonly userStore: UserStore;
  readonly provisioner: UserProvisioner;
  readonly clock: Clock;
  readonly logger: AppLogger;
  readonly decisions: DecisionSink;
  /** Step lines for every request (the admin CLI's explain); otherwise only when a debug switch is on. */
  readonly trace?: Trace;
  /** The decision's whole store time (STORE_BUDGET_MS unless a test shortens it). */
  readonly storeBudgetMs?: number;
  /** The route rules of the shipped routes (a scripted resource's roles), with the config's own. */
  readonly routeRules?: RouteRules;
}

/** The shipped route rules, joined with each config snapshot's and compiled once per snapshot. */
export class RouteRules {
  private readonly compiled = new WeakMap<ConfigSnapshot, RouteAccess>();

  constructor(private readonly shipped: readonly AppliedRouteRule[] = []) {}

  for(config: ConfigSnapshot): RouteAccess {
    let access = this.compiled.get(config);
    if (access === undefined) {
      access = new RouteAccess([...this.shipped, ...(config.routeRules ?? [])]);
      this.compiled.set(config, access);
    }
    return access;
  }
}

const NO_SHIPPED_RULES = new RouteRules();

export interface AuthenticatedCaller {
  readonly user: UserRecord;
  readonly provider: string;
  readonly claims: JwtPayload;
  /** The token's policy over the API below `base` (`arn:...:{apiId}/{stage}/`): what it may call, on every route. */
  policy(base: string): PolicyDocument;
}

/**
 * Milliseconds since `startedMs` (performance.now()), to the microsecond: what a decision line needs, in
 * fewer characters than a raw difference (`0.020549999999957436`), which also costs more to write.
 */
const msSince = (startedMs: number): number => Math.round((performance.now() - startedMs) * 1000) / 1000;

/** The route is refused: a deny with the rule and the failing requirement. */
function refuse(refusal: RouteRefusal | undefined): void {
  if (refusal === undefined) return;
  throw new AuthError(refusal.code, refusal.detail, {
    ...(refusal.claim !== undefined && { claim: refusal.claim }),
    ...(refusal.rule !== undefined && { rule: refusal.rule }),
  });
}

/**
 * Authenticates the bearer token in `authorizationHeader` for `route` (every route's requirements are in
 * the caller's policy; without a route, as the admin CLI's explain asks, none is checked), recording one
 * decision line either way.
 */
export async function authenticate(
  authorizationHeader: string | undefined,
  deps: AuthenticatorDeps,
  route?: RequestRoute,
): Promise<AuthenticatedCaller> {
  const startedMs = performance.now();
  // The decision line's fields, filled in as the checks pass; every key is there from the start (one
  // object shape, recorded as it is, with no copy). Until the outcome is set, a deny.
  const decision: DecisionDraft = {
    outcome: "deny",
    reason: "internal_error",
    internal: true,
    provider: undefined,
    tokenType: undefined,
    route: route === undefined ? undefined : `${boundedValue(route.method)} ${boundedValue(route.path, 256)}`,
    rule: undefined,
    kid: undefined,
    alg: undefined,
    userSysId: undefined,
    tokenFingerprint: undefined,
    durationMs: 0,
    storesMs: undefined,
    detail: undefined,
    claim: undefined,
  };
  const stores = new StoreBudget(deps.storeBudgetMs);
  try {
    const token = extractBearerToken(authorizationHeader);
    const digest = tokenDigest(token);
    decision.tokenFingerprint = fingerprintOf(digest);
    const jwt = decomposeToken(token);
    // Unverified and attacker-sized: the decision line keeps a bounded copy of each, refused or not.
    if (jwt.header.alg !== undefined) decision.alg = boundedValue(jwt.header.alg);
    if (jwt.header.kid !== undefined) decision.kid = boundedValue(jwt.header.kid);
    // RFC 8725 3.1: `none`, HS* and anything unknown are refused here, before any provider or key fetch.
    checkHeader(jwt, SUPPORTED_ALGORITHMS);

    // Warm, the config is fresh: no promise to race against the store budget.
    const config = deps.registry.freshSnapshot() ?? (await stores.wait(deps.registry.snapshot(), "config_store_error"));
    const trace =
      deps.trace ?? (isDebugEnabled(config) ? loggerTrace(deps.logger, decision.tokenFingerprint) : undefined);
    const { iss, aud, azp, tid } = jwt.payload;
    if (iss === undefined) throw new AuthError("claim_missing", "iss is required");
    const provider = deps.registry.forToken(config, {
      iss,
      tid,
      aud: aud === undefined ? [] : typeof aud === "string" ? [aud] : aud,
      azp,
      kind: tokenKindOf(jwt),
    });
    decision.provider = provider.name;
    decision.tokenType = provider.config.tokenType;
    trace?.step(`Provider ${provider.name} matched the token's issuer`, { issuer: boundedValue(iss) });
    checkHeader(jwt, provider.config.allowedAlgorithms);
    checkTokenType(jwt, provider.config);
    trace?.step(`JWT info. key id:${decision.kid ?? "(none)"};algorithmName:${decision.alg}`, {
      provider: provider.name,
    });

    // Warm (discovery and keys fresh, the key known): verified with no await.
    const { payload, issuer } = provider.verifyFresh(jwt, digest) ?? (await provider.verify(jwt, digest));
    trace?.step(`JWT token successfully verified for algorithm=${decision.alg}`);
    checkIdTokenClaims(payload, provider.config, epochSec(deps.clock));
    trace?.step(`Going to verify claims:[${provider.config.claimValidations.map((rule) => rule.claim).join(",")}]`);
    checkClaimRules(payload, provider.config.claimValidations);
    trace?.step("All claims are successfully validated.");
    const access = (deps.routeRules ?? NO_SHIPPED_RULES).for(config);
    const subject: RouteSubject = {
      provider: provider.config,
      claims: payload,
      scopes: grantedScopes(payload, provider.config),
    };
    // What the token alone decides, before any store is touched: no jti is used up, no user is created.
    if (route !== undefined) {
      refuse(access.check(route, subject));
      trace?.step(`Route ${decision.route} allowed for the token`);
    }

    const storesStartedMs = performance.now();
    const user = await stores.wait(resolveUser(jwt, payload, issuer, provider.config, deps, trace), "user_store_error");
    decision.storesMs = msSince(storesStartedMs);
    trace?.step(`HTTP authorization validated user '${user.user_name}'`, { sys_id: user.sys_id });
    // A deny from here on names the user it refused.
    decision.userSysId = user.sys_id;
    const caller = { provider: subject.provider, claims: subject.claims, scopes: subject.scopes, roles: user.roles };
    if (route !== undefined) {
      refuse(access.check(route, caller));
      trace?.step(`Route ${decision.route} allowed for the user's roles`);
    }

    decision.outcome = "allow";
    decision.reason = "authenticated";
    decision.internal = false;
    decision.durationMs = msSince(startedMs);
    deps.decisions.record(decision);
    return {
      user,
      provider: provider.name,
      claims: payload,
      policy: (base) => access.policy(base, caller, route),
    };
  } catch (error) {
    const denial =
      error instanceof StoreError
        ? new AuthError("config_store_error", error.message, { cause: error.cause })
        : toAuthError(error);
    decision.outcome = "deny";
    decision.reason = denial.code;
    decision.internal = isInternalReason(denial.code);
    decision.durationMs = msSince(startedMs);
    decision.detail = denial.message;
    decision.claim = denial.claim;
    decision.rule = denial.rule;
    deps.decisions.record(decision);
    if (denial.code === "internal_error") deps.logger.error("authorizer fault", { error: denial.cause ?? denial });
    throw denial;
  }
}

/**
 * Who the caller is (OIDC Core 5.7: iss + sub, never an email alone). One-time use and the lookup by
 * bound identity run concurrently (one DynamoDB round trip of latency, not two); both must succeed.
 * Only without a bound user: a link (providers that link), then the user claim -> user field match
 * (the seed's lookup) to a user that the identity then binds, then provisioning. Any store failure
 * denies, with a reason that tells an outage from a bad token.
 */
async function resolveUser(
  jwt: DecomposedJwt,
  payload: JwtPayload,
  issuer: string,
  provider: ProviderConfig,
  deps: AuthenticatorDeps,
  trace: Trace | undefined,
): Promise<UserRecord> {
  const claimValue = userClaimValue(payload, provider);
  // The verified issuer as the provider binds it: a multi-tenant token's own tenant issuer, an alias's issuer.
  const identity: Identity = { issuer, subject: payload.sub as string, provider: provider.name };
  const replay = provider.enableJtiVerification
    ? deps.replayStore.consume(
        replayKey(identity.issuer, jwt),
        (payload.exp as number) + provider.clockSkewSeconds,
        epochSec(deps.clock),
      )
    : undefined;
  const bound = lookedUp(deps.userStore.findBound(identity));
  // Awaited after the replay write: handled from the start, so its failure is never unhandled meanwhile.
  bound.catch(() => undefined);
  if (replay !== undefined) {
    try {
      await replay;
    } catch (error) {
      if (error instanceof StoreError) throw new AuthError("replay_store_error", error.message, { cause: error.cause });
      throw error;
    }
    trace?.step("jti claim verified: first use of this token");
  }
  let user = single(await bound, "several users are bound to this identity");
  if (user) trace?.step(`User found by the token's identity (iss + sub): '${user.user_name}'`);
  if (!user) {
    const linked =
      provider.linkToProviders.length > 0 ? await lookedUp(deps.userStore.findLinked(identity)) : undefined;
    const found =
      linked ??
      single(
        provider.userField === "sys_id" && !SYS_ID_PATTERN.test(claimValue)
          ? []
          : await lookedUp(deps.userStore.findBy(provider.userField, claimValue)),
        `several users have this ${provider.userField}`,
      );
    if (found) {
      trace?.step(
        linked
          ? `User linked to the token's identity: '${found.user_name}'`
          : `User lookup ${provider.userClaim} -> ${provider.userField}: found '${found.user_name}'`,
      );
      user = await deps.provisioner.bind(provider, found, identity);
      trace?.step("User bound to the token's identity", { sys_id: user.sys_id });
    }
  }
  if (user) {
    assertMaySignIn(user, provider);
    return deps.provisioner.onLogin(provider, user, payload, claimValue, identity);
  }
  trace?.step(`User lookup ${provider.userClaim} -> ${provider.userField}: no user`);
  const created = await deps.provisioner.provision(provider, payload, claimValue, identity);
  if (!created)
    throw new AuthError("user_not_found", `no user with this ${provider.userField}, and no auto-provisioning`);
  trace?.step(`User provisioned with the transform map: '${created.user_name}'`, {
    sys_id: created.sys_id,
    roles: created.roles,
  });
  assertMaySignIn(created, provider);
  return created;
}

/** A lookup's result, or user_store_error: the store failed, which is never a reason to let anyone in. */
const lookedUp = <T>(lookup: Promise<T>): Promise<T> => lookup.catch(lookupFailed);

const lookupFailed = (error: unknown): never => {
  throw new AuthError("user_store_error", "user lookup failed", {
    cause: error instanceof StoreError ? error.cause : error,
  });
};

function single(users: readonly UserRecord[], ambiguity: string): UserRecord | undefined {
  if (users.length > 1) throw new AuthError("user_ambiguous", ambiguity);
  return users[0];
}

/**
 * The user may sign in, and is the kind of caller the provider's tokens stand for: a service account
 * record (`web_service_access_only`) only with a service's access token, and a service's token only as
 * a service account, so neither a person nor a service can act as the other.
 */
function assertMaySignIn(user: UserRecord, provider: ProviderConfig): void {
  if (!user.active) throw new AuthError("user_inactive", "user is not active");
  if (user.locked_out) throw new AuthError("user_locked_out", "user is locked out");
  const service = provider.tokenType === "access" && provider.accessToken?.caller === "service";
  if ((user["web_service_access_only"] === true) !== service) {
    throw new AuthError(
      "caller_kind_mismatch",
      service
        ? "a service's access token names a user who is not a service account (web_service_access_only)"
        : "a service account (web_service_access_only) signs in only with a service's access token",
    );
  }
}
