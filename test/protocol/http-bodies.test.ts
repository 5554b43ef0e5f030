import t from 'tap'
import { validateHttpBody, ALERT_THRESHOLD_DEFAULTS, LOG_LEVELS, type HttpBodyKey, type HttpValidation } from '../../relay/protocol'
import { HTTP_SPEC, LENGTH_LIMITS, validValue, wrongValues, type SpecEntry } from './wire-spec-table'

function body(spec: SpecEntry, withOptional: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [field, wire] of Object.entries(spec.required)) out[field] = validValue(wire, field)
  if (withOptional) for (const [field, wire] of Object.entries(spec.optional)) out[field] = validValue(wire, field)
  return out
}

function failure<K extends HttpBodyKey>(result: HttpValidation<K>) {
  if (result.ok) throw new Error(`expected a failure for ${result.key}`)
  return result
}

const validationFailed = (errors: unknown[]) => ({ error: 'validation_failed', errors })

for (const [key, spec] of Object.entries(HTTP_SPEC) as [HttpBodyKey, SpecEntry][]) {
  t.test(`${key}: valid bodies, unknown fields kept, null optional fields absent`, async (t) => {
    const minimal = body(spec, false)
    t.same(validateHttpBody(key, minimal), { ok: true, key, body: minimal, warnings: [] })
    const full = body(spec, true)
    t.same(validateHttpBody(key, full), { ok: true, key, body: full, warnings: [] })
    if (key !== 'put_alert_thresholds') {
      const extra = { ...full, from: 'ignored', protocol_version: 1 }
      t.same(validateHttpBody(key, extra), { ok: true, key, body: extra, warnings: [] })
    }
    const nulls: Record<string, unknown> = { ...minimal }
    for (const field of Object.keys(spec.optional)) nulls[field] = null
    t.same(validateHttpBody(key, nulls), { ok: true, key, body: minimal, warnings: [] })
  })

  for (const field of Object.keys(spec.required)) {
    t.test(`${key}: required ${field} missing or null → 422 validation_failed`, async (t) => {
      const missing = body(spec, false)
      delete missing[field]
      const expected = [{ field, error: 'required', detail: 'field is required' }]
      t.same(validateHttpBody(key, missing), { ok: false, key, status: 422, errors: expected, response: validationFailed(expected) })
      t.same(failure(validateHttpBody(key, { ...missing, [field]: null })).errors, expected)
    })
  }

  for (const [field, wire] of [...Object.entries(spec.required), ...Object.entries(spec.optional)]) {
    t.test(`${key}: ${field} of the wrong type`, async (t) => {
      for (const { value, expect } of wrongValues(wire, field)) {
        const result = failure(validateHttpBody(key, { ...body(spec, true), [field]: value }))
        // Values that are the wrong type but in range only exist for some bounded fields.
        t.same(result.errors, [expect], JSON.stringify(value))
        t.same(result.response, validationFailed([expect]))
      }
    })
    const limit = LENGTH_LIMITS[field]
    if (wire === 'string' && limit !== undefined) {
      t.test(`${key}: ${field} length limit ${limit}`, async (t) => {
        t.ok(validateHttpBody(key, { ...body(spec, false), [field]: 'x'.repeat(limit) }).ok)
        t.same(failure(validateHttpBody(key, { ...body(spec, false), [field]: 'x'.repeat(limit + 1) })).errors, [
          { field, error: 'too_long', detail: `exceeds maximum length of ${limit} characters`, value: 'x'.repeat(50) + '...' },
        ])
      })
    }
  }
}

t.test('a body that is not a JSON object fails with field "body"', async (t) => {
  for (const [value, got] of [[[], 'array'], [[{ payload: {} }], 'array'], ['x', 'string'], [3, 'integer'], [null, 'null'], [true, 'boolean']] as const) {
    const errors = [{ field: 'body', error: 'wrong_type', detail: `expected JSON object, got ${got}` }]
    t.same(validateHttpBody('post_message', value), { ok: false, key: 'post_message', status: 422, errors, response: validationFailed(errors) })
  }
})

t.test('an unknown schema key is a programming error', async (t) => {
  t.throws(() => validateHttpBody('post_nothing' as HttpBodyKey, {}), /unknown HTTP body schema 'post_nothing'/)
})

