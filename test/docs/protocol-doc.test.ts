// docs/protocol.md is generated from the schemas and the hub's routes; this keeps the checked-in
// file identical to what the generator produces now, so it cannot drift from the code.
// Regenerate with `npm run docs:protocol` (or AGENTCOM_UPDATE_DOCS=1 npx tap test/docs/protocol-doc.test.ts).
import { readFileSync, writeFileSync } from 'node:fs'
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { HTTP_BODY_KEYS, WS_TYPES } from '../../relay/protocol'
import { fieldTable, PROTOCOL_DOC_PATH, renderProtocolDoc } from '../../scripts/generate-protocol-doc'

function firstDifferingLine(a: string, b: string): number {
  const left = a.split('\n')
  const right = b.split('\n')
  for (let i = 0; i < Math.max(left.length, right.length); i++) if (left[i] !== right[i]) return i + 1
  return -1
}

t.test('docs/protocol.md equals the generated output', async (t) => {
  const generated = await renderProtocolDoc()
  if (process.env.AGENTCOM_UPDATE_DOCS === '1') writeFileSync(PROTOCOL_DOC_PATH, generated)
  const checkedIn = readFileSync(PROTOCOL_DOC_PATH, 'utf8')
  // the first differing line number makes a failure readable (not a 40 kB diff)
  t.equal(firstDifferingLine(checkedIn, generated), -1, 'no stale line (run npm run docs:protocol)')
  t.equal(checkedIn, generated)
})

t.test('the generated document covers every frame type, body and route', async (t) => {
  const doc = await renderProtocolDoc()
  for (const type of WS_TYPES) t.match(doc, `### \`${type}\``, `inbound ${type}`)
  for (const key of HTTP_BODY_KEYS) t.match(doc, `### \`${key}\``, `HTTP body ${key}`)
  t.match(doc, '| POST | `/api/tasks` | Bearer | [`post_task`](#post_task) |')
  t.match(doc, '| GET | `/health` | none |')
  t.match(doc, '| POST | `/admin/tokens` | Bearer, admin |')
  t.match(doc, '| 1003 | `binary frames are not supported` |')
})

t.test('fieldTable lists type first, then required, then optional fields with constraints', async (t) => {
  const schema = Type.Object({
    zeta: Type.Optional(Type.String({ minLength: 1 })),
    type: Type.Literal('demo'),
    alpha: Type.Integer({ minimum: 0 }),
  })
  t.equal(
    fieldTable(schema),
    [
      '| field | type | required | notes |',
      '|---|---|---|---|',
      '| `type` | string | yes | always `"demo"` |',
      '| `alpha` | integer | yes | ≥ 0 |',
      '| `zeta` | string | no | min length 1 |',
      '',
    ].join('\n'),
  )
  t.equal(fieldTable(Type.Object({})), '_No fields._\n')
})
