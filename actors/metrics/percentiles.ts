// The statistics formulas of hardening.md §4.1.

/** Element at index floor(p·(n−1)) of the ascending `sorted` values; 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.floor(p * (sorted.length - 1))]
}

/** One decimal, as the original's `Float.round(x, 1)`. */
export function round1(x: number): number {
  return Math.round(x * 10) / 10
}

/** Integer mean (the original's `div`); 0 when empty. */
export function integerMean(values: readonly number[]): number {
  if (values.length === 0) return 0
  let sum = 0
  for (const v of values) sum += v
  return Math.floor(sum / values.length)
}

export interface WindowLatency {
  p50: number
  p90: number
  p99: number
  count: number
  min: number
  max: number
  mean: number
}

export function windowLatency(values: readonly number[]): WindowLatency {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    count: sorted.length,
    min: sorted.length > 0 ? sorted[0] : 0,
    max: sorted.length > 0 ? sorted[sorted.length - 1] : 0,
    mean: integerMean(sorted),
  }
}

/** `failure_rate_pct` = (failed + dead_letter) / total · 100, one decimal; 0.0 when no tasks. */
export function failureRatePct(completed: number, failed: number, deadLetter: number): number {
  const total = completed + failed + deadLetter
  return total === 0 ? 0 : round1(((failed + deadLetter) / total) * 100)
}
