// Errors a backend answers with: each carries its HTTP status and the ServiceNow message and detail the
// caller sees. Unlike the authorizer's errors, these messages are meant for the (authenticated) caller.
import type { APIGatewayProxyResult } from "aws-lambda";
import { error } from "./response";
import { DomainError } from "../shared/errors";
import type { AppLogger } from "../shared/logger";

type ApiErrorCode =
  | "bad_request"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type";

abstract class ApiError extends DomainError<ApiErrorCode> {
  abstract readonly status: number;

  constructor(
    message: string,
    readonly detail: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class BadRequestError extends ApiError {
  readonly code = "bad_request" as const;
  readonly status = 400;
}

export class ForbiddenError extends ApiError {
  readonly code = "forbidden" as const;
  readonly status = 403;
}

export class NotFoundError extends ApiError {
  readonly code = "not_found" as const;
  readonly status = 404;
}

export class MethodNotAllowedError extends ApiError {
  readonly code = "method_not_allowed" as const;
  readonly status = 405;
}

export class ConflictError extends ApiError {
  readonly code = "conflict" as const;
  readonly status = 409;
}

export class PayloadTooLargeError extends ApiError {
  readonly code = "payload_too_large" as const;
  readonly status = 413;
}

export class UnsupportedMediaTypeError extends ApiError {
  readonly code = "unsupported_media_type" as const;
  readonly status = 415;
}

/** ServiceNow's message for a body that cannot be used; `detail` says why. */
export const UNREADABLE_REQUEST = "Exception while reading request";

/**
 * The response for anything a backend throws: an ApiError as its envelope, anything else as a 500 whose
 * cause goes to the log only (it may be a DynamoDB message naming tables, or a bug).
 */
export function errorResponse(thrown: unknown, logger: AppLogger): APIGatewayProxyResult {
  if (thrown instanceof ApiError) return error(thrown.status, thrown.message, thrown.detail);
  logger.error("request failed", { error: thrown });
  return error(500, "Internal server error");
}
