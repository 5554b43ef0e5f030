// Writes docs/protocol.md from the code: the /ws frame schemas (relay/protocol), the close codes
// and error frames, the rate-limit tiers, and the HTTP routes the hub registers (with the auth
// each one enforces, observed by probing — see relay/hub/routes/openapi.ts). The prose between
// the tables is here too, so the whole file is regenerated and a test keeps it identical.
//
//   npm run docs:protocol            # regenerate docs/protocol.md
//   node dist/scripts/generate-protocol-doc.js --check   # exit 1 when the file is stale
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TObject, TSchema } from '@sinclair/typebox'
import {
  CLOSE,
  HTTP_ACTION_TIERS,
  HTTP_BODIES,
  HTTP_BODY_KEYS,
  HUB_FRAMES,
  RATE_LIMIT_BACKOFF_MS,
  RATE_LIMIT_DEFAULTS,
  RATE_LIMIT_WARN_FRACTION,
  RATE_TIERS,
  TASK_REPORT_REJECTIONS,
  VALIDATION_DISCONNECT_THRESHOLD,
  VALIDATION_WINDOW_MS,
  WS_ERROR_CODES,
  WS_INBOUND,
  WS_RATE_EXEMPT_TYPES,
  WS_TYPES,
  WS_TYPE_TIERS,
  validationCooldownMs,
  wireTypeOf,
  type HttpAction,
} from '../relay/protocol'
import type { HubOptions } from '../relay/hub/hub-context'
import { bodyKeyFor, OPENAPI_PATH, probeRouteAuth, type RouteAuth } from '../relay/hub/routes/openapi'

export const PROTOCOL_DOC_PATH = join(__dirname, '..', 'docs', 'protocol.md')
// compiled, this file runs from dist/scripts: the doc is two levels further up
const REPO_ROOT_CANDIDATES = [join(__dirname, '..'), join(__dirname, '..', '..')]

/** The options the documented route table is probed with: a default hub (closed registration). */
const DOCUMENTED_HUB: HubOptions = { port: 4000, host: '127.0.0.1', dataDir: 'data', openRegistration: false }

interface SchemaShape {
  type?: string
  const?: unknown
  enum?: unknown[]
  format?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  minItems?: number
  maxItems?: number
  description?: string
  anyOf?: SchemaShape[]
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function constraintsOf(schema: TSchema): string {
  const shape = schema as unknown as SchemaShape
  const notes: string[] = []
  if (shape.const !== undefined) notes.push(`always \`${JSON.stringify(shape.const)}\``)
  if (shape.enum) notes.push(`one of ${shape.enum.map((v) => `\`${JSON.stringify(v)}\``).join(', ')}`)
  if (shape.anyOf) {
    const constants = shape.anyOf.filter((m) => m.const !== undefined).map((m) => `\`${JSON.stringify(m.const)}\``)
    if (constants.length > 0) notes.push(`one of ${constants.join(', ')}`)
    if (shape.anyOf.some((m) => m.type === 'null')) notes.push('nullable')
  }
  if (shape.format) notes.push(`format ${shape.format}`)
  if (shape.minLength !== undefined) notes.push(`min length ${shape.minLength}`)
  if (shape.maxLength !== undefined) notes.push(`max length ${shape.maxLength}`)
  if (shape.minimum !== undefined) notes.push(`≥ ${shape.minimum}`)
  if (shape.exclusiveMinimum !== undefined) notes.push(`> ${shape.exclusiveMinimum}`)
  if (shape.maximum !== undefined) notes.push(`≤ ${shape.maximum}`)
  if (shape.minItems !== undefined) notes.push(`at least ${shape.minItems} items`)
  if (shape.maxItems !== undefined) notes.push(`at most ${shape.maxItems} items`)
  if (shape.description) notes.push(shape.description)
  return notes.join('; ')
}

/** A markdown table of an object schema's fields, `type` first, then required, then optional. */
export function fieldTable(schema: TObject): string {
  const required = new Set(schema.required ?? [])
  const names = Object.keys(schema.properties).sort((a, b) => {
    const rank = (n: string) => (n === 'type' ? 0 : required.has(n) ? 1 : 2)
    return rank(a) - rank(b) || a.localeCompare(b)
  })
  if (names.length === 0) return '_No fields._\n'
  const rows = names.map((name) => {
    const field = schema.properties[name] as TSchema
    return `| \`${name}\` | ${cell(wireTypeOf(field))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(constraintsOf(field))} |`
  })
  return ['| field | type | required | notes |', '|---|---|---|---|', ...rows].join('\n') + '\n'
}

