/** Medians and percentiles of measured samples. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
export const median = (xs: number[]): number => percentile(xs, 50);
export const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;
