// The method ARN's parts, and the result's shape (unit).
import type { PolicyDocument } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { allowPolicy, parseMethodArn } from "../../functions/authorizer/policy";

describe("parseMethodArn", () => {
  it.each([
    [
      "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/api/now/table/incident",
      "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/",
      { method: "GET", path: "/api/now/table/incident" },
    ],
    [
      "arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/v1/POST/",
      "arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/v1/",
      { method: "POST", path: "/" },
    ],
  ])("%s -> %s and %j", (methodArn, base, route) => {
    expect(parseMethodArn(methodArn)).toEqual({ base, route });
  });

  it.each([
    "",
    "arn:aws:s3:::bucket/key",
    "arn:aws:execute-api:eu-west-1:123:abc",
    "*",
    "arn:aws:execute-api:r:1:a/v1/get/x",
  ])("refuses %j", (methodArn) => {
    expect(() => parseMethodArn(methodArn)).toThrow(expect.objectContaining({ code: "internal_error" }));
  });
});

describe("allowPolicy", () => {
  it("names the user as principal and passes the caller as string context", () => {
    const document: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        { Action: "execute-api:Invoke", Effect: "Allow", Resource: ["arn:aws:execute-api:eu-west-1:1:abc/api/*/*"] },
      ],
    };
    const policy = allowPolicy(document, {
      sys_id: "0".repeat(32),
      user_name: "alice",
      roles: "itil,admin",
      provider: "okta",
    });
    expect(policy.principalId).toBe("0".repeat(32));
    expect(policy.policyDocument).toBe(document);
    expect(Object.values(policy.context ?? {}).every((value) => typeof value === "string")).toBe(true);
  });
});
