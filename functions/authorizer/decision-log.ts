// The one decision line per request, and the step-by-step lines the debug switches turn on.
import { INTERNAL_REASON_CODES, type AuthReasonCode } from "../shared/errors";
import type { AppLogger } from "../shared/logger";

export interface Decision {
  readonly outcome: "allow" | "deny";
  readonly reason: AuthReasonCode | "authenticated";
  /** True when our side failed (store, provider, bug): an outage, not a bad token. */
  readonly internal: boolean;
  readonly provider?: string;
  /** The provider's kind of token: `id` or `access`. */
  readonly tokenType?: "id" | "access";
  /** The route called, `METHOD /path` (bounded). */
  readonly route?: string;
  /** For a route refused by a route rule: the rule's name. */
  readonly rule?: string;
  readonly kid?: string;
  readonly alg?: string;
  readonly userSysId?: string;
  /** First 12 hex of the token's SHA-256; the token itself is never logged. */
  readonly tokenFingerprint?: string;
  readonly durationMs: number;
  /** Time spent in the concurrent replay write and user lookup. */
  readonly storesMs?: number;
  /** Log-only detail of a deny. May name claims or issuers; never token bytes. */
  readonly detail?: string;
  /** For a deny about one claim: its name or path (never its value). */
  readonly claim?: string;
}

type DecisionField = keyof Decision;
/** A decision while it is made: every field present (an unset one undefined), every field writable. */
export type DecisionDraft = { [K in DecisionField]: Decision[K] };

/**
 * The most characters of one unverified value (a header parameter, a claim) a log line carries: a
 * `kid` may be kilobytes long, and anyone on the internet can send one (log amplification).
 */
export const MAX_LOGGED_VALUE_LENGTH = 64;

/** Text from a token or a provider's document, cut to a length fit for a log line. */
export const boundedText = (text: string, max = MAX_LOGGED_VALUE_LENGTH): string =>
  text.length > max ? `${text.slice(0, max)}...` : text;

/** An unverified value of any JSON type as bounded text. */
export const boundedValue = (value: unknown, max = MAX_LOGGED_VALUE_LENGTH): string =>
  boundedText(typeof value === "string" ? value : String(JSON.stringify(value)), max);

export interface DecisionSink {
  record(decision: Decision): void;
}

export const isInternalReason = (reason: AuthReasonCode): boolean => INTERNAL_REASON_CODES.has(reason);

export class LoggerDecisionSink implements DecisionSink {
  constructor(private readonly logger: AppLogger) {}

  record(decision: Decision): void {
    const line = { decision };
    if (decision.outcome === "allow") this.logger.info("authorization decision", line);
    else if (decision.internal) this.logger.error("authorization decision", line);
    else this.logger.warn("authorization decision", line);
  }
}

/**
 * Step lines in the spirit of the seed's localhost log, only while a debug switch is on (or the admin
 * CLI explains): without one there is no trace, and `trace?.step(...)` builds none of its arguments.
 */
export interface Trace {
  step(message: string, attributes?: Record<string, unknown>): void;
}

export const loggerTrace = (logger: AppLogger, tokenFingerprint: string | undefined): Trace => ({
  step: (message, attributes) => logger.info(`Auth ${message}`, { debug: true, tokenFingerprint, ...attributes }),
});
