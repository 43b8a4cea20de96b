// The admin CLI's one error: a code that decides the exit status (2 for usage, 1 otherwise) and the problems to list.
import { DomainError } from "../functions/shared/errors";

type CliErrorCode = "usage" | "invalid" | "not_found" | "conflict" | "no_target" | "failed";

export class CliError extends DomainError<CliErrorCode> {
  readonly problems: readonly string[];
  /** The usage line of the command that was misused. */
  readonly usage: string | undefined;

  constructor(
    readonly code: CliErrorCode,
    message: string,
    options: { problems?: readonly string[]; usage?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.problems = options.problems ?? [];
    this.usage = options.usage;
  }

  get exitCode(): 1 | 2 {
    return this.code === "usage" ? 2 : 1;
  }
}
