// Output of the end-to-end benchmarks: one JSON line per figure, and a short table at the end.
// (No tests here.)

export interface Figure {
  bench: string
  metric: string
  value: number
  unit: string
  [extra: string]: unknown
}

const printed: Figure[] = []

export function emit(figure: Figure): void {
  printed.push(figure)
  console.log(JSON.stringify(figure))
}

export function round(value: number): number {
  if (!Number.isFinite(value)) return value
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100
}

/** The q-quantile (0..1) of values, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/** A plain-text table of every figure emitted so far in this process. */
export function printTable(title = 'results'): void {
  const rows = printed.map((f) => [f.bench, f.metric, String(f.value), f.unit])
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['bench', 'metric', 'value', 'unit'][i]!.length))
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')
  console.log(`\n${title}`)
  console.log(line(['bench', 'metric', 'value', 'unit']))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) console.log(line(row))
}

/** A positive integer from the environment, or the default. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`)
  return value
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
