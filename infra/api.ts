// The REST API: TOKEN authorizer on every method, routes from ROUTES, ServiceNow-shaped gateway responses, logging.
import { Duration } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from "../functions/http/cors";
import {
  AUTHORIZER_TOKEN_PATTERN,
  BINARY_MEDIA_TYPES,
  ERROR_ENVELOPE_TEMPLATE,
  GATEWAY_RESPONSES,
  ROUTES,
  THROTTLING,
  WRITE_METHODS,
  type BackendName,
} from "../functions/http/routes";

interface ApiProps {
  readonly authorizerFunction: lambda.IFunction;
  readonly backendFunctions: Readonly<Record<BackendName, lambda.IFunction>>;
  readonly stageName: string;
  /** Zero turns caching off: a cached Allow would let a one-time (jti) token be replayed. */
  readonly authorizerCacheTtl: Duration;
  /** Allowed CORS origins; none turns CORS off (no OPTIONS methods, no headers). */
  readonly corsOrigins: readonly string[];
}

// API Gateway response parameters take literal header values in single quotes.
const JSON_CONTENT_TYPE = { "Content-Type": "'application/json'" };

/** functions/http/cors.ts gatewayCorsHeaders, as response parameters: one origin literally, several echoed. */
function gatewayCorsParameters(origins: readonly string[]): Record<string, string> {
  const [first] = origins;
  if (first === undefined) return {};
  const expose = { "Access-Control-Expose-Headers": `'${CORS_EXPOSE_HEADERS.join(",")}'` };
  if (first === "*") return { "Access-Control-Allow-Origin": "'*'", ...expose };
  const origin = origins.length === 1 ? `'${first}'` : "method.request.header.Origin";
  return { "Access-Control-Allow-Origin": origin, Vary: "'Origin'", ...expose };
}

export class Api extends Construct {
  readonly restApi: apigateway.RestApi;
  readonly authorizer: apigateway.TokenAuthorizer;
  readonly accessLogGroup: logs.LogGroup;

  private readonly corsParameters: Record<string, string>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.corsParameters = gatewayCorsParameters(props.corsOrigins);

    this.authorizer = new apigateway.TokenAuthorizer(this, "Authorizer", {
      handler: props.authorizerFunction,
      identitySource: apigateway.IdentitySource.header("Authorization"),
      // Not a Bearer JWS: 401 at the edge, no authorizer invocation (and no decision line).
      validationRegex: AUTHORIZER_TOKEN_PATTERN,
      resultsCacheTtl: props.authorizerCacheTtl,
    });

    this.accessLogGroup = new logs.LogGroup(this, "AccessLogs", {
      retention: logs.RetentionDays.THREE_MONTHS,
    });

