import t from 'tap'
import { validateWsFrame, messageTypeOf, WS_TYPES, parseFrame, type WsValidation } from '../../relay/protocol'
import { LENGTH_LIMITS, WS_SPEC, validValue, wrongValues, type SpecEntry } from './wire-spec-table'

function minimalFrame(type: string, spec: SpecEntry): Record<string, unknown> {
  const frame: Record<string, unknown> = { type }
  for (const [field, wire] of Object.entries(spec.required)) if (field !== 'type') frame[field] = validValue(wire, field)
  return frame
}

function fullFrame(type: string, spec: SpecEntry): Record<string, unknown> {
  const frame = minimalFrame(type, spec)
  for (const [field, wire] of Object.entries(spec.optional)) frame[field] = validValue(wire, field)
  return frame
}

function errorsOf(result: WsValidation) {
  if (result.ok) throw new Error(`expected a validation failure, got ok for ${result.type}`)
  return result.errors
}

const KNOWN_TYPES = Object.keys(WS_SPEC).sort()

t.test('known_types is the sorted list of all 18 accepted types, task_rejected included', async (t) => {
  t.same([...WS_TYPES], KNOWN_TYPES)
  t.equal(WS_TYPES.length, 18)
  t.ok(WS_TYPES.includes('task_rejected'))
})

for (const [type, spec] of Object.entries(WS_SPEC)) {
  t.test(`${type}: valid frames`, async (t) => {
    const minimal = minimalFrame(type, spec)
    t.same(validateWsFrame(minimal), { ok: true, type, message: minimal }, 'required fields only')
    const full = fullFrame(type, spec)
    t.same(validateWsFrame(full), { ok: true, type, message: full }, 'every optional field')
    const withExtras = { ...full, protocol_version: 1, client_type: 'sidecar', agent_id_extra: null, nested: { deep: [1] } }
    const extras = validateWsFrame(withExtras)
    t.same(extras, { ok: true, type, message: withExtras }, 'unknown fields pass through untouched, even null ones')
  })

  t.test(`${type}: null optional fields count as absent`, async (t) => {
    const frame = minimalFrame(type, spec)
    const withNulls: Record<string, unknown> = { ...frame, unknown_null: null }
    for (const field of Object.keys(spec.optional)) withNulls[field] = null
    const result = validateWsFrame(withNulls)
    t.same(result, { ok: true, type, message: { ...frame, unknown_null: null } })
    if (result.ok) for (const field of Object.keys(spec.optional)) t.notOk(field in result.message, `${field} removed`)
    t.same(withNulls[Object.keys(spec.optional)[0] ?? 'unknown_null'], null, 'the input object is not modified')
  })

  for (const field of Object.keys(spec.required)) {
    if (field === 'type') continue
    t.test(`${type}: required ${field} missing or null`, async (t) => {
      const frame = minimalFrame(type, spec)
      delete frame[field]
      t.same(validateWsFrame(frame), { ok: false, messageType: type, errors: [{ field, error: 'required', detail: 'field is required' }] })
      t.same(errorsOf(validateWsFrame({ ...frame, [field]: null })), [{ field, error: 'required', detail: 'field is required' }])
    })
  }

  for (const [field, wire] of [...Object.entries(spec.required), ...Object.entries(spec.optional)]) {
    if (field === 'type') continue
    t.test(`${type}: ${field} of the wrong type`, async (t) => {
      for (const { value, expect } of wrongValues(wire, field)) {
        const frame = { ...fullFrame(type, spec), [field]: value }
        t.same(errorsOf(validateWsFrame(frame)), [expect], `${JSON.stringify(value)}`)
      }
    })
  }

  for (const [field, wire] of [...Object.entries(spec.required), ...Object.entries(spec.optional)]) {
    const limit = LENGTH_LIMITS[field]
    if (wire !== 'string' || limit === undefined) continue
    t.test(`${type}: ${field} length limit ${limit}`, async (t) => {
      const atLimit = { ...minimalFrame(type, spec), [field]: 'a'.repeat(limit) }
      t.ok(validateWsFrame(atLimit).ok, 'exactly at the limit is fine')
      // Characters, not UTF-16 units: `limit` emoji are still within the limit.
      t.ok(validateWsFrame({ ...atLimit, [field]: '😀'.repeat(limit) }).ok, 'astral characters count once')
      const over = 'é' + 'b'.repeat(limit)
      t.same(errorsOf(validateWsFrame({ ...atLimit, [field]: over })), [
        { field, error: 'too_long', detail: `exceeds maximum length of ${limit} characters`, value: 'é' + 'b'.repeat(49) + '...' },
      ])
    })
  }
}

