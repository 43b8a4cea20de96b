// Every cdk-nag (AwsSolutions) finding this stack accepts, in one place, each with the reason it is acceptable.
import { Stack, Validations, type CfnElement, type Acknowledgment } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import type { OidcAuthStack } from "./stack";

// cdk-nag v3 reads acknowledgments from the construct tree (Validations.of(...).acknowledge), on the
// construct itself or any ancestor. A granular finding such as IAM5 is acknowledged one value at a time.

export function suppressAcknowledgedFindings(stack: OidcAuthStack): void {
  const restApi = stack.api.restApi;

  acknowledge(restApi, {
    id: "AwsSolutions-COG4",
    reason:
      "Callers authenticate with ID tokens from external OpenID Connect providers (Okta, Entra ID, Auth0, ...), " +
      "verified by the Lambda TOKEN authorizer on every method; there is no Cognito user pool in this design.",
  });
  acknowledge(restApi, {
    id: "AwsSolutions-APIG2",
    reason:
      "Input is validated in the Lambda handlers, where the rules live: the Table API serves arbitrary tables, " +
      "so no fixed API Gateway model fits. The Authorization header is already required by the TOKEN " +
      "authorizer's identity source, which answers 401 without invoking anything when it is missing.",
  });
  acknowledge(restApi, {
    id: "AwsSolutions-APIG3",
    reason:
      "A WAF web ACL (rate limits, IP reputation) depends on the operator's account and traffic and can be " +
      "associated with the stage without changing this stack; every method already requires a verified token.",
  });
  acknowledge(restApi, {
    id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
    reason:
      "The account-level role API Gateway assumes to write execution logs (APIG6) for every API in the region; " +
      "AWS documents this managed policy for it, and it grants CloudWatch Logs writes only.",
  });

  const usersTable = stack.tables.users;
  const usersTableLogicalId = Stack.of(usersTable).getLogicalId(usersTable.node.defaultChild as CfnElement);
  acknowledge(stack.authorizer, {
    id: `AwsSolutions-IAM5[Resource::<${usersTableLogicalId}.Arn>/index/*]`,
    reason:
      "grantReadData covers the users table's own indexes as <table>/index/*: the authorizer looks users up by " +
      "the user_name, email and employee_number indexes (USER_LOOKUP_INDEXES). No other table is matched.",
  });
  acknowledge(stack.backends.tableApi, {
    id: `AwsSolutions-IAM5[Resource::<${usersTableLogicalId}.Arn>/index/*]`,
    reason:
      "The table grant covers the users table's own indexes as <table>/index/*: the Table API lists sys_user page " +
      "by page with Queries on the all_users index (USER_LISTING_INDEX) instead of a Scan. No other table is matched.",
  });
  acknowledge(stack.backends.scriptedAuth, {
    id: `AwsSolutions-IAM5[Resource::<${usersTableLogicalId}.Arn>/index/*]`,
    reason:
      "grantReadData always includes the users table's own indexes as <table>/index/*; the x_oidc/auth API reads " +
      "one user by key. Read-only, and no other table is matched.",
  });

  acknowledge(stack.tables.jti, {
    id: "AwsSolutions-DDB3",
    reason:
      "The jti table holds only one-time-use markers that expire with their token (TTL on expiresAt, minutes to " +
      "hours); a point-in-time restore would have nothing worth recovering once those tokens have expired.",
  });

  for (const fn of [stack.authorizer, ...Object.values(stack.backends)]) {
    acknowledge(fn, {
      id: "AwsSolutions-L1",
      reason:
        "nodejs22.x is the runtime the design pins (design.md, Infrastructure) and the code is built and tested " +
        "for; it is a supported Lambda runtime. Moving to a newer one is a deliberate one-line change in the " +
        "function factory, not a side effect of a lint rule.",
    });
  }
}

const acknowledge = (scope: IConstruct, rule: Acknowledgment): void => Validations.of(scope).acknowledge(rule);
