/**
 * What one pull may still spend: tickets, threads and response bytes (Desk's caps and
 * ours), and wall time. Plain values passed in, never globals; a share of a budget is
 * a budget too, so repositories can be given fair shares of one pull.
 */
export interface BudgetLimits {
  tickets: number;
  threads: number;
  bytes: number;
  /** Epoch ms after which no new work starts. */
  deadline: number;
}

export interface Cost {
  tickets: number;
  threads: number;
  bytes: number;
}

export class Budget {
  #tickets: number;
  #threads: number;
  #bytes: number;
  readonly deadline: number;
  /** Set when the budget refused something: the caller stopped with more to send. */
  exhausted = false;

  constructor(limits: BudgetLimits) {
    this.#tickets = limits.tickets;
    this.#threads = limits.threads;
    this.#bytes = limits.bytes;
    this.deadline = limits.deadline;
  }

  get remaining(): BudgetLimits {
    return { tickets: this.#tickets, threads: this.#threads, bytes: this.#bytes, deadline: this.deadline };
  }

  fits(cost: Cost): boolean {
    return cost.tickets <= this.#tickets && cost.threads <= this.#threads && cost.bytes <= this.#bytes;
  }

  /** Takes `cost` if it fits; otherwise marks the budget exhausted and takes nothing. */
  take(cost: Cost): boolean {
    if (!this.fits(cost)) {
      this.exhausted = true;
      return false;
    }
    this.#tickets -= cost.tickets;
    this.#threads -= cost.threads;
    this.#bytes -= cost.bytes;
    return true;
  }

  timeLeft(now: number): number {
    return this.deadline - now;
  }

  /** A sub-budget of 1/n of what is left, ending no later than `deadline`. */
  share(n: number, deadline: number): Budget {
    const part = (v: number) => Math.floor(v / Math.max(1, n));
    return new Budget({ tickets: part(this.#tickets), threads: part(this.#threads), bytes: part(this.#bytes), deadline: Math.min(deadline, this.deadline) });
  }
}