t.test('the frame-level rules of protocol.md §1.3', async (t) => {
  for (const notObject of [[], [1, 2], 'identify', 42, 1.5, true, false, null]) {
    t.same(
      validateWsFrame(notObject),
      { ok: false, messageType: 'unknown', errors: [{ field: 'message', error: 'wrong_type', detail: 'expected JSON object' }] },
      `${JSON.stringify(notObject)} is not an object`,
    )
  }
  t.same(validateWsFrame({}), { ok: false, messageType: 'unknown', errors: [{ field: 'type', error: 'required', detail: 'field is required' }] })
  t.same(validateWsFrame({ agent_id: 'a', token: 'b' }).ok, false)
  t.same(validateWsFrame({ type: 5 }), {
    ok: false,
    messageType: 'unknown',
    errors: [{ field: 'type', error: 'wrong_type', detail: 'expected string, got integer', value: 5 }],
  })
  t.same(errorsOf(validateWsFrame({ type: null })), [{ field: 'type', error: 'wrong_type', detail: 'expected string, got null', value: null }])
  t.same(errorsOf(validateWsFrame({ type: ['ping'] })), [{ field: 'type', error: 'wrong_type', detail: 'expected string, got array', value: ['ping'] }])
})

t.test('an unknown type lists known_types; prototype names are not types', async (t) => {
  for (const type of ['nope', '', 'PING', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'identified', 'task_assign']) {
    t.same(
      validateWsFrame({ type }),
      {
        ok: false,
        messageType: type,
        errors: [{ field: 'type', error: 'unknown_message_type', detail: `unknown message type '${type}'`, known_types: KNOWN_TYPES }],
      },
      `type ${JSON.stringify(type)}`,
    )
  }
  const parsed = parseFrame('{"__proto__": {"type": "ping"}}')
  t.ok(parsed.ok)
  if (parsed.ok) t.same(errorsOf(validateWsFrame(parsed.value)), [{ field: 'type', error: 'required', detail: 'field is required' }])
})

t.test('every error of a frame is reported, required fields (by name) before optional ones', async (t) => {
  const frame = { type: 'identify', token: 5, capabilities: 'x', status: 9, ollama_url: 'u'.repeat(600), name: [] }
  t.same(errorsOf(validateWsFrame(frame)), [
    { field: 'agent_id', error: 'required', detail: 'field is required' },
    { field: 'token', error: 'wrong_type', detail: 'expected string, got integer', value: 5 },
    { field: 'capabilities', error: 'wrong_type', detail: 'expected array, got string', value: 'x' },
    { field: 'name', error: 'wrong_type', detail: 'expected string, got array', value: [] },
    { field: 'ollama_url', error: 'too_long', detail: 'exceeds maximum length of 512 characters', value: 'u'.repeat(50) + '...' },
    { field: 'status', error: 'wrong_type', detail: 'expected string, got integer', value: 9 },
  ])
  t.same(errorsOf(validateWsFrame({ type: 'task_complete', verification_history: [{}, 1, 'x'], result: 1 })), [
    { field: 'generation', error: 'required', detail: 'field is required' },
    { field: 'task_id', error: 'required', detail: 'field is required' },
    { field: 'result', error: 'wrong_type', detail: 'expected object, got integer', value: 1 },
    { field: 'verification_history[1]', error: 'wrong_type', detail: 'expected object, got integer', value: 1 },
  ])
})

