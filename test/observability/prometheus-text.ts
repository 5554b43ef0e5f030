// A strict parser for the Prometheus text exposition format 0.0.4: every line must be a HELP,
// TYPE, comment, blank or sample line; a family's TYPE precedes its samples and appears once; its
// samples are contiguous; names, label names, escapes and values are checked; no series appears
// twice. Throws on the first violation. Used by the metrics and observability tests.
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

export function parseExposition(text: string): Map<string, Family> {
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

export const sampleValue = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number => {
  const family = families.get(name)
  if (!family) throw new Error(`no family ${name}`)
  const sample = family.samples.find((s) => Object.keys(labels).length === Object.keys(s.labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (!sample) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`)
  return sample.value
}
