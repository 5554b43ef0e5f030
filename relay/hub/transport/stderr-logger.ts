// Default logger: one JSON object per line on stderr. Callers pass winston in production.
import type { TransportLogger } from './types'

function write(level: string, message: string, meta?: Record<string, unknown>): void {
  const line = { level, msg: message, time: new Date().toISOString(), ...describeErrors(meta) }
  process.stderr.write(JSON.stringify(line) + '\n')
}

function describeErrors(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta) return {}
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(meta)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value
  }
  return out
}

export const stderrLogger: TransportLogger = {
  error: (message, meta) => write('error', message, meta),
  warn: (message, meta) => write('warn', message, meta),
}
