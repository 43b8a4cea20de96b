// What every Lambda handler does with its invocation context: every log line carries the request id
// (Powertools' addContext: function_request_id, function_name, cold_start), and the first invocation of
// an on-demand container counts a cold start (ColdStart, as Powertools Metrics counted it). The
// authorizer's decision line, written without the Powertools Logger (functions/authorizer/decision-line.ts),
// reads the same fields from `invocationLogFields`.
import type { Context } from "aws-lambda";
import { logger } from "./logger";
import { METRIC, MetricUnit, metrics } from "./metrics";

/** The Lambda context's fields in a log line, named and valued as the Powertools Logger writes them. */
export interface InvocationLogFields {
  readonly cold_start: boolean;
  readonly function_arn: string;
  readonly function_memory_size: unknown;
  readonly function_name: string;
  readonly function_request_id: string;
}

let current: InvocationLogFields | undefined;
// As Powertools: only an on-demand container's first invocation is a cold start (not provisioned concurrency).
let coldStart = (process.env["AWS_LAMBDA_INITIALIZATION_TYPE"] ?? "on-demand") === "on-demand";

/** The current invocation's log fields; undefined outside a handler (tests, the local stack's own calls). */
export const invocationLogFields = (): InvocationLogFields | undefined => current;

export const withLambdaContext =
  <Event, Result>(handle: (event: Event) => Promise<Result>) =>
  (event: Event, context: Context): Promise<Result> => {
    logger.addContext(context);
    current = {
      cold_start: coldStart,
      function_arn: context.invokedFunctionArn,
      function_memory_size: context.memoryLimitInMB,
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
    };
    if (coldStart) metrics.emit(METRIC.coldStart, MetricUnit.Count, 1, { function_name: context.functionName });
    coldStart = false;
    return handle(event);
  };
