import t from 'tap'
import { exceedsJsonDepth, MAX_JSON_DEPTH, parseFrame } from '../../relay/protocol'
import { parseJsonBody } from '../../relay/hub/transport/http-request'

const nested = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels)

t.test('exceedsJsonDepth: counts object and array levels, never recurses', async (t) => {
  t.equal(exceedsJsonDepth(1), false)
  t.equal(exceedsJsonDepth(JSON.parse(nested(MAX_JSON_DEPTH))), false, 'exactly at the limit')
  t.equal(exceedsJsonDepth(JSON.parse(nested(MAX_JSON_DEPTH + 1))), true, 'one level more')
  t.equal(exceedsJsonDepth([[[]]], 2), true)
  t.equal(exceedsJsonDepth(JSON.parse(nested(100_000))), true, '100,000 levels without a stack overflow')
})

t.test('a frame nested too deep answers invalid_json; at the limit it parses', async (t) => {
  t.match(parseFrame(`{"type":"ping","x":${nested(MAX_JSON_DEPTH + 5)}}`), { ok: false, error: 'invalid_json', reply: { type: 'error', error: 'invalid_json' } })
  t.match(parseFrame(`{"type":"ping","x":${nested(MAX_JSON_DEPTH - 1)}}`), { ok: true })
})

t.test('a body nested too deep is a 400 invalid_json', async (t) => {
  let thrown: unknown
  try {
    parseJsonBody(Buffer.from(nested(5_000)), 'application/json')
  } catch (error) {
    thrown = error
  }
  t.match(thrown, { status: 400, body: { error: 'invalid_json' } })
  t.same(parseJsonBody(Buffer.from(nested(3)), 'application/json'), { a: { a: { a: 1 } } })
})
