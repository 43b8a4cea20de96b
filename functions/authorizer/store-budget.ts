// The decision's deadline for DynamoDB: all store waits of one request together get STORE_BUDGET_MS; a
// store that has not answered by then is a fail-closed deny with an internal reason, never a hung request.
import { AuthError, type AuthReasonCode } from "../shared/errors";

/**
 * API Gateway waits for the authorizer until its Lambda times out (10 s, infra/functions.ts): 2 s of
 * store time leaves room for a cold start and the provider's fetches (3 s each, http.ts), and each call
 * gives up on its own well before (AUTHORIZER_CALL_DEADLINE in functions/shared/dynamo.ts).
 */
export const STORE_BUDGET_MS = 2000;

const NOT_YET: unique symbol = Symbol("not settled");
/** Settled already: a race against it is won by `work` only when `work` has settled before the race began. */
const NOT_SETTLED = Promise.resolve(NOT_YET);

export class StoreBudget {
  private leftMs: number;

  constructor(private readonly totalMs: number = STORE_BUDGET_MS) {
    this.leftMs = totalMs;
  }

  /**
   * The store work's result, or `code` once what is left of the budget has passed. The work itself is
   * bounded by the client's deadline and ends on its own; its late outcome is ignored.
   */
  async wait<T>(work: Promise<T>, code: AuthReasonCode): Promise<T> {
    // Work that has already settled (a fresh cached config) wins this race: no timer for it.
    const settled = await Promise.race([work, NOT_SETTLED]);
    if (settled !== NOT_YET) return settled as T;
    const startedMs = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AuthError(code, `the store did not answer within the decision's ${this.totalMs} ms budget`)),
        Math.max(0, this.leftMs),
      );
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
      this.leftMs -= performance.now() - startedMs;
    }
  }
}