t.test('post_task: the v1.2 nested checks of smart-pipeline.md §2.2', async (t) => {
  const full = {
    description: 'Fix the flaky test',
    priority: 'urgent',
    repo: 'https://github.com/o/r',
    file_hints: [{ path: 'test/a_test.exs', reason: 'flaky' }, { path: 'lib/a.ex' }],
    verification_steps: [{ type: 'test_passes', target: 'mix test', description: 'suite' }],
    complexity_tier: 'standard',
    skip_verification: false,
    verification_timeout_ms: 120000,
    max_verification_retries: 0,
  }
  t.same(validateHttpBody('post_task', full), { ok: true, key: 'post_task', body: full, warnings: [] })
  for (const tier of ['trivial', 'standard', 'complex', 'unknown']) t.ok(validateHttpBody('post_task', { description: 'd', complexity_tier: tier }).ok, tier)
  const bad = failure(
    validateHttpBody('post_task', {
      description: 'd',
      complexity_tier: 'Complex',
      file_hints: [{ path: 'ok' }, { path: '' }, { reason: 'x' }, { path: 'a', reason: 5 }],
      verification_steps: [{ type: '', target: 'x' }, { type: 'a' }, { type: 'a', target: 'b' }, { type: 'a', target: 'b', description: 1 }],
    }),
  )
  const expected = [
    { field: 'file_hints[1].path', error: 'required', detail: "file hint must have a non-empty string 'path'" },
    { field: 'file_hints[2].path', error: 'required', detail: "file hint must have a non-empty string 'path'" },
    { field: 'file_hints[3].reason', error: 'wrong_type', detail: 'expected string, got integer' },
    { field: 'verification_steps[0].type', error: 'required', detail: "verification step must have a non-empty string 'type'" },
    { field: 'verification_steps[1].target', error: 'required', detail: "verification step must have a non-empty string 'target'" },
    { field: 'verification_steps[3].description', error: 'wrong_type', detail: 'expected string, got integer' },
    { field: 'complexity_tier', error: 'invalid_value', detail: 'must be one of: trivial, standard, complex, unknown', value: 'Complex' },
  ]
  t.same(bad.errors, expected)
  t.same(bad.response, validationFailed(expected))
  t.same(failure(validateHttpBody('post_task', { description: 'd', complexity_tier: 'x', priority: 3 })).errors, [
    { field: 'priority', error: 'wrong_type', detail: 'expected string, got integer', value: 3 },
  ], 'schema-stage errors come alone, like the original two-step check')
})

t.test('post_task: more than 10 verification steps is accepted with a warning', async (t) => {
  const steps = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'file_exists', target: `f${i}` }))
  t.same(validateHttpBody('post_task', { description: 'd', verification_steps: steps(10) }).ok && [], [])
  const result = validateHttpBody('post_task', { description: 'd', verification_steps: steps(11) })
  t.ok(result.ok)
  if (result.ok) {
    t.equal(result.warnings.length, 1)
    t.match(result.warnings[0], /11 verification steps/)
    t.match(result.warnings[0], /soft limit: 10/)
  }
  const ten = validateHttpBody('post_task', { description: 'd', verification_steps: steps(10) })
  t.same(ten.ok && ten.warnings, [])
})

t.test('onboarding and admin tokens reject an empty agent_id as required', async (t) => {
  for (const key of ['post_onboard_register', 'post_admin_token'] as const) {
    t.same(failure(validateHttpBody(key, { agent_id: '' })).errors, [{ field: 'agent_id', error: 'required', detail: 'field is required' }], key)
  }
})

t.test('push subscribe keeps the whole subscription and needs a URI endpoint', async (t) => {
  const subscription = { endpoint: 'https://fcm.googleapis.com/fcm/send/abc', expirationTime: null, keys: { p256dh: 'k', auth: 'a' } }
  t.same(validateHttpBody('post_push_subscribe', subscription), { ok: true, key: 'post_push_subscribe', body: subscription, warnings: [] })
  t.same(failure(validateHttpBody('post_push_subscribe', { endpoint: 'nope' })).errors, [
    { field: 'endpoint', error: 'invalid_value', detail: 'must be a valid uri', value: 'nope' },
  ])
})

t.test('llm registry: host non-empty, port 1..65535', async (t) => {
  t.ok(validateHttpBody('post_llm_registry', { host: 'gpu-box', port: 11434, name: 'gpu' }).ok)
  t.same(failure(validateHttpBody('post_llm_registry', { host: '' })).errors, [{ field: 'host', error: 'required', detail: 'field is required' }])
  t.same(failure(validateHttpBody('post_llm_registry', { host: 'h', port: 70000 })).errors, [
    { field: 'port', error: 'invalid_value', detail: 'must be <= 65535', value: 70000 },
  ])
  t.same(failure(validateHttpBody('post_llm_registry', { host: 'h', port: 0 })).errors, [{ field: 'port', error: 'invalid_value', detail: 'must be >= 1', value: 0 }])
})

