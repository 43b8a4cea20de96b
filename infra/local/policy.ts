// Evaluates an authorizer's IAM policy against a method ARN as API Gateway does: explicit Deny wins,
// then any Allow, else an implicit deny. Resource and action patterns use IAM's `*` and `?` wildcards.
import type { PolicyDocument, Statement } from "aws-lambda";

type PolicyDecision = "allow" | "deny";

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** IAM glob: `*` any run of characters (including `/`), `?` any one character; case-sensitive. */
export function iamGlobMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "s").test(value);
}

/** Actions are case-insensitive in IAM. */
const actionMatches = (pattern: string): boolean => iamGlobMatches(pattern.toLowerCase(), "execute-api:invoke");

function statementApplies(statement: Statement, methodArn: string): boolean {
  const { Action, Resource } = statement as { Action?: string | string[]; Resource?: string | string[] };
  return asList(Action).some(actionMatches) && asList(Resource).some((pattern) => iamGlobMatches(pattern, methodArn));
}

export function evaluatePolicy(policy: PolicyDocument | undefined, methodArn: string): PolicyDecision {
  const statements = policy?.Statement ?? [];
  const applying = statements.filter((statement) => statementApplies(statement, methodArn));
  if (applying.some((statement) => statement.Effect === "Deny")) return "deny";
  return applying.some((statement) => statement.Effect === "Allow") ? "allow" : "deny";
}
