/**
 * Every request of a pull ends with the pull: it may run a little past the deadline (a
 * quarter of the budget at most, and 2 s at most), never long past it.
 */
export function requestTimeout(ctx: { startedAt: number; now: () => number }, deadline: number): number {
  const grace = Math.min(2_000, Math.max(50, (deadline - ctx.startedAt) / 4));
  return Math.round(Math.min(15_000, Math.max(50, deadline - ctx.now() + grace)));
}