    this.restApi = new apigateway.RestApi(this, "RestApi", {
      description: "REST API authenticated with external OIDC ID tokens",
      // Execution logging needs the account-level CloudWatch role; this creates and registers it.
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
        // ERROR only, and never data tracing: full request logs would contain the bearer token.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: THROTTLING.stage.rateLimit,
        throttlingBurstLimit: THROTTLING.stage.burstLimit,
        // Per method, on top of the stage's: each write method of each route gets the lower write limits.
        methodOptions: Object.fromEntries(
          ROUTES.filter((route) => WRITE_METHODS.has(route.method)).map((route) => [
            `${route.path}/${route.method}`,
            {
              throttlingRateLimit: THROTTLING.writes.rateLimit,
              throttlingBurstLimit: THROTTLING.writes.burstLimit,
              // A method's own settings replace the stage's: repeat the logging ones.
              loggingLevel: apigateway.MethodLoggingLevel.ERROR,
              dataTraceEnabled: false,
            },
          ]),
        ),
      },
      // Preflight OPTIONS on every resource, answered by API Gateway itself without the authorizer
      // (a browser sends no Authorization header on a preflight).
      ...(props.corsOrigins.length > 0 && {
        defaultCorsPreflightOptions: {
          allowOrigins: [...props.corsOrigins],
          allowHeaders: [...CORS_ALLOW_HEADERS],
          allowMethods: [...CORS_ALLOW_METHODS],
          maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
          exposeHeaders: [...CORS_EXPOSE_HEADERS],
        },
      }),
      // Attachments arrive as raw bytes of any type: passed on base64-encoded, never re-encoded as text.
      binaryMediaTypes: [...BINARY_MEDIA_TYPES],
      // Secure by default: a method added without options still goes through the authorizer.
      defaultMethodOptions: {
        authorizer: this.authorizer,
        authorizationType: apigateway.AuthorizationType.CUSTOM,
      },
    });

    const integrations = new Map<BackendName, apigateway.LambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.backend);
      if (integration === undefined) {
        integration = new apigateway.LambdaIntegration(props.backendFunctions[route.backend], {
          // One invoke permission per method, none for the console's test-invoke (which skips the
          // authorizer): the Table API's 18 methods stay well inside Lambda's 20 KB resource policy.
          allowTestInvoke: false,
        });
        integrations.set(route.backend, integration);
      }
      this.restApi.root.resourceForPath(route.path).addMethod(route.method, integration);
    }

    this.addGatewayResponses();
  }

  private addGatewayResponses(): void {
    // Every authentication failure, whatever the reason, looks the same to the caller (RFC 6750 3).
    // Defined once in functions/http/routes.ts; the local gateway answers with the same.
    const fixed = [
      ["Unauthorized", apigateway.ResponseType.UNAUTHORIZED, GATEWAY_RESPONSES.UNAUTHORIZED],
      ["AccessDenied", apigateway.ResponseType.ACCESS_DENIED, GATEWAY_RESPONSES.ACCESS_DENIED],
      [
        "UnknownResource",
        apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
        GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN,
      ],
      ["Throttled", apigateway.ResponseType.THROTTLED, GATEWAY_RESPONSES.THROTTLED],
      // A timed-out or failed authorizer; API Gateway's own body would be {"message": null}.
      ["AuthorizerFailure", apigateway.ResponseType.AUTHORIZER_FAILURE, GATEWAY_RESPONSES.AUTHORIZER_FAILURE],
      [
        "AuthorizerConfigurationError",
        apigateway.ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
        GATEWAY_RESPONSES.AUTHORIZER_FAILURE,
      ],
    ] as const;
    for (const [id, type, response] of fixed) {
      this.restApi.addGatewayResponse(id, {
        type,
        statusCode: String(response.statusCode),
        // Header values are literals in single quotes in API Gateway response parameters.
        responseHeaders: {
          ...Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, `'${value}'`])),
          ...this.corsParameters,
        },
        templates: { "application/json": response.body },
      });
    }
    this.restApi.addGatewayResponse("Default4xx", {
      type: apigateway.ResponseType.DEFAULT_4XX,
      responseHeaders: { ...JSON_CONTENT_TYPE, ...this.corsParameters },
      templates: { "application/json": ERROR_ENVELOPE_TEMPLATE },
    });
    this.restApi.addGatewayResponse("Default5xx", {
      type: apigateway.ResponseType.DEFAULT_5XX,
      responseHeaders: { ...JSON_CONTENT_TYPE, ...this.corsParameters },
      templates: { "application/json": ERROR_ENVELOPE_TEMPLATE },
    });
  }
}

/** One JSON line per request; the authorizer fields tell an outage from a denial. Never headers. */
const accessLogFormat = (): apigateway.AccessLogFormat => {
  const field = apigateway.AccessLogField;
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: field.contextRequestId(),
      requestTime: field.contextRequestTime(),
      sourceIp: field.contextIdentitySourceIp(),
      userAgent: field.contextIdentityUserAgent(),
      httpMethod: field.contextHttpMethod(),
      resourcePath: field.contextResourcePath(),
      protocol: field.contextProtocol(),
      status: field.contextStatus(),
      responseLength: field.contextResponseLength(),
      responseLatency: field.contextResponseLatency(),
      errorResponseType: field.contextErrorResponseType(),
      principalId: field.contextAuthorizerPrincipalId(),
      authorizerStatus: field.contextAuthorizerIntegrationStatus(),
      authorizerLatency: field.contextAuthorizerIntegrationLatency(),
      authorizerError: field.contextAuthorizerError(),
      integrationStatus: field.contextIntegrationStatus(),
    }),
  );
};
