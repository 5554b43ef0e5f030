import t from 'tap'
import { MetricsAggregator, emptySnapshot, telemetry, toPrometheus, type MetricsSnapshot } from '../../actors/metrics'

// A strict parser for the Prometheus text exposition format 0.0.4: every line must be a HELP,
// TYPE, comment, blank or sample line; a family's TYPE precedes its samples and appears once;
// a family's samples are contiguous (a family may have none); names, label names, escapes and values are checked; no
// series appears twice. Throws on the first violation.

type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'
interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}
interface Family {
  name: string
  type: MetricType
  help: string | null
  samples: Sample[]
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  const closed = new Set<string>()
  let current: string | null = null
  const seenSeries = new Set<string>()
  const typedOnce = new Set<string>()
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline')
  const lines = text.slice(0, -1).split('\n')
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`
    if (line === '') return
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
      if (!m) return // plain comment
      const [, keyword, name, rest] = m
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name in ${where}`)
      const family = familyFor(name)
      if (keyword === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type in ${where}`)
        if (family.samples.length > 0) throw new Error(`TYPE after samples in ${where}`)
        if (family.type !== 'untyped' || typedOnce.has(name)) throw new Error(`second TYPE in ${where}`)
        typedOnce.add(name)
        family.type = rest as MetricType
      } else {
        if (family.help !== null) throw new Error(`second HELP in ${where}`)
        family.help = unescape(rest, false)
      }
      return
    }
    const sample = parseSample(line, where)
    const familyName = familyOfSample(sample.name)
    if (current !== familyName) {
      if (closed.has(familyName)) throw new Error(`samples of ${familyName} are not contiguous (${where})`)
      if (current !== null) closed.add(current)
      current = familyName
    }
    const series = `${sample.name}{${Object.entries(sample.labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`
    if (seenSeries.has(series)) throw new Error(`duplicate series ${series}`)
    seenSeries.add(series)
    familyFor(familyName).samples.push(sample)
  })
  return families

  function familyFor(name: string): Family {
    let family = families.get(name)
    if (!family) families.set(name, (family = { name, type: 'untyped', help: null, samples: [] }))
    return family
  }
  function familyOfSample(name: string): string {
    if (families.has(name)) return name
    for (const suffix of ['_sum', '_count', '_bucket', '_total']) {
      const base = name.slice(0, -suffix.length)
      if (name.endsWith(suffix) && families.has(base)) return base
    }
    throw new Error(`sample ${name} has no TYPE/HELP family`)
  }
}
function parseSample(line: string, where: string): Sample {
  let i = 0
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)
  if (!nameMatch) throw new Error(`bad sample name in ${where}`)
  const name = nameMatch[0]
  i = name.length
  const labels: Record<string, string> = {}
  if (line[i] === '{') {
    i++
    while (line[i] !== '}') {
      const labelMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))
      if (!labelMatch || !LABEL_NAME.test(labelMatch[0])) throw new Error(`bad label name in ${where}`)
      const label = labelMatch[0]
      i += label.length
      if (line[i] !== '=' || line[i + 1] !== '"') throw new Error(`expected ="…" in ${where}`)
      i += 2
      let raw = ''
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error(`unterminated label value in ${where}`)
        if (line[i] === '\\') {
          raw += line.slice(i, i + 2)
          i += 2
        } else raw += line[i++]
      }
      i++
      if (label in labels) throw new Error(`duplicate label ${label} in ${where}`)
      labels[label] = unescape(raw, true)
      if (line[i] === ',') i++
      else if (line[i] !== '}') throw new Error(`expected , or } in ${where}`)
    }
    i++
  }
  if (line[i] !== ' ') throw new Error(`expected a space before the value in ${where}`)
  const parts = line.slice(i + 1).split(' ')
  if (parts.length > 2) throw new Error(`trailing garbage in ${where}`)
  const value = parseValue(parts[0], where)
  if (parts.length === 2 && !/^-?\d+$/.test(parts[1])) throw new Error(`bad timestamp in ${where}`)
  return { name, labels, value }
}

function parseValue(text: string, where: string): number {
  if (text === 'NaN') return NaN
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value '${text}' in ${where}`)
  return Number(text)
}

function unescape(raw: string, quoted: boolean): string {
  return raw.replace(/\\(.)/g, (_m, c: string) => {
    if (c === 'n') return '\n'
    if (c === '\\') return '\\'
    if (c === '"' && quoted) return '"'
    throw new Error(`bad escape \\${c}`)
  })
}

const value = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number => {
  const family = families.get(name)
  if (!family) throw new Error(`no family ${name}`)
  const sample = family.samples.find((s) => Object.keys(labels).length === Object.keys(s.labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (!sample) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`)
  return sample.value
}

const T0 = 1_700_000_000_000

t.test('the parser rejects what it should (so passing means something)', async (t) => {
  t.throws(() => parseExposition('x 1'), /newline/)
  t.throws(() => parseExposition('# TYPE a gauge\na{b="c} 1\n'), /unterminated|expected/)
  t.throws(() => parseExposition('# TYPE a gauge\na 1\na 2\n'), /duplicate series/)
  t.throws(() => parseExposition('# TYPE a gauge\na one\n'), /bad value/)
  t.throws(() => parseExposition('b 1\n'), /no TYPE/)
  t.throws(() => parseExposition('# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x="1"} 2\n'), /not contiguous/)
  t.throws(() => parseExposition('# TYPE a wrong\na 1\n'), /bad type/)
  t.throws(() => parseExposition('# TYPE a gauge\n# TYPE a gauge\na 1\n'), /second TYPE/)
  t.throws(() => parseExposition('# TYPE a gauge\na{b="\\q"} 1\n'), /bad escape/)
  t.ok(parseExposition('# HELP a h\n# TYPE a gauge\na{x="q\\"\\n\\\\"} -Inf\n'))
})

t.test('the metrics snapshot renders as valid exposition with the snapshot values', async (t) => {
  const m = new MetricsAggregator()
  ;[100, 200, 300, 400].forEach((d, i) => m.record(telemetry('agent_com.task.complete', { duration_ms: d }, { task_id: `t${i}`, agent_id: 'a"1\nx', tokens_used: 3 }, T0 + i)))
  m.record(telemetry('agent_com.task.fail', { retry_count: 1 }, { task_id: 'f', agent_id: 'a', error: 'e' }, T0))
  m.record(telemetry('agent_com.task.dead_letter', { retry_count: 3 }, { task_id: 'd', error: 'e' }, T0))
  m.record(telemetry('agent_com.fsm.transition', { duration_ms: 1 }, { agent_id: 'a"1\nx', from_state: 'idle', to_state: 'working', task_id: 't0' }, T0 + 30 * 60_000))
  const snapshot: MetricsSnapshot = m.tick(T0 + 60 * 60_000 - 1, {
    queue_depth: 7,
    agents_online: 1,
    agents: [{ agent_id: 'a"1\nx', fsm_state: 'working', connected_at: T0 - 1 }],
    dets_health: { tables: [{ table: 'task_queue', record_count: 12, file_size_bytes: 4096, fragmentation_ratio: 0.25, status: 'ok' }, { table: 'agent_mailbox', record_count: 0, file_size_bytes: 0, fragmentation_ratio: 0, status: 'unavailable' }] },
  })
  const { body, contentType } = await toPrometheus(snapshot)
  t.match(contentType, /^text\/plain; version=0\.0\.4/)
  const families = parseExposition(body)
  t.equal(families.get('agentcom_tasks_completed_total')?.type, 'counter')
  t.equal(families.get('agentcom_queue_depth')?.type, 'gauge')
  for (const family of families.values()) t.ok(family.help, `${family.name} has HELP`)
  t.equal(value(families, 'agentcom_queue_depth'), 7)
  t.equal(value(families, 'agentcom_task_latency_ms', { window: '1h', quantile: '0.5' }), snapshot.task_latency.window.p50)
  t.equal(value(families, 'agentcom_task_latency_ms', { window: '1h', quantile: '0.99' }), 300)
  t.equal(value(families, 'agentcom_tasks_completed_total'), 4)
  t.equal(value(families, 'agentcom_tasks_failed_total'), 1)
  t.equal(value(families, 'agentcom_tasks_dead_letter_total'), 1)
  t.equal(value(families, 'agentcom_failure_rate_pct', { window: '1h' }), 33.3)
  t.equal(value(families, 'agentcom_agents', { kind: 'working' }), 1)
  t.equal(value(families, 'agentcom_utilization_pct'), 100)
  t.equal(value(families, 'agentcom_agent_state_pct_1h', { agent_id: 'a"1\nx', state: 'working' }), 50, 'odd agent ids survive label escaping')
  t.equal(value(families, 'agentcom_storage_table_records', { table: 'task_queue' }), 12)
  t.equal(value(families, 'agentcom_storage_table_up', { table: 'agent_mailbox' }), 0)
})

t.test('an empty snapshot still renders and parses', async (t) => {
  const families = parseExposition((await toPrometheus(emptySnapshot(T0))).body)
  t.equal(value(families, 'agentcom_tasks_completed_total'), 0)
  t.equal(families.get('agentcom_agent_state_pct_1h')?.samples.length ?? 0, 0, 'no per-agent samples without agents')
  t.notOk(families.has('agentcom_storage_table_records'))
})
