// Table tests of the ajv → ErrorItem translation, on small schemas built for each rule.
import t from 'tap'
import { Type, type TObject } from '@sinclair/typebox'
import { compileSchema } from '../../relay/protocol/compiler'
import {
  ErrorItemSchema,
  jsonObject,
  jsonTypeName,
  namedString,
  nullable,
  positiveInteger,
  stringEnum,
  translateAjvErrors,
  truncatedEcho,
  type ErrorItem,
} from '../../relay/protocol'

function check(schema: TObject, data: unknown, rootField = 'message'): ErrorItem[] {
  const validate = compileSchema(schema)
  if (validate(data)) return []
  return translateAjvErrors(validate.errors ?? [], schema, data, rootField)
}

const itemValidator = compileSchema(ErrorItemSchema)

t.test('jsonTypeName uses the original names', async (t) => {
  const table: [unknown, string][] = [
    ['s', 'string'],
    [3, 'integer'],
    [-0, 'integer'],
    [3.25, 'float'],
    [true, 'boolean'],
    [{}, 'object'],
    [[], 'array'],
    [null, 'null'],
    [undefined, 'unknown'],
  ]
  for (const [value, name] of table) t.equal(jsonTypeName(value), name, String(value))
})

t.test('truncatedEcho keeps 50 characters (code points) and appends ...', async (t) => {
  t.equal(truncatedEcho('x'.repeat(60)), 'x'.repeat(50) + '...')
  t.equal(truncatedEcho('😀'.repeat(60)), '😀'.repeat(50) + '...')
  t.equal(Array.from(truncatedEcho('😀'.repeat(60))).length, 53)
})

const Flat = Type.Object({
  a_req: Type.String(),
  z_req: Type.Integer(),
  agent_id: Type.Optional(namedString('agent_id')),
  b_opt: Type.Optional(Type.Boolean()),
  count: Type.Optional(positiveInteger()),
  list: Type.Optional(Type.Array(Type.String())),
  objs: Type.Optional(Type.Array(jsonObject())),
  n: Type.Optional(Type.Number()),
})

t.test('translation table for flat schemas', async (t) => {
  const rows: [string, unknown, ErrorItem[]][] = [
    ['all fine', { a_req: 'x', z_req: 1 }, []],
    ['required missing, sorted by name', {}, [
      { field: 'a_req', error: 'required', detail: 'field is required' },
      { field: 'z_req', error: 'required', detail: 'field is required' },
    ]],
    ['required before optional even when alphabetically later', { a_req: 'x', b_opt: 'no' }, [
      { field: 'z_req', error: 'required', detail: 'field is required' },
      { field: 'b_opt', error: 'wrong_type', detail: 'expected boolean, got string', value: 'no' },
    ]],
    ['positive integer zero', { a_req: 'x', z_req: 1, count: 0 }, [{ field: 'count', error: 'wrong_type', detail: 'expected positive integer, got 0', value: 0 }]],
    ['positive integer float', { a_req: 'x', z_req: 1, count: 0.5 }, [{ field: 'count', error: 'wrong_type', detail: 'expected positive integer, got float', value: 0.5 }]],
    ['positive integer string', { a_req: 'x', z_req: 1, count: '3' }, [{ field: 'count', error: 'wrong_type', detail: 'expected positive integer, got string', value: '3' }]],
    ['only the first bad list element', { a_req: 'x', z_req: 1, list: ['a', 1, 'b', 2, null] }, [
      { field: 'list[1]', error: 'wrong_type', detail: 'expected string, got integer', value: 1 },
    ]],
    ['list element null', { a_req: 'x', z_req: 1, list: [null] }, [{ field: 'list[0]', error: 'wrong_type', detail: 'expected string, got null', value: null }]],
    ['list of objects with an array element', { a_req: 'x', z_req: 1, objs: [{}, [], 'x'] }, [
      { field: 'objs[1]', error: 'wrong_type', detail: 'expected object, got array', value: [] },
    ]],
    ['too long agent_id', { a_req: 'x', z_req: 1, agent_id: 'q'.repeat(129) }, [
      { field: 'agent_id', error: 'too_long', detail: 'exceeds maximum length of 128 characters', value: 'q'.repeat(50) + '...' },
    ]],
    ['number accepts integers and floats', { a_req: 'x', z_req: 1, n: 3 }, []],
    ['number rejects strings', { a_req: 'x', z_req: 1, n: '3' }, [{ field: 'n', error: 'wrong_type', detail: 'expected number, got string', value: '3' }]],
    ['integer rejects a float', { a_req: 'x', z_req: 1.25 }, [{ field: 'z_req', error: 'wrong_type', detail: 'expected integer, got float', value: 1.25 }]],
    ['root not an object', [1], [{ field: 'message', error: 'wrong_type', detail: 'expected JSON object, got array' }]],
  ]
  for (const [name, data, expected] of rows) {
    const items = check(Flat, data)
    t.same(items, expected, name)
    for (const item of items) t.ok(itemValidator(item), `${name}: item matches ErrorItemSchema`)
  }
})