t.test('alert thresholds: real validation instead of storing anything verbatim', async (t) => {
  t.same(validateHttpBody('put_alert_thresholds', ALERT_THRESHOLD_DEFAULTS).ok, true, 'the defaults themselves are valid')
  t.same(validateHttpBody('put_alert_thresholds', {}).ok, true, 'an empty update is valid')
  const bad = failure(
    validateHttpBody('put_alert_thresholds', {
      failure_rate_pct: 150,
      check_interval_ms: 10,
      error_count_hour: -1,
      stuck_task_ms: 0,
      cooldowns: { stuck_tasks: -5, typo_rule: 1 },
      queue_growing_check: 3,
    }),
  )
  t.same(bad.errors, [
    { field: 'check_interval_ms', error: 'invalid_value', detail: 'must be >= 1000', value: 10 },
    { field: 'cooldowns.stuck_tasks', error: 'invalid_value', detail: 'must be >= 0', value: -5 },
    { field: 'cooldowns.typo_rule', error: 'invalid_value', detail: 'unknown field', value: 1 },
    { field: 'error_count_hour', error: 'invalid_value', detail: 'must be >= 0', value: -1 },
    { field: 'failure_rate_pct', error: 'invalid_value', detail: 'must be <= 100', value: 150 },
    { field: 'stuck_task_ms', error: 'wrong_type', detail: 'expected positive integer, got 0', value: 0 },
    { field: 'queue_growing_check', error: 'invalid_value', detail: 'unknown field', value: 3 },
  ])
  t.equal(bad.response.error, 'validation_failed')
})

t.test('log level keeps the original 422 body', async (t) => {
  for (const level of LOG_LEVELS) t.same(validateHttpBody('put_log_level', { level }), { ok: true, key: 'put_log_level', body: { level }, warnings: [] })
  for (const wrong of [{ level: 'verbose' }, { level: 'INFO' }, {}, { level: 3 }, []]) {
    const result = failure(validateHttpBody('put_log_level', wrong))
    t.same(result.response, { error: 'invalid_level', valid: ['debug', 'info', 'notice', 'warning', 'error'] }, JSON.stringify(wrong))
    t.equal(result.status, 422)
    t.ok(result.errors.length > 0, 'the ErrorItems stay available for the log')
  }
})

t.test('rate-limit overrides keep the original 422 bodies', async (t) => {
  const good = { light: { capacity: 200, refill_rate_per_min: 200 }, heavy: { capacity: 5, refill_rate_per_min: 0 } }
  t.same(validateHttpBody('put_rate_limit_overrides', good), { ok: true, key: 'put_rate_limit_overrides', body: good, warnings: [] })
  const noTier = { error: 'invalid_overrides', detail: 'at least one tier (light, normal, heavy) must be specified' }
  for (const body of [{}, { other: 1 }, { light: null }, []]) {
    t.same(failure(validateHttpBody('put_rate_limit_overrides', body)).response, noTier, JSON.stringify(body))
  }
  const malformed = { error: 'invalid_overrides', detail: "each tier must have numeric 'capacity' and 'refill_rate_per_min'" }
  for (const body of [{ light: { capacity: '10', refill_rate_per_min: 1 } }, { normal: { capacity: 10 } }, { heavy: 5 }, { light: good.light, normal: [] }]) {
    t.same(failure(validateHttpBody('put_rate_limit_overrides', body)).response, malformed, JSON.stringify(body))
  }
  t.same(failure(validateHttpBody('put_rate_limit_overrides', { light: { capacity: 0, refill_rate_per_min: -1 } })).response, {
    error: 'invalid_overrides',
    detail: "'capacity' must be greater than 0 and 'refill_rate_per_min' at least 0",
  })
})

t.test('rate-limit whitelist bodies keep the original 422 bodies', async (t) => {
  t.same(validateHttpBody('put_rate_limit_whitelist', { agent_ids: ['a', 'b'] }).ok, true)
  t.same(validateHttpBody('put_rate_limit_whitelist', {}), { ok: true, key: 'put_rate_limit_whitelist', body: {}, warnings: [] }, 'missing means []')
  for (const body of [{ agent_ids: 'a' }, { agent_ids: ['a', 1] }, 'x']) {
    t.same(failure(validateHttpBody('put_rate_limit_whitelist', body)).response, { error: 'invalid_whitelist', detail: 'agent_ids must be a list of strings' })
  }
  t.same(validateHttpBody('post_rate_limit_whitelist', { agent_id: 'a' }).ok, true)
  for (const body of [{ agent_id: '' }, {}, { agent_id: 3 }, { agent_id: null }]) {
    t.same(failure(validateHttpBody('post_rate_limit_whitelist', body)).response, { error: 'invalid_agent_id', detail: 'agent_id must be a non-empty string' })
  }
})
