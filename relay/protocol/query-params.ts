// Strict integer query parameters. The original crashed (500) on `?limit=abc`; here a bad value is
// a 422 validation_failed with the usual ErrorItem, and an absent or empty one takes the default.
import type { ErrorItem } from './error-items'
import { validationFailedBody, type ValidationFailedBody } from './http-errors'

export type RawQueryValue = string | readonly string[] | undefined | null

export type QueryIntResult<V> = { ok: true; value: V } | { ok: false; status: 422; error: ErrorItem; response: ValidationFailedBody }

export interface IntegerQueryBounds {
  min?: number
  max?: number
  /** above `max`: use `max` instead of failing (e.g. history `limit`, capped at 200) */
  clampToMax?: boolean
}

const DECIMAL_INTEGER = /^-?\d+$/

function fail<V>(error: ErrorItem): QueryIntResult<V> {
  return { ok: false, status: 422, error, response: validationFailedBody([error]) }
}

function parse(raw: RawQueryValue, field: string, bounds: IntegerQueryBounds): QueryIntResult<number | undefined> {
  if (raw === undefined || raw === null || raw === '') return { ok: true, value: undefined }
  if (typeof raw !== 'string') return fail({ field, error: 'wrong_type', detail: 'expected integer, got array', value: [...raw] })
  const text = raw.trim()
  const value = DECIMAL_INTEGER.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(value)) return fail({ field, error: 'wrong_type', detail: 'expected integer, got string', value: raw })
  if (bounds.min !== undefined && value < bounds.min) return fail({ field, error: 'invalid_value', detail: `must be >= ${bounds.min}`, value })
  if (bounds.max !== undefined && value > bounds.max) {
    if (bounds.clampToMax) return { ok: true, value: bounds.max }
    return fail({ field, error: 'invalid_value', detail: `must be <= ${bounds.max}`, value })
  }
  return { ok: true, value }
}

/** An integer query parameter with a default (absent or empty → default). */
export function parseIntegerQuery(raw: RawQueryValue, field: string, options: IntegerQueryBounds & { default: number }): QueryIntResult<number> {
  const result = parse(raw, field, options)
  if (!result.ok) return result
  return { ok: true, value: result.value ?? options.default }
}

/** An integer query parameter without a default (absent or empty → undefined). */
export function parseOptionalIntegerQuery(raw: RawQueryValue, field: string, options: IntegerQueryBounds = {}): QueryIntResult<number | undefined> {
  return parse(raw, field, options)
}
