// fast-check properties: the validators never throw on any JSON value and always answer with one
// of the documented shapes.
import t from 'tap'
import fc from 'fast-check'
import {
  ERROR_KINDS,
  HTTP_BODY_KEYS,
  HUB_FRAMES,
  WS_TYPES,
  parseFrame,
  validateHttpBody,
  validateHubFrame,
  validateWsFrame,
  type ErrorItem,
} from '../../relay/protocol'
import { HTTP_SPEC, WS_SPEC } from './wire-spec-table'

const KNOWN = [...WS_TYPES]
const HUB_TYPES = Object.keys(HUB_FRAMES).sort()

function checkItems(errors: ErrorItem[], known: string[] = KNOWN): void {
  if (!Array.isArray(errors) || errors.length === 0) throw new Error('a failure must carry at least one ErrorItem')
  const fields = new Set<string>()
  for (const item of errors) {
    // An unknown key may itself be "" (alert thresholds reject unknown keys by name).
    if (typeof item.field !== 'string' || (item.field.length === 0 && item.detail !== 'unknown field')) throw new Error(`bad field ${JSON.stringify(item)}`)
    if (!(ERROR_KINDS as readonly string[]).includes(item.error)) throw new Error(`bad error kind ${item.error}`)
    if (typeof item.detail !== 'string' || item.detail.length === 0) throw new Error('empty detail')
    const keys = Object.keys(item).sort()
    for (const key of keys) if (!['detail', 'error', 'field', 'known_types', 'value'].includes(key)) throw new Error(`extra key ${key}`)
    if ('known_types' in item && item.error !== 'unknown_message_type') throw new Error('known_types on another error')
    if (item.error === 'unknown_message_type' && JSON.stringify(item.known_types) !== JSON.stringify(known)) throw new Error('known_types not the sorted list')
    if (item.error === 'too_long') {
      const value = String(item.value)
      if (!value.endsWith('...') || Array.from(value).length !== 53) throw new Error(`too_long echo ${value}`)
    }
    if (item.error === 'required' && 'value' in item) throw new Error('required never echoes a value')
    if (fields.has(item.field)) throw new Error(`field reported twice: ${item.field}`)
    fields.add(item.field)
  }
}

const fieldNames = [...new Set([...Object.values(WS_SPEC), ...Object.values(HTTP_SPEC)].flatMap((s) => [...Object.keys(s.required), ...Object.keys(s.optional)]))]

/** Objects that look like frames: a known (or unknown) type and a mix of real and random field names. */
const frameLike = fc.record({
  type: fc.oneof(fc.constantFrom(...KNOWN), fc.string(), fc.jsonValue()),
  fields: fc.dictionary(fc.oneof(fc.constantFrom(...fieldNames), fc.string()), fc.oneof(fc.jsonValue(), fc.string({ minLength: 60, maxLength: 700 }))),
}).map(({ type, fields }) => ({ ...fields, type }))

const anyJson = fc.oneof(fc.jsonValue(), frameLike)

t.test('validateWsFrame never throws and answers with a documented shape', async (t) => {
  fc.assert(
    fc.property(anyJson, (value) => {
      const result = validateWsFrame(value)
      if (result.ok) {
        if (!KNOWN.includes(result.type)) throw new Error(`unknown ok type ${result.type}`)
        if (result.message.type !== result.type) throw new Error('message type differs')
        const again = validateWsFrame(result.message)
        if (!again.ok) throw new Error('a validated message must validate again')
        return
      }
      if (Object.keys(result).sort().join() !== 'errors,messageType,ok') throw new Error('bad failure keys')
      if (typeof result.messageType !== 'string') throw new Error('messageType must be a string')
      checkItems(result.errors)
    }),
    { numRuns: 3000 },
  )
  t.pass('3000 generated frames')
})

t.test('validateHttpBody never throws for any schema and any JSON body', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...HTTP_BODY_KEYS), fc.oneof(fc.jsonValue(), frameLike), (key, body) => {
      const result = validateHttpBody(key, body)
      if (result.ok) {
        if (!Array.isArray(result.warnings)) throw new Error('warnings must be an array')
        return
      }
      if (result.status !== 422) throw new Error('status must be 422')
      checkItems(result.errors)
      if (typeof result.response !== 'object' || typeof (result.response as { error?: unknown }).error !== 'string') throw new Error('response needs an error key')
    }),
    { numRuns: 2000 },
  )
  t.pass('2000 generated bodies')
})

t.test('validateHubFrame never throws', async (t) => {
  fc.assert(
    fc.property(anyJson, (value) => {
      const result = validateHubFrame(value)
      if (!result.ok) checkItems(result.errors, HUB_TYPES)
    }),
    { numRuns: 1000 },
  )
  t.pass('1000 generated frames')
})

t.test('parseFrame never throws; serialised JSON always parses back', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      const result = parseFrame(text)
      if (!result.ok && result.error !== 'invalid_json') throw new Error('unexpected error')
    }),
    { numRuns: 2000 },
  )
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const result = parseFrame(JSON.stringify(value))
      if (!result.ok) throw new Error('valid JSON rejected')
      if (JSON.stringify(result.value) !== JSON.stringify(value)) throw new Error('round trip changed the value')
    }),
    { numRuns: 1000 },
  )
  t.pass('parse properties hold')
})
