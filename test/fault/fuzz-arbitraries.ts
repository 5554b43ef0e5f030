// fast-check generators for the fuzz suite: valid sample frames and bodies (from the schemas of
// relay/protocol, written out as one valid instance each) and the mutations applied to them —
// wrong types, missing fields, huge strings, deep nesting, unicode edge cases, invalid UTF-8,
// truncated JSON, binary frames and random bytes. (Fixture, no tests of its own.)
import fc from 'fast-check'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
export type JsonObject = { [k: string]: Json }

/** One valid instance of every inbound `/ws` frame (relay/protocol/ws-inbound.ts). */
export const VALID_WS_FRAMES: JsonObject[] = [
  { type: 'message', payload: { text: 'hi' }, to: 'fuzz-peer', message_type: 'chat' },
  { type: 'status', status: 'working' },
  { type: 'list_agents' },
  { type: 'ping' },
  { type: 'channel_subscribe', channel: 'fuzz' },
  { type: 'channel_unsubscribe', channel: 'fuzz' },
  { type: 'channel_publish', channel: 'fuzz', payload: { n: 1 } },
  { type: 'channel_history', channel: 'fuzz', limit: 5, since: 0 },
  { type: 'list_channels' },
  { type: 'task_accepted', task_id: 'task-0000000000000001' },
  { type: 'task_progress', task_id: 'task-0000000000000001', progress: 50, execution_event: { kind: 'stdout' } },
  { type: 'task_complete', task_id: 'task-0000000000000001', generation: 1, result: { status: 'success' }, tokens_used: 3 },
  { type: 'task_failed', task_id: 'task-0000000000000001', generation: 1, reason: 'x' },
  { type: 'task_recovering', task_id: 'task-0000000000000001' },
  { type: 'task_rejected', task_id: 'task-0000000000000001', reason: 'busy' },
  { type: 'ollama_report', ollama_url: 'http://127.0.0.1:11434' },
  { type: 'resource_report', cpu_percent: 12.5, ram_used_bytes: 1, ram_total_bytes: 2, timestamp: 1 },
  { type: 'identify', agent_id: 'fuzz-agent', token: 'x', capabilities: ['code'] },
]

/** A valid `identify` for an unidentified socket (the token is filled in by the test). */
export const IDENTIFY_SAMPLE: JsonObject = { type: 'identify', agent_id: 'fuzz-id', token: '', name: 'n', status: 'idle', capabilities: ['code'], ollama_url: 'http://127.0.0.1:1' }

/** One valid body per HTTP route that takes one ("METHOD /path" as registered). */
export const VALID_BODIES: Record<string, JsonObject> = {
  'POST /api/onboard/register': { agent_id: 'fuzz-onboard' },
  'POST /api/channels': { name: 'fuzzchan', description: 'd' },
  'POST /api/channels/:channel/publish': { payload: { a: 1 }, type: 'chat' },
  'PUT /api/config/heartbeat-interval': { heartbeat_interval_ms: 15000 },
  'PUT /api/config/mailbox-retention': { mailbox_ttl_ms: 604800000 },
  'PUT /api/config/default-repo': { url: 'https://github.com/o/r' },
  'PUT /api/config/alert-thresholds': { queue_growing_checks: 3, failure_rate_pct: 50, stuck_task_ms: 300000, error_count_hour: 50, check_interval_ms: 30000 },
  'POST /api/dashboard/push-subscribe': { endpoint: 'https://push.example/x', keys: { p256dh: 'a', auth: 'b' } },
  'POST /api/message': { payload: { text: 'x' }, to: 'someone' },
  'POST /api/mailbox/evict': {},
  'POST /api/mailbox/:agent_id/ack': { seq: 1 },
  'POST /api/alerts/:rule_id/acknowledge': {},
  'PUT /api/admin/log-level': { level: 'info' },
  'PUT /api/admin/rate-limits/whitelist': { agent_ids: ['a'] },
  'POST /api/admin/rate-limits/whitelist': { agent_id: 'a' },
  'PUT /api/admin/rate-limits/:agent_id': { light: { capacity: 10, refill_rate_per_min: 5 } },
  'POST /api/admin/llm-registry': { host: '127.0.0.1', port: 11434, name: 'local' },
  'POST /api/admin/repo-registry': { url: 'https://github.com/o/r', name: 'r' },
  'POST /api/tasks': {
    description: 'fuzz task',
    priority: 'low',
    needed_capabilities: ['nope-not-a-capability'],
    repo: 'https://github.com/o/r',
    branch: 'main',
    file_hints: [{ path: 'src/a.ts', reason: 'r' }],
    verification_steps: [{ type: 'file_exists', target: 'src/a.ts' }],
    complexity_tier: 'trivial',
    max_verification_retries: 1,
  },
  'POST /api/admin/push-task': { agent_id: 'nobody-connected', description: 'x' },
  'POST /admin/tokens': { agent_id: 'fuzz-made' },
}

// ---- values ----

const UNICODE_EDGES = [
  '',
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '\uffff',
  '\ufeff',
  '\u202e',
  'e\u0301',
  '𝕏'.repeat(50),
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '%00',
  '${x}',
  "'; DROP TABLE x; --",
]

const hugeString = fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n))