t.test('integers: 1.0 parses as an integer in JS (accepted), 1.5 does not', async (t) => {
  const parsed = parseFrame('{"type":"task_complete","task_id":"t","generation":1.0}')
  t.ok(parsed.ok && validateWsFrame(parsed.value).ok)
  t.same(errorsOf(validateWsFrame({ type: 'task_failed', task_id: 't', generation: 2.5 })), [
    { field: 'generation', error: 'wrong_type', detail: 'expected integer, got float', value: 2.5 },
  ])
})

t.test('what the real v1.2 sidecar sends is accepted (protocol.md §1.8)', async (t) => {
  const frames = [
    { type: 'identify', agent_id: 'gpu-1', token: 'f'.repeat(64), name: 'gpu-1', status: 'idle', capabilities: ['code'], client_type: 'sidecar', ollama_url: 'http://localhost:11434', protocol_version: 1 },
    { type: 'ping', protocol_version: 1 },
    { type: 'task_accepted', task_id: 'task-0123456789abcdef', protocol_version: 1 },
    { type: 'task_progress', task_id: 'task-0123456789abcdef', execution_event: { event_type: 'token', text: 'hi', tokens_so_far: 3, model: 'llama3', timestamp: 1 }, protocol_version: 1 },
    { type: 'task_complete', task_id: 'task-0123456789abcdef', generation: 0, result: { status: 'success', tokens_used: 10 }, verification_report: null, verification_history: null, protocol_version: 1 },
    { type: 'task_failed', task_id: 'task-0123456789abcdef', reason: 'boom', generation: 3, protocol_version: 1 },
    { type: 'task_rejected', task_id: 'task-0123456789abcdef', reason: 'busy', protocol_version: 1 },
    { type: 'task_recovering', task_id: 'task-0123456789abcdef', description: 'd', metadata: {}, last_status: 'working', protocol_version: 1 },
    { type: 'resource_report', agent_id: 'gpu-1', cpu_percent: 12.5, ram_used_bytes: 1e9, ram_total_bytes: 1.6e10, vram_used_bytes: null, vram_total_bytes: null, timestamp: 1700000000000, protocol_version: 1 },
  ]
  for (const frame of frames) {
    const result = validateWsFrame(frame)
    t.ok(result.ok, `${frame.type} accepted`)
  }
  const complete = validateWsFrame(frames[4])
  t.ok(complete.ok && complete.message.type === 'task_complete' && !('verification_report' in complete.message), 'null report removed')
})

t.test('messageTypeOf names the type for validation_failed frames', async (t) => {
  t.equal(messageTypeOf({ type: 'ping' }), 'ping')
  t.equal(messageTypeOf({ type: 'nope' }), 'nope')
  t.equal(messageTypeOf({ type: 3 }), 'unknown')
  t.equal(messageTypeOf([]), 'unknown')
  t.equal(messageTypeOf(null), 'unknown')
})

t.test('parseFrame: invalid JSON vs any JSON value', async (t) => {
  for (const bad of ['', '{', '{"type":', 'ping', "{'a':1}", '{"a":1}}', '\u0000', 'undefined', 'NaN']) {
    t.same(parseFrame(bad), { ok: false, error: 'invalid_json', reply: { type: 'error', error: 'invalid_json' } }, JSON.stringify(bad))
  }
  t.same(parseFrame('{"type":"ping"}'), { ok: true, value: { type: 'ping' } })
  t.same(parseFrame('[1]'), { ok: true, value: [1] })
  t.same(parseFrame(' 42 '), { ok: true, value: 42 })
  t.same(parseFrame('null'), { ok: true, value: null })
  const deep = '['.repeat(100_000) + ']'.repeat(100_000)
  const result = parseFrame(deep)
  t.ok(result.ok || result.error === 'invalid_json', 'deep nesting never throws')
})
