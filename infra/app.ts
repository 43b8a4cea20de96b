// CDK app entry (cdk.json runs it with tsx): the one stack, checked against the cdk-nag AWS Solutions rules.
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { OidcAuthStack } from "./stack";

const app = new App();
new OidcAuthStack(app, "OidcAuthStack", {
  description: "External OIDC ID-token authentication for a REST API (API Gateway, Lambda, DynamoDB)",
});
// cdk-nag v3 is a policy validation plugin, not an Aspect: any unacknowledged finding fails the synth.
// Acknowledged findings and their reasons live in nag-suppressions.ts.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
