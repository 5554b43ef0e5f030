// A JSON-able copy of an actor's state for the console's state(name): no functions, no
// cycles, Maps and Sets as plain data, bounded depth so a huge structure cannot hang the hub.

const MAX_DEPTH = 8
const MAX_ITEMS = 1000

export function toJsonSafe(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'undefined' || typeof value === 'function' || typeof value === 'symbol') return undefined
  if (depth >= MAX_DEPTH) return '[…]'
  const obj = value as object
  if (seen.has(obj)) return '[circular]'
  seen.add(obj)
  try {
    if (obj instanceof Date) return obj.toISOString()
    if (obj instanceof Error) return { name: obj.name, message: obj.message }
    if (obj instanceof Map) {
      const out: Record<string, unknown> = {}
      let n = 0
      for (const [k, v] of obj) {
        if (n++ >= MAX_ITEMS) break
        out[String(k)] = toJsonSafe(v, depth + 1, seen)
      }
      return out
    }
    if (obj instanceof Set) return Array.from(obj).slice(0, MAX_ITEMS).map((v) => toJsonSafe(v, depth + 1, seen))
    if (Array.isArray(obj)) return obj.slice(0, MAX_ITEMS).map((v) => toJsonSafe(v, depth + 1, seen))
    if (ArrayBuffer.isView(obj)) return `[${obj.constructor.name} ${obj.byteLength} bytes]`
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(obj).slice(0, MAX_ITEMS)) {
      const v = toJsonSafe((obj as Record<string, unknown>)[key], depth + 1, seen)
      if (v !== undefined) out[key] = v
    }
    return out
  } finally {
    seen.delete(obj)
  }
}
