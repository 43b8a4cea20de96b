// The local gateway's IAM policy evaluation (unit): wildcards, Deny wins, resource mismatch.
import { describe, expect, it } from "vitest";
import type { PolicyDocument, Statement } from "aws-lambda";
import { evaluatePolicy, iamGlobMatches } from "../../../infra/local/policy";

const ARN = "arn:aws:execute-api:local:000000000000:localapi/local/GET/api/now/table/incident";
const policy = (...Statement: PolicyDocument["Statement"]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const allow = (Resource: string | string[], Action: string | string[] = "execute-api:Invoke"): Statement => ({
  Effect: "Allow",
  Action,
  Resource,
});
const deny = (Resource: string | string[]): Statement => ({ Effect: "Deny", Action: "execute-api:Invoke", Resource });

describe("iamGlobMatches", () => {
  it.each([
    ["arn:aws:execute-api:local:000000000000:localapi/local/*/*", true],
    ["arn:aws:execute-api:local:000000000000:localapi/local/GET/api/*", true],
    ["arn:aws:execute-api:local:000000000000:localapi/local/???/api/now/table/incident", true],
    ["arn:aws:execute-api:local:000000000000:localapi/local/POST/*", false],
    ["arn:aws:execute-api:local:000000000000:otherapi/local/*/*", false],
    ["arn:aws:execute-api:local:000000000000:localapi/local/get/api/now/table/incident", false],
    ["*", true],
    ["arn:aws:execute-api:local:000000000000:localapi/local/GET/api/now/table/incident.", false],
  ])("%s -> %s", (pattern, expected) => {
    expect(iamGlobMatches(pattern, ARN)).toBe(expected);
  });
});

describe("evaluatePolicy", () => {
  it("allows when an Allow statement matches", () => {
    expect(evaluatePolicy(policy(allow("arn:aws:execute-api:local:000000000000:localapi/local/*/*")), ARN)).toBe(
      "allow",
    );
  });

  it("denies when nothing matches (implicit deny)", () => {
    expect(evaluatePolicy(policy(allow("arn:aws:execute-api:local:000000000000:localapi/local/POST/*")), ARN)).toBe(
      "deny",
    );
    expect(evaluatePolicy(policy(), ARN)).toBe("deny");
    expect(evaluatePolicy(undefined, ARN)).toBe("deny");
  });

  it("lets an explicit Deny win over any Allow", () => {
    const document = policy(
      allow("*"),
      deny("arn:aws:execute-api:local:000000000000:localapi/local/GET/api/now/table/*"),
    );
    expect(evaluatePolicy(document, ARN)).toBe("deny");
  });

  it("matches actions case-insensitively and with wildcards, and ignores other actions", () => {
    expect(evaluatePolicy(policy(allow("*", "Execute-API:*")), ARN)).toBe("allow");
    expect(evaluatePolicy(policy(allow("*", ["s3:GetObject", "execute-api:invoke"])), ARN)).toBe("allow");
    expect(evaluatePolicy(policy(allow("*", "s3:*")), ARN)).toBe("deny");
  });

  it("accepts a list of resources", () => {
    expect(evaluatePolicy(policy(allow(["arn:aws:s3:::x", `${ARN.slice(0, -8)}*`])), ARN)).toBe("allow");
  });
});
