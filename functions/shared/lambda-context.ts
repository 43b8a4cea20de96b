// What every Lambda handler does with its invocation context: every log line carries the request id
// (Powertools' addContext: function_request_id, function_name, cold_start), and the first invocation of
// a container counts a cold start.
import type { Context } from "aws-lambda";
import { logger } from "./logger";
import { metrics } from "./metrics";

export const withLambdaContext =
  <Event, Result>(handle: (event: Event) => Promise<Result>) =>
  (event: Event, context: Context): Promise<Result> => {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    return handle(event);
  };