t.test('the root field name is configurable (HTTP uses "body")', async (t) => {
  t.same(check(Flat, 'x', 'body'), [{ field: 'body', error: 'wrong_type', detail: 'expected JSON object, got string' }])
})

const WithValues = Type.Object(
  {
    tier: Type.Optional(stringEnum(['a', 'b'] as const)),
    pct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    url: Type.Optional(Type.String({ format: 'uri' })),
    id: Type.Optional(Type.String({ minLength: 1 })),
    code: Type.Optional(Type.String({ minLength: 3 })),
    nested: Type.Optional(Type.Object({ x: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
)

t.test('value checks become invalid_value; an empty string where one is needed is required', async (t) => {
  const rows: [string, unknown, ErrorItem[]][] = [
    ['enum', { tier: 'c' }, [{ field: 'tier', error: 'invalid_value', detail: 'must be one of: a, b', value: 'c' }]],
    ['enum with wrong type reports the type only', { tier: 5 }, [{ field: 'tier', error: 'wrong_type', detail: 'expected string, got integer', value: 5 }]],
    ['maximum', { pct: 101 }, [{ field: 'pct', error: 'invalid_value', detail: 'must be <= 100', value: 101 }]],
    ['minimum', { pct: -1 }, [{ field: 'pct', error: 'invalid_value', detail: 'must be >= 0', value: -1 }]],
    ['format', { url: 'not a uri' }, [{ field: 'url', error: 'invalid_value', detail: 'must be a valid uri', value: 'not a uri' }]],
    ['empty string', { id: '' }, [{ field: 'id', error: 'required', detail: 'field is required' }]],
    ['too short but not empty', { code: 'ab' }, [{ field: 'code', error: 'invalid_value', detail: 'must be at least 3 characters', value: 'ab' }]],
    ['unknown key', { zzz: 1 }, [{ field: 'zzz', error: 'invalid_value', detail: 'unknown field', value: 1 }]],
    ['nested path is dotted', { nested: { x: -2, y: 0 } }, [
      { field: 'nested.x', error: 'invalid_value', detail: 'must be >= 0', value: -2 },
      { field: 'nested.y', error: 'invalid_value', detail: 'unknown field', value: 0 },
    ]],
    ['enum is second stage: hidden while a first-stage error exists', { tier: 'c', pct: 'x' }, [
      { field: 'pct', error: 'wrong_type', detail: 'expected number, got string', value: 'x' },
    ]],
  ]
  for (const [name, data, expected] of rows) t.same(check(WithValues, data), expected, name)
})

const Hint = Type.Object({ path: Type.String({ minLength: 1 }), reason: Type.Optional(Type.String()) }, { title: 'file hint' })
const Step = Type.Object(
  { type: Type.String({ minLength: 1 }), target: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()) },
  { title: 'verification step' },
)
const Nested = Type.Object({
  title: Type.String(),
  file_hints: Type.Optional(Type.Array(Hint)),
  verification_steps: Type.Optional(Type.Array(Step)),
  complexity_tier: Type.Optional(stringEnum(['trivial', 'standard', 'complex', 'unknown'] as const)),
})

t.test('nested list-item checks: one item per bad element, in order, only when stage one is clean', async (t) => {
  const rows: [string, unknown, ErrorItem[]][] = [
    ['path missing, empty, wrong type', { title: 't', file_hints: [{}, { path: '' }, { path: 3 }, { path: 'ok' }] }, [
      { field: 'file_hints[0].path', error: 'required', detail: "file hint must have a non-empty string 'path'" },
      { field: 'file_hints[1].path', error: 'required', detail: "file hint must have a non-empty string 'path'" },
      { field: 'file_hints[2].path', error: 'required', detail: "file hint must have a non-empty string 'path'" },
    ]],
    ['reason only checked when path is fine', { title: 't', file_hints: [{ reason: 1 }, { path: 'a', reason: 1 }, { path: 'a', reason: null }] }, [
      { field: 'file_hints[0].path', error: 'required', detail: "file hint must have a non-empty string 'path'" },
      { field: 'file_hints[1].reason', error: 'wrong_type', detail: 'expected string, got integer' },
      { field: 'file_hints[2].reason', error: 'wrong_type', detail: 'expected string, got null' },
    ]],
    ['verification steps: type, then target, then description', { title: 't', verification_steps: [{ target: 'x' }, { type: 'a' }, { type: 'a', target: '' }, { type: 'a', target: 'b', description: [] }] }, [
      { field: 'verification_steps[0].type', error: 'required', detail: "verification step must have a non-empty string 'type'" },
      { field: 'verification_steps[1].target', error: 'required', detail: "verification step must have a non-empty string 'target'" },
      { field: 'verification_steps[2].target', error: 'required', detail: "verification step must have a non-empty string 'target'" },
      { field: 'verification_steps[3].description', error: 'wrong_type', detail: 'expected string, got array' },
    ]],
    ['hints, then steps, then the tier', { title: 't', complexity_tier: 'huge', verification_steps: [{}], file_hints: [{}] }, [
      { field: 'file_hints[0].path', error: 'required', detail: "file hint must have a non-empty string 'path'" },
      { field: 'verification_steps[0].type', error: 'required', detail: "verification step must have a non-empty string 'type'" },
      { field: 'complexity_tier', error: 'invalid_value', detail: 'must be one of: trivial, standard, complex, unknown', value: 'huge' },
    ]],
    ['a non-object element is a first-stage error and hides the nested ones', { title: 't', file_hints: [{}, 'x', 5] }, [
      { field: 'file_hints[1]', error: 'wrong_type', detail: 'expected object, got string', value: 'x' },
    ]],
    ['a missing top-level field hides the nested ones', { file_hints: [{}] }, [{ field: 'title', error: 'required', detail: 'field is required' }]],
  ]
  for (const [name, data, expected] of rows) t.same(check(Nested, data), expected, name)
})

const WithUnion = Type.Object({
  decision: nullable(Type.Object({ tier: Type.String(), used: Type.Boolean() })),
  maybe: Type.Optional(nullable(Type.Integer())),
})

t.test('nullable unions report the branch that matches the value', async (t) => {
  t.same(check(WithUnion, { decision: null }), [])
  t.same(check(WithUnion, { decision: { tier: 't', used: false }, maybe: null }), [])
  t.same(check(WithUnion, { decision: { tier: 1 } }), [
    { field: 'decision.tier', error: 'wrong_type', detail: 'expected string, got integer', value: 1 },
    { field: 'decision.used', error: 'required', detail: 'field is required' },
  ])
  const Ranked = Type.Object({ inner: Type.Object({ z: Type.String(), a: Type.Optional(Type.String()) }) })
  t.same(
    check(Ranked, { inner: { a: 1 } }).map((e) => e.field),
    ['inner.z', 'inner.a'],
    'required before optional inside nested objects too',
  )
  t.same(check(WithUnion, { decision: 'x' }), [{ field: 'decision', error: 'wrong_type', detail: 'expected object, got string', value: 'x' }])
  t.same(check(WithUnion, { decision: null, maybe: 1.5 }), [{ field: 'maybe', error: 'wrong_type', detail: 'expected integer, got float', value: 1.5 }])
})
