// The decision's deadline for DynamoDB: all store waits of one request together get STORE_BUDGET_MS; a
// store that has not answered by then is a fail-closed deny with an internal reason, never a hung request.
import { AuthError, type AuthReasonCode } from "../shared/errors";

/**
 * API Gateway waits for the authorizer until its Lambda times out (10 s, infra/functions.ts): 2 s of
 * store time leaves room for a cold start and the provider's fetches (3 s each, http.ts), and each call
 * gives up on its own well before (AUTHORIZER_CALL_DEADLINE in functions/shared/dynamo.ts).
 */
export const STORE_BUDGET_MS = 2000;

export class StoreBudget {
  private leftMs: number;

  constructor(private readonly totalMs: number = STORE_BUDGET_MS) {
    this.leftMs = totalMs;
  }

  /**
   * The store work's result, or `code` once what is left of the budget has passed. The work itself is
   * bounded by the client's deadline and ends on its own; its late outcome is ignored.
   */
  wait<T>(work: Promise<T>, code: AuthReasonCode): Promise<T> {
    const startedMs = performance.now();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new AuthError(code, `the store did not answer within the decision's ${this.totalMs} ms budget`)),
        Math.max(0, this.leftMs),
      );
      const settle = (): void => {
        clearTimeout(timer);
        this.leftMs -= performance.now() - startedMs;
      };
      work.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }
}