function authCell(auth: RouteAuth | null): string {
  if (auth === null) return 'none'
  const how = auth.style === 'bearer' ? 'Bearer' : 'Bearer or `?token=`'
  return auth.role === 'admin' ? `${how}, admin` : how
}

function inboundSection(): string {
  const parts = WS_TYPES.map((type) => {
    const entry = WS_INBOUND[type]
    const exempt = WS_RATE_EXEMPT_TYPES.has(type) ? ' (exempt from rate limiting)' : ''
    return `### \`${type}\`\n\n${entry.description}\n\nRate-limit tier: **${WS_TYPE_TIERS[type]}**${exempt}.\n\n${fieldTable(entry.schema)}`
  })
  return `## 2. Frames an agent sends on \`/ws\`\n\nEvery frame is validated against its schema before anything else happens; a frame that fails gets a \`validation_failed\` error frame (section 4) and counts towards the validation disconnect.\n\n${parts.join('\n')}`
}

function outboundSection(): string {
  const types = Object.keys(HUB_FRAMES).sort() as Array<keyof typeof HUB_FRAMES>
  const parts = types.map((type) => `### \`${type}\`\n\n${fieldTable(HUB_FRAMES[type])}`)
  return `## 3. Frames the hub sends on \`/ws\`\n\n${parts.join('\n')}`
}

function errorsSection(): string {
  const codes = WS_ERROR_CODES.map((code) => `- \`{"type":"error","error":"${code}"}\``).join('\n')
  const rejections = TASK_REPORT_REJECTIONS.map((r) => `\`${r}\``).join(', ')
  const closeRows = Object.entries(CLOSE).map(([name, spec]) => `| ${spec.code} | \`${cell(spec.reason)}\` | ${name} |`)
  const ladder = [1, 2, 3].map((n) => `${n}${n === 3 ? '+' : ''} → ${validationCooldownMs(n) / 1000} s`).join(', ')
  return `## 4. Errors and closing

### Error frames

${codes}
- \`{"type":"error","error":"validation_failed","message_type":<type or "unknown">,"errors":[ErrorItem…]}\` (schema failure)
- \`{"type":"error","error":"task_complete_failed: <reason>"}\` and \`task_fail_failed: <reason>\`, reason one of ${rejections}
- \`{"type":"rate_limited","retry_after_ms":…,"tier":…}\` and the advisory \`{"type":"rate_limit_warning",…}\`

### Validation disconnect

${VALIDATION_DISCONNECT_THRESHOLD} validation failures within ${VALIDATION_WINDOW_MS / 1000} s close the socket with 1008. Reconnecting agents then wait a cooldown that grows with the number of such disconnects: ${ladder}; an \`identify\` during the cooldown is closed with \`1008 cooldown active: retry in Ns\`.

### Close codes

| code | reason | when (CLOSE key) |
|---|---|---|
${closeRows.join('\n')}
`
}

function rateLimitSection(): string {
  const tiers = RATE_TIERS.map((tier) => `| ${tier} | ${RATE_LIMIT_DEFAULTS[tier].capacity} | ${RATE_LIMIT_DEFAULTS[tier].refill_rate_per_min} |`)
  const actions = (Object.keys(HTTP_ACTION_TIERS) as HttpAction[])
    .sort()
    .map((action) => {
      const spec = HTTP_ACTION_TIERS[action]
      return `| \`${action}\` | ${spec.tier} | ${spec.principal} | ${spec.enforced ? 'yes' : 'no'} |`
    })
  return `## 6. Rate limits

Token buckets per agent (or per \`ip:<address>\` on unauthenticated routes), one per tier. When less than ${RATE_LIMIT_WARN_FRACTION * 100} % of a bucket is left the action is allowed with a \`rate_limit_warning\`; an empty bucket answers \`rate_limited\` (HTTP 429 with \`retry-after\`). Consecutive violations back off ${RATE_LIMIT_BACKOFF_MS.map((ms) => `${ms / 1000} s`).join(', ')}.

| tier | capacity | refill per minute |
|---|---|---|
${tiers.join('\n')}

HTTP actions:

| action | tier | bucket | enforced |
|---|---|---|---|
${actions.join('\n')}
`
}

