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
      const deadline: Deadline = {
        atMs: startedMs + Math.max(0, this.leftMs),
        expire: () =>
          reject(new AuthError(code, `the store did not answer within the decision's ${this.totalMs} ms budget`)),
      };
      DEADLINES.add(deadline);
      const settle = (): void => {
        DEADLINES.delete(deadline);
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

/** A wait's deadline (performance.now() time) and what passing it does. */
interface Deadline {
  readonly atMs: number;
  expire(): void;
}

/**
 * The deadlines of every wait in flight, behind one timer armed for the earliest of them. A wait that
 * ends in time only leaves the set: no timer is set and cleared for each request (0.2-0.7 µs in a loop of
 * its own, more in the call). The timer, when it fires, expires what is due and re-arms for what is left
 * (also after a frozen container thaws with it overdue); while nothing is left it does not keep the
 * process alive.
 */
class Deadlines {
  private readonly pending = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;
  private armedForMs = Number.POSITIVE_INFINITY;

  add(deadline: Deadline): void {
    this.pending.add(deadline);
    if (deadline.atMs < this.armedForMs) this.arm(deadline.atMs);
    else if (this.pending.size === 1) this.timer?.ref();
  }

  delete(deadline: Deadline): void {
    this.pending.delete(deadline);
    if (this.pending.size === 0) this.timer?.unref();
  }

  private arm(atMs: number): void {
    clearTimeout(this.timer);
    this.armedForMs = atMs;
    this.timer = setTimeout(() => this.fire(), Math.max(0, atMs - performance.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedForMs = Number.POSITIVE_INFINITY;
    const nowMs = performance.now();
    let nextMs = Number.POSITIVE_INFINITY;
    for (const deadline of this.pending) {
      if (deadline.atMs <= nowMs) {
        this.pending.delete(deadline);
        deadline.expire();
      } else if (deadline.atMs < nextMs) nextMs = deadline.atMs;
    }
    if (nextMs !== Number.POSITIVE_INFINITY) this.arm(nextMs);
  }
}

const DEADLINES = new Deadlines();
