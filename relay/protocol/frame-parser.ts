// Step 2 of the inbound pipeline (protocol.md §1.2): JSON parsing. A parse failure answers
// invalid_json and is not a validation violation, so it is kept apart from validation.
import { errorFrame } from './ws-errors'
import type { ErrorFrame } from './ws-outbound'
import { exceedsJsonDepth } from './json-depth'

export type ParsedFrame = { ok: true; value: unknown } | { ok: false; error: 'invalid_json'; reply: ErrorFrame }

/** Parses one text frame. Never throws; any JSON value (object or not) is a successful parse. */
export function parseFrame(text: string): ParsedFrame {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, error: 'invalid_json', reply: errorFrame('invalid_json') }
  }
  if (exceedsJsonDepth(value)) return { ok: false, error: 'invalid_json', reply: errorFrame('invalid_json') }
  return { ok: true, value }
}
