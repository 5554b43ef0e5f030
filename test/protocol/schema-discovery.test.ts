import t from 'tap'
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import { openApiComponents, schemasDiscovery, taskAssignFrame, validateWsFrame, validationFailedBody } from '../../relay/protocol'
import { HTTP_SPEC, WS_SPEC, validValue, type SpecEntry, type Wire } from './wire-spec-table'

const fieldsOf = (fields: Record<string, Wire>) =>
  Object.keys(fields)
    .sort()
    .map((name) => ({ name, type: fields[name] }))

t.test('GET /api/schemas has the documented envelope', async (t) => {
  const out = schemasDiscovery()
  t.same(Object.keys(out).sort(), ['schemas', 'version'])
  t.equal(out.version, '1.0')
  t.same(Object.keys(out.schemas).sort(), ['http', 'version', 'websocket'])
  t.equal(out.schemas.version, '1.0')
  t.same(JSON.parse(JSON.stringify(out)), out, 'plain JSON')
})

t.test('websocket entries match the spec table, sorted by type and field name', async (t) => {
  const { websocket } = schemasDiscovery().schemas
  t.same(websocket.map((e) => e.type), Object.keys(WS_SPEC).sort())
  for (const entry of websocket) {
    const spec = WS_SPEC[entry.type] as SpecEntry
    t.same(Object.keys(entry).sort(), ['description', 'optional_fields', 'required_fields', 'type'])
    t.same(entry.required_fields, fieldsOf(spec.required), `${entry.type} required`)
    t.same(entry.optional_fields, fieldsOf(spec.optional), `${entry.type} optional`)
    t.ok(entry.description.length > 0)
  }
  t.equal(websocket.find((e) => e.type === 'identify')?.description, 'First message on WebSocket connection. Authenticates the agent.')
})

t.test('http entries match the spec table', async (t) => {
  const { http } = schemasDiscovery().schemas
  t.same(http.map((e) => e.key), Object.keys(HTTP_SPEC).sort())
  for (const entry of http) {
    const spec = HTTP_SPEC[entry.key] as SpecEntry
    t.same(Object.keys(entry).sort(), ['description', 'key', 'optional_fields', 'required_fields'])
    t.same(entry.required_fields, fieldsOf(spec.required), `${entry.key} required`)
    t.same(entry.optional_fields, fieldsOf(spec.optional), `${entry.key} optional`)
  }
  t.equal(http.find((e) => e.key === 'post_task')?.description, 'Submit a task to the queue.')
})

t.test('type names are only the documented ones', async (t) => {
  const { websocket, http } = schemasDiscovery().schemas
  const names = new Set([...websocket, ...http].flatMap((e) => [...e.required_fields, ...e.optional_fields].map((f) => f.type)))
  for (const name of names) t.match(name, /^(string|integer|number|positive_integer|object|boolean|any|array<(string|integer|number|object|boolean|any)>)$/)
  t.ok(names.has('positive_integer'))
  t.ok(names.has('array<string>'))
  t.ok(names.has('array<object>'))
  t.ok(names.has('boolean'))
  t.ok(names.has('number'))
})

t.test('discovery and the validator come from the same schemas', async (t) => {
  for (const entry of schemasDiscovery().schemas.websocket) {
    const frame: Record<string, unknown> = {}
    for (const f of entry.required_fields) frame[f.name] = f.name === 'type' ? entry.type : validValue(f.type as Wire, f.name)
    t.ok(validateWsFrame(frame).ok, `${entry.type}: the discovered required fields suffice`)
    for (const f of entry.required_fields.filter((f) => f.name !== 'type')) {
      const without = { ...frame }
      delete without[f.name]
      const result = validateWsFrame(without)
      t.same(result.ok ? [] : result.errors.map((e) => [e.field, e.error]), [[f.name, 'required']])
    }
  }
})

t.test('OpenAPI components are plain JSON Schemas that a fresh ajv compiles and applies', async (t) => {
  const { schemas } = openApiComponents()
  for (const name of ['WsIdentify', 'WsTaskRejected', 'HttpPostTask', 'HttpPutLogLevel', 'HubTaskAssign', 'HubValidationFailed', 'ErrorItem', 'ValidationFailedBody', 'RoutingDecision']) {
    t.ok(schemas[name], `${name} present`)
  }
  t.same(JSON.parse(JSON.stringify(schemas)), schemas, 'no symbols or functions')
  const ajv = new Ajv({ strict: false })
  addFormats(ajv)
  for (const [name, schema] of Object.entries(schemas)) t.doesNotThrow(() => ajv.compile(schema), `${name} compiles`)
  const identify = ajv.compile(schemas.WsIdentify!)
  t.ok(identify({ type: 'identify', agent_id: 'a', token: 'b' }))
  t.notOk(identify({ type: 'identify', agent_id: 'a' }))
  t.ok(ajv.compile(schemas.HubTaskAssign!)(taskAssignFrame({ task_id: 't' }, 1)))
  const failed = validationFailedBody([{ field: 'seq', error: 'required', detail: 'field is required' }])
  t.ok(ajv.compile(schemas.ValidationFailedBody!)(failed))
  t.equal(schemas.HttpPostTask?.description, 'Submit a task to the queue.')
})
