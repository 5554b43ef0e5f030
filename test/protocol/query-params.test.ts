import t from 'tap'
import { parseIntegerQuery, parseOptionalIntegerQuery } from '../../relay/protocol'

t.test('absent or empty values take the default', async (t) => {
  for (const raw of [undefined, null, '']) t.same(parseIntegerQuery(raw, 'limit', { default: 50 }), { ok: true, value: 50 })
  t.same(parseOptionalIntegerQuery(undefined, 'cursor'), { ok: true, value: undefined })
})

t.test('decimal integers are accepted, strictly', async (t) => {
  const rows: [string, number][] = [['0', 0], ['17', 17], ['-3', -3], [' 42 ', 42], ['007', 7], ['9007199254740991', 9007199254740991]]
  for (const [raw, value] of rows) t.same(parseIntegerQuery(raw, 'since', { default: 0 }), { ok: true, value }, raw)
})

t.test('anything else is a 422 validation_failed, never a crash', async (t) => {
  for (const raw of ['abc', '1.5', '1e3', '0x10', '+5', '5abc', '--1', 'NaN', 'Infinity', '9007199254740993', '١٢']) {
    const error = { field: 'limit', error: 'wrong_type', detail: 'expected integer, got string', value: raw }
    t.same(parseIntegerQuery(raw, 'limit', { default: 50 }), { ok: false, status: 422, error, response: { error: 'validation_failed', errors: [error] } }, raw)
  }
  const repeated = parseIntegerQuery(['1', '2'], 'limit', { default: 50 })
  t.same(repeated.ok ? null : repeated.error, { field: 'limit', error: 'wrong_type', detail: 'expected integer, got array', value: ['1', '2'] })
})

t.test('bounds: below min fails, above max fails or clamps', async (t) => {
  const below = parseIntegerQuery('-1', 'since', { default: 0, min: 0 })
  t.same(below.ok ? null : below.error, { field: 'since', error: 'invalid_value', detail: 'must be >= 0', value: -1 })
  const above = parseIntegerQuery('500', 'limit', { default: 50, min: 1, max: 200 })
  t.same(above.ok ? null : above.error, { field: 'limit', error: 'invalid_value', detail: 'must be <= 200', value: 500 })
  t.same(parseIntegerQuery('500', 'limit', { default: 50, min: 1, max: 200, clampToMax: true }), { ok: true, value: 200 })
  t.same(parseIntegerQuery('200', 'limit', { default: 50, max: 200 }), { ok: true, value: 200 })
  t.same(parseOptionalIntegerQuery('5', 'start_time', { min: 0 }), { ok: true, value: 5 })
})