async function httpSection(): Promise<string> {
  const observed = await probeRouteAuth(DOCUMENTED_HUB)
  const entries = [...observed.entries()].map(([key, auth]) => {
    const space = key.indexOf(' ')
    return { method: key.slice(0, space), path: key.slice(space + 1), auth }
  })
  entries.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))
  const rows = entries.map(({ method, path, auth }) => {
    const key = bodyKeyFor(method, path)
    return `| ${method} | \`${path}\` | ${authCell(auth)} | ${key ? `[\`${key}\`](#${key})` : ''} |`
  })
  const bodies = HTTP_BODY_KEYS.map((key) => {
    const entry = HTTP_BODIES[key]
    const style = entry.errorStyle === 'validation_failed' ? '422 `{"error":"validation_failed","errors":[…]}`' : "422 with the route's own error body"
    return `### \`${key}\`\n\n\`${entry.route}\` — ${entry.description} Invalid: ${style}.\n\n${fieldTable(entry.schema)}`
  })
  return `## 5. HTTP API

The machine-readable form of this section is served by the hub at \`GET ${OPENAPI_PATH}\` (OpenAPI 3.1).
Auth "Bearer" means \`Authorization: Bearer <token>\`; "admin" routes refuse agent tokens with 403.
A missing or unknown token answers 401, an actor that is down 503, a malformed body 400/415/422.
\`POST /api/onboard/register\` is public only when the hub runs with open registration.

| method | path | auth | body |
|---|---|---|---|
${rows.join('\n')}

${bodies.join('\n')}`
}

const PREAMBLE = `# AgentCom wire protocol (as implemented)

<!-- GENERATED by scripts/generate-protocol-doc.ts from relay/protocol and the hub's routes.
     Do not edit by hand: run \`npm run docs:protocol\`. test/docs/protocol-doc.test.ts fails when
     this file and the code disagree. -->

The hub speaks JSON over two transports on one port (default 4000, bound to 127.0.0.1):
a WebSocket at \`/ws\` for agents (sidecars) and HTTP for everything else. The original
protocol (AgentCom v1.2) is specified in the project's spec folder; where this
implementation deliberately differs, docs/deviations.md says why.

## 1. Conventions and connection lifecycle

- Every frame is one JSON object in a text frame; binary frames are refused (close 1003).
- Timestamps are Unix epoch milliseconds; ids are lowercase hex (tasks: \`task-\` + 16 hex).
- After connecting, the first frame must be \`identify\` with the agent's token. Until it
  succeeds other valid frames are answered \`not_identified\`; a bad token does not close the socket.
- Agents send \`ping\` more often than every 60 s: a silent socket is closed (1002), and an
  identified agent without a ping for 60 s is evicted.
- Outcome reports (\`task_complete\`, \`task_failed\`) carry the task's \`generation\`; stale ones
  are refused with \`task_complete_failed: stale_generation\`.
`

/** The whole of docs/protocol.md. */
export async function renderProtocolDoc(): Promise<string> {
  const sections = [PREAMBLE, inboundSection(), outboundSection(), errorsSection(), await httpSection(), rateLimitSection()]
  return sections.map((s) => s.trimEnd()).join('\n\n') + '\n'
}

function docPath(): string {
  for (const root of REPO_ROOT_CANDIDATES) {
    const candidate = join(root, 'docs')
    try {
      readFileSync(join(root, 'package.json'))
      return join(candidate, 'protocol.md')
    } catch {
      // not the repository root; try the next candidate
    }
  }
  return PROTOCOL_DOC_PATH
}

async function main(argv: string[]): Promise<number> {
  const rendered = await renderProtocolDoc()
  const target = docPath()
  if (argv.includes('--check')) {
    let current = ''
    try {
      current = readFileSync(target, 'utf8')
    } catch {
      // a missing file is stale
    }
    if (current === rendered) return 0
    process.stderr.write(`${target} is stale: run npm run docs:protocol\n`)
    return 1
  }
  writeFileSync(target, rendered)
  process.stdout.write(`wrote ${target}\n`)
  return 0
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`generate-protocol-doc: ${error instanceof Error ? error.stack : String(error)}\n`)
      process.exit(1)
    },
  )
}
