// The Allow policy's resource (unit).
import { describe, expect, it } from "vitest";
import { allowPolicy, wholeApiResource } from "../../functions/authorizer/policy";

describe("wholeApiResource", () => {
  it.each([
    [
      "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/api/now/table/incident",
      "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*",
    ],
    [
      "arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/v1/POST/",
      "arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/v1/*/*",
    ],
  ])("%s -> %s", (methodArn, expected) => {
    expect(wholeApiResource(methodArn)).toBe(expected);
  });

  it.each(["", "arn:aws:s3:::bucket/key", "arn:aws:execute-api:eu-west-1:123:abc", "*"])("refuses %j", (methodArn) => {
    expect(() => wholeApiResource(methodArn)).toThrow(expect.objectContaining({ code: "internal_error" }));
  });
});

describe("allowPolicy", () => {
  it("names the user as principal and passes the caller as string context", () => {
    const policy = allowPolicy("arn:aws:execute-api:eu-west-1:1:abc/api/GET/x", {
      sys_id: "0".repeat(32),
      user_name: "alice",
      roles: "itil,admin",
      provider: "okta",
    });
    expect(policy.principalId).toBe("0".repeat(32));
    expect(Object.values(policy.context ?? {}).every((value) => typeof value === "string")).toBe(true);
  });
});
