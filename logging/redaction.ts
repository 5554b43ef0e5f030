// Secret scrubbing for log metadata, at any nesting depth. The original redacted only the exact
// keys token/auth_token/secret at the top level; a bearer header inside a request dump or a
// `?token=` in an access-logged URL went to disk in clear. Here:
// - a key is secret-looking when, ignoring case and separators, it is one of SECRET_KEYS or
//   ends in token / secret / password / apikey / privatekey (so `tokens_used`, `token_prefix`,
//   `max_tokens` stay visible: they are counts and prefixes, not credentials);
// - inside any string, `Bearer <x>` / `Basic <x>` and `token=`-style query parameters are masked.

export const REDACTED = '[REDACTED]'

const SECRET_KEYS = new Set([
  'token',
  'authtoken',
  'secret',
  'authorization',
  'proxyauthorization',
  'apikey',
  'xapikey',
  'password',
  'passwd',
  'cookie',
  'setcookie',
  'privatekey',
  'vapidprivatekey',
  'clientsecret',
  'accesstoken',
  'refreshtoken',
])

const SECRET_SUFFIXES = ['token', 'secret', 'password', 'apikey', 'privatekey']

export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '')
  if (SECRET_KEYS.has(normalized)) return true
  return SECRET_SUFFIXES.some((suffix) => normalized.endsWith(suffix))
}

const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi
const SECRET_QUERY_PARAM = /([?&;](?:token|auth_token|access_token|api_key|apikey|secret|password)=)[^&\s#"']+/gi

export function redactString(value: string): string {
  if (!/bearer|basic|=/i.test(value)) return value
  return value.replace(AUTH_SCHEME, (_match, scheme: string) => `${scheme} ${REDACTED}`).replace(SECRET_QUERY_PARAM, `$1${REDACTED}`)
}

const MAX_DEPTH = 12

/**
 * A JSON-safe copy of `value` with every secret masked. Also makes the value serialisable:
 * errors become {name, message, stack}, bigints strings, buffers a size note, cycles and
 * over-deep nesting a marker — a log call must never throw.
 */
export function redactSecrets(value: unknown): unknown {
  return redactValue(value, new WeakSet(), 0)
}

function redactValue(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redactString(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'function' || typeof value === 'symbol') return undefined
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value)) return '[Circular]'
  if (depth >= MAX_DEPTH) return '[Truncated]'
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  seen.add(value)
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, seen, depth + 1) ?? null)
    if (value instanceof Error) return redactError(value, seen, depth)
    if (value instanceof Map) return redactEntries([...value.entries()].map(([k, v]) => [String(k), v]), seen, depth)
    if (value instanceof Set) return [...value].map((item) => redactValue(item, seen, depth + 1) ?? null)
    return redactEntries(Object.entries(value), seen, depth)
  } finally {
    seen.delete(value)
  }
}

function redactEntries(entries: Array<[string, unknown]>, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, inner] of entries) {
    const copy = isSecretKey(key) && inner !== null && inner !== undefined ? REDACTED : redactValue(inner, seen, depth + 1)
    if (copy !== undefined) out[key] = copy
  }
  return out
}

function redactError(error: Error, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const own = redactEntries(Object.entries(error), seen, depth)
  return { name: error.name, message: redactString(error.message), ...(error.stack ? { stack: redactString(error.stack) } : {}), ...own }
}
