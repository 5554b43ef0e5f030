// Flag parsers shared by the operator CLIs (commander argParsers: an InvalidArgumentError becomes
// commander's one-line "error: option ... argument ... is invalid. <reason>", exit 1).
import { InvalidArgumentError } from 'commander'

/** A flag combination that cannot work: printed as one `error: ...` line, exit 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** The sidecar config's agent_id rule (relay/sidecar/config.ts). */
export const AgentIdPattern = /^(?=.{1,128}$)[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Repeatable flags: `--capability a --capability b` → ['a', 'b']. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

export function parsePositiveSeconds(value: string): number {
  const n = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new InvalidArgumentError('a positive number of seconds')
  return n
}

export function parseNonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a non-negative integer')
  return Number(value)
}

export function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw new InvalidArgumentError('not valid JSON (a JSON object, e.g. \'{"key":"value"}\')')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('must be a JSON object')
  return parsed as Record<string, unknown>
}
