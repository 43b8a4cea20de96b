// The authorizer wired to real parts (dynalite, a loopback issuer) with its decisions captured for assertions.
import { randomBytes } from "node:crypto";
import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayAuthorizerResult } from "aws-lambda";
import { expect } from "vitest";
import {
  providerKey,
  propertyKey,
  providerSchema,
  routeKey,
  routeRuleSchema,
  type ProviderInput,
  type RouteRuleInput,
} from "../../functions/config/schema";
import { SHIPPED_ROUTE_RULES } from "../../functions/http/routes";
import { toUserItem, type UserRecord } from "../../functions/users/store";
import type { AppLogger } from "../../functions/shared/logger";
import type { AuthenticatorDeps } from "../../functions/authorizer/authenticate";
import { authorizeEvent } from "../../functions/authorizer/authorize-event";
import { createAuthenticatorDeps, type AuthenticatorOptions } from "../../functions/authorizer/create-authenticator";
import { LoggerDecisionSink, type Decision } from "../../functions/authorizer/decision-log";
import type { TestDynamo } from "./dynamo";

export const METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/v1/GET/api/now/table/incident";

interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly attributes: unknown[];
}

/**
 * Every captured line as text, errors spelled out (name, message, stack, cause and every own property,
 * more than Powertools prints), so a test can assert what a log line could ever contain.
 */
export function loggedText(lines: readonly LogLine[]): string {
  const seen = new WeakSet<object>();
  const plain = (value: unknown): unknown => {
    if (typeof value !== "object" || value === null) return value;
    if (seen.has(value)) return "[circular]";
    seen.add(value);
    if (value instanceof Error) {
      const fields: Record<string, unknown> = {};
      for (const name of Object.getOwnPropertyNames(value)) fields[name] = plain(Reflect.get(value, name));
      return { name: value.name, message: value.message, stack: value.stack, cause: plain(value.cause), ...fields };
    }
    if (value instanceof Map) return [...value].map(plain);
    if (value instanceof Set) return [...value].map(plain);
    if (Array.isArray(value)) return value.map(plain);
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  };
  return lines.map((line) => JSON.stringify({ ...line, attributes: plain(line.attributes) })).join("\n");
}

/** A logger that keeps its lines, so tests can assert on what would have been logged. */
export function capturingLogger(): AppLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (message: unknown, ...attributes: unknown[]): void => {
      lines.push({ level, message: String(message), attributes });
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } as AppLogger & {
    lines: LogLine[];
  };
}

export interface AuthorizerFixture {
  readonly deps: AuthenticatorDeps;
  readonly decisions: Decision[];
  readonly logger: ReturnType<typeof capturingLogger>;
  /** Runs the TOKEN authorizer (for METHOD_ARN unless given); resolves to the policy or rejects with Error("Unauthorized"). */
  authorize(token: string, authorizationHeader?: string, methodArn?: string): Promise<APIGatewayAuthorizerResult>;
  lastDecision(): Decision;
}

export function createAuthorizerFixture(
  dynamo: TestDynamo,
  {
    persistProviderState = false,
    ...overrides
  }: Partial<AuthenticatorOptions> & {
    /** Keep provider state in the provider-state table, as the Lambda does (off: each fixture reads the provider). */
    persistProviderState?: boolean;
  } = {},
): AuthorizerFixture {
  const decisions: Decision[] = [];
  const logger = capturingLogger();
  // Decisions are kept for assertions and logged as the product logs them, so the log lines are the real ones.
  const decisionLog = new LoggerDecisionSink(logger);
  const deps = createAuthenticatorDeps({
    client: dynamo.doc,
    tables: {
      config: dynamo.tables.config,
      users: dynamo.tables.users,
      jti: dynamo.tables.jti,
      ...(persistProviderState && { providerState: dynamo.tables.providerState }),
    },
    logger,
    fetchPolicy: { allowLoopbackHttp: true },
    decisions: {
      record: (decision) => {
        decisions.push(decision);
        decisionLog.record(decision);
      },
    },
    configTtlMs: 0,
    // dynalite on a loaded 2-core machine, with 50 concurrent sign-ins, is far slower than DynamoDB: the
    // production store budget (2 s) is for the tests of deadlines, which ask for it (store-deadlines.test.ts).
    storeBudgetMs: 30_000,
    shippedRouteRules: SHIPPED_ROUTE_RULES,
    ...overrides,
  });
  return {
    deps,
    decisions,
    logger,
    authorize: (token, authorizationHeader = `Bearer ${token}`, methodArn = METHOD_ARN) =>
      authorizeEvent({ type: "TOKEN", authorizationToken: authorizationHeader, methodArn }, deps),
    lastDecision: () => {
      const last = decisions.at(-1);
      if (!last) throw new Error("no decision recorded");
      return last;
    },
  };
}

/**
 * Authorizes `token` and asserts that the Allow is for `user` and no one else: the principal, the context's
 * sys_id and user_name, and the decision line's user. Resolves to the policy for further checks.
 */
export async function expectAllowedAs(
  fixture: AuthorizerFixture,
  token: string,
  user: Pick<UserRecord, "sys_id" | "user_name">,
): Promise<APIGatewayAuthorizerResult> {
  const result = await fixture.authorize(token);
  expect(result.principalId).toBe(user.sys_id);
  expect(result.context).toMatchObject({ sys_id: user.sys_id, user_name: user.user_name });
  expect(fixture.lastDecision()).toMatchObject({ outcome: "allow", reason: "authenticated", userSysId: user.sys_id });
  return result;
}

export async function putProvider(dynamo: TestDynamo, input: ProviderInput): Promise<void> {
  await putItem(dynamo.doc, dynamo.tables.config, { pk: providerKey(input.name), ...providerSchema.parse(input) });
}

export async function putRouteRule(dynamo: TestDynamo, input: RouteRuleInput): Promise<void> {
  await putItem(dynamo.doc, dynamo.tables.config, { pk: routeKey(input.name), ...routeRuleSchema.parse(input) });
}

/** The method ARN of a call to `method path` on the fixture's API and stage. */
export const methodArnFor = (method: string, path: string): string =>
  `arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/v1/${method}${path}`;

export async function putProperty(dynamo: TestDynamo, name: string, value: string): Promise<void> {
  await putItem(dynamo.doc, dynamo.tables.config, { pk: propertyKey(name), name, value });
}

export const newSysId = (): string => randomBytes(16).toString("hex");

export async function putUser(
  dynamo: TestDynamo,
  user: Partial<UserRecord> & { user_name: string },
): Promise<UserRecord> {
  const record: UserRecord = { sys_id: newSysId(), active: true, locked_out: false, roles: [], ...user };
  await putItem(dynamo.doc, dynamo.tables.users, toUserItem(record));
  return record;
}

async function putItem(doc: DynamoDBDocumentClient, table: string, item: Record<string, unknown>): Promise<void> {
  await doc.send(new PutCommand({ TableName: table, Item: item }));
}