const deepValue: fc.Arbitrary<Json> = fc.integer({ min: 10, max: 200 }).map((depth) => {
  let v: Json = 'bottom'
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { n: v }
  return v
})

const scalar: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 63), 1e308, 0.5),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(...UNICODE_EDGES),
)

/** Any value of the wrong kind for most fields. */
export const weirdValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 5 }) },
)

// ---- object mutations ----

type Mutation = (o: JsonObject) => JsonObject

const keyOf = (o: JsonObject, i: number): string | undefined => {
  const keys = Object.keys(o)
  return keys.length === 0 ? undefined : keys[i % keys.length]
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>((o) => o),
  fc.nat().map<Mutation>((i) => (o) => {
    const k = keyOf(o, i)
    if (k === undefined) return o
    const copy = { ...o }
    delete copy[k]
    return copy
  }),
  fc.tuple(fc.nat(), weirdValue).map<Mutation>(([i, v]) => (o) => {
    const k = keyOf(o, i)
    return k === undefined ? o : { ...o, [k]: v }
  }),
  fc.tuple(fc.oneof(fc.string(), fc.constantFrom(...UNICODE_EDGES)), weirdValue).map<Mutation>(([k, v]) => (o) => ({ ...o, [k]: v })),
  fc.tuple(fc.nat(), fc.constantFrom(...UNICODE_EDGES), hugeString).map<Mutation>(([i, edge, huge]) => (o) => {
    const k = keyOf(o, i)
    if (k === undefined || typeof o[k] !== 'string') return o
    return { ...o, [k]: i % 3 === 0 ? huge : edge }
  }),
)

/** A sample with 0–3 mutations applied (never touching `type` for ws frames unless the mutation picks it). */
export function mutatedObject(samples: JsonObject[]): fc.Arbitrary<JsonObject> {
  return fc.tuple(fc.constantFrom(...samples), fc.array(mutation, { maxLength: 3 })).map(([sample, muts]) => muts.reduce((o, m) => m(o), sample))
}

// ---- encodings ----

export type Payload = { kind: 'text'; text: string } | { kind: 'bytes'; bytes: Buffer } | { kind: 'binary'; bytes: Buffer }

const INVALID_UTF8 = [Buffer.from([0xc3, 0x28]), Buffer.from([0xff, 0xfe]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])]

/** A JSON object as a payload: plain, truncated, with invalid UTF-8 spliced in, or deeply nested raw text. */
export function encoded(objects: fc.Arbitrary<JsonObject>): fc.Arbitrary<Payload> {
  return fc.oneof(
    { weight: 10, arbitrary: objects.map<Payload>((o) => ({ kind: 'text', text: JSON.stringify(o) })) },
    {
      weight: 2,
      arbitrary: fc.tuple(objects, fc.nat()).map<Payload>(([o, cut]) => {
        const s = JSON.stringify(o)
        return { kind: 'text', text: s.slice(0, s.length === 0 ? 0 : cut % s.length) }
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(objects, fc.nat(), fc.constantFrom(...INVALID_UTF8)).map<Payload>(([o, at, bad]) => {
        const s = Buffer.from(JSON.stringify(o))
        const i = at % (s.length + 1)
        return { kind: 'bytes', bytes: Buffer.concat([s.subarray(0, i), bad, s.subarray(i)]) }
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 100, max: 100_000 }), fc.boolean()).map<Payload>(([depth, arrays]) => ({
        kind: 'text',
        text: arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"type":"ping","x":' + '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) + '}',
      })),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map<Payload>((a) => ({ kind: 'bytes', bytes: Buffer.from(a) })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map<Payload>((a) => ({ kind: 'binary', bytes: Buffer.from(a) })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map<Payload>((v) => ({ kind: 'text', text: JSON.stringify(v) ?? 'null' })) },
  )
}

/** A path-parameter value: plausible ids, traversal, unicode edges, long strings, random text. */
export const pathParam: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('fuzz-agent', 'task-0000000000000001', 'fuzz', '1', '..', '../..', '%2e%2e%2f', '%00', 'a/b', '\u0000', '\ud800', '😀'),
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.integer({ min: 400, max: 3000 }).map((n) => 'p'.repeat(n)),
)

/** Encodes a raw parameter for a URL (lone surrogates become U+FFFD first). */
export function encodeParam(raw: string): string {
  const wellFormed = raw.replace(/[\ud800-\udfff]/g, (c, i: number, s: string) => {
    const code = c.charCodeAt(0)
    if (code <= 0xdbff && /[\udc00-\udfff]/.test(s[i + 1] ?? '')) return c
    if (code >= 0xdc00 && /[\ud800-\udbff]/.test(s[i - 1] ?? '')) return c
    return '\ufffd'
  })
  // occasionally keep dots and slashes literally, the traversal a careless client sends
  return /^[./%a-z0-9]+$/i.test(raw) ? raw : encodeURIComponent(wellFormed)
}

export const queryString: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.dictionary(fc.constantFrom('limit', 'since', 'status', 'priority', 'agent_id', 'assigned_to', 'channel', 'x'), fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom('-1', '1e9', 'NaN', '99999999999999999999')), { maxKeys: 3 }).map(
    (d) => '?' + new URLSearchParams(d).toString(),
  ),
)
