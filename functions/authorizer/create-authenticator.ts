// Wires the authenticator from its real parts; the Lambda handler, the local stack and the tests share it.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { systemClock, type Clock } from "../shared/clock";
import {
  CachedConfig,
  DEFAULT_CONFIG_TTL_MS,
  AUTHORIZER_CONFIG_ITEMS,
  DynamoConfigSource,
  logInvalidItems,
  type ConfigSource,
} from "../config/store";
import { DynamoUserStore } from "../users/store";
import { UserDirectory } from "../users/directory";
import { DirectoryProvisioner } from "./provisioning";
import type { AppLogger } from "../shared/logger";
import type { Metrics } from "../shared/metrics";
import { RouteRules, type AuthenticatorDeps, type UserProvisioner } from "./authenticate";
import type { AppliedRouteRule } from "./route-access";
import { LoggerDecisionSink, type DecisionSink, type Trace } from "./decision-log";
import { DecisionLine } from "./decision-line";
import { allSinks, meteredFetcher, meteredProvisioner } from "./metrics";
import { DEFAULT_FETCH_POLICY, PolicyJsonFetcher, type FetchPolicy, type JsonFetcher } from "./http";
import { DEFAULT_PROVIDER_CACHE_OPTIONS, type ProviderCacheOptions } from "./provider";
import { ProviderRegistry } from "./provider-registry";
import { DynamoProviderStateStore } from "./provider-state";
import { DynamoReplayStore, type ReplayStore } from "./replay-store";

export interface AuthenticatorOptions {
  readonly client: DynamoDBDocumentClient;
  /** Without providerState, nothing is persisted: every container reads each provider itself. */
  readonly tables: {
    readonly config: string;
    readonly users: string;
    readonly jti: string;
    readonly providerState?: string;
  };
  readonly logger: AppLogger;
  readonly clock?: Clock;
  readonly fetchPolicy?: Partial<FetchPolicy>;
  readonly fetcher?: JsonFetcher;
  /** Replaces the decision's log line (tests keep the decisions; explain prints them). */
  readonly decisions?: DecisionSink;
  /**
   * The logger's current level (the Powertools Logger's numeric `level`). With metrics and no
   * `decisions`, the decision line is written as one JSON line that carries its metrics (decision-line.ts).
   */
  readonly logLevel?: () => number;
  readonly provisioner?: UserProvisioner;
  readonly configTtlMs?: number;
  readonly providerCache?: ProviderCacheOptions;
  /** Replaces the config table (the admin CLI's explain passes the config it has just read). */
  readonly configSource?: ConfigSource;
  /** Replaces the one-time-use store (explain reads markers, never writes them). */
  readonly replayStore?: ReplayStore;
  readonly trace?: Trace;
  readonly storeBudgetMs?: number;
  /** EMF metrics of decisions, fetches and provisioning (the Lambda handler's; none unless given). */
  readonly metrics?: Metrics;
  /** The shipped routes' rules (functions/http/routes.ts SHIPPED_ROUTE_RULES; the handler reads them from its environment). */
  readonly shippedRouteRules?: readonly AppliedRouteRule[];
}

export function createAuthenticatorDeps(options: AuthenticatorOptions): AuthenticatorDeps {
  const { client, tables, logger } = options;
  const clock = options.clock ?? systemClock;
  const fetchPolicy = { ...DEFAULT_FETCH_POLICY, ...options.fetchPolicy };
  const { metrics } = options;
  const fetcher = options.fetcher ?? new PolicyJsonFetcher(fetchPolicy);
  const provisioner =
    options.provisioner ?? new DirectoryProvisioner(new UserDirectory(client, tables.users, clock), logger);
  const decisions = decisionOutput(options);
  const config = new CachedConfig(
    options.configSource ??
      new DynamoConfigSource(client, tables.config, logInvalidItems(logger), AUTHORIZER_CONFIG_ITEMS),
    clock,
    logger,
    options.configTtlMs ?? DEFAULT_CONFIG_TTL_MS,
  );
  return {
    registry: new ProviderRegistry(
      config,
      metrics ? meteredFetcher(fetcher, metrics) : fetcher,
      fetchPolicy,
      clock,
      logger,
      options.providerCache ?? DEFAULT_PROVIDER_CACHE_OPTIONS,
      tables.providerState === undefined ? undefined : new DynamoProviderStateStore(client, tables.providerState),
    ),
    replayStore: options.replayStore ?? new DynamoReplayStore(client, tables.jti),
    userStore: new DynamoUserStore(client, tables.users),
    provisioner: metrics ? meteredProvisioner(provisioner, metrics) : provisioner,
    clock,
    logger,
    decisions,
    ...(options.trace && { trace: options.trace }),
    ...(options.storeBudgetMs !== undefined && { storeBudgetMs: options.storeBudgetMs }),
    routeRules: new RouteRules(options.shippedRouteRules),
  };
}

/** Where each decision goes: its log line and, with metrics, its EMF, on one line where nothing replaces the log. */
function decisionOutput({ decisions, metrics, logLevel, logger }: AuthenticatorOptions): DecisionSink {
  if (metrics && decisions === undefined && logLevel) return new DecisionLine({ metrics, logLevel });
  const line = decisions ?? new LoggerDecisionSink(logger);
  return metrics ? allSinks(line, new DecisionLine({ metrics })) : line;
}
