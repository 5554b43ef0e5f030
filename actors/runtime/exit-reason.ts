// Why an actor ended, in OTP terms. 'normal' and 'shutdown' (or { shutdown: detail }) are
// normal exits: transient children are not restarted and links do not propagate 'normal'.
// 'killed' means the actor was stopped without running terminate (kill, or a stop that timed
// out). 'noproc' is the reason seen when talking to an actor that does not exist. A crash
// carries whatever escaped the callback (normally an Error).

export type ExitReason =
  | 'normal'
  | 'shutdown'
  | 'killed'
  | 'noproc'
  | { readonly shutdown: unknown }
  | Error
  | (string & {})

export function isNormalExit(reason: ExitReason): boolean {
  if (reason === 'normal' || reason === 'shutdown') return true
  return typeof reason === 'object' && reason !== null && !(reason instanceof Error) && 'shutdown' in reason
}

/** One line for logs, trees and bus events. */
export function formatReason(reason: ExitReason): string {
  if (typeof reason === 'string') return reason
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`
  try {
    return JSON.stringify(reason)
  } catch {
    return String(reason)
  }
}

/** Turns anything thrown by a callback into an exit reason. */
export function reasonFromThrown(thrown: unknown): ExitReason {
  if (thrown instanceof Error || typeof thrown === 'string') return thrown
  if (typeof thrown === 'object' && thrown !== null && 'shutdown' in thrown) return thrown as { shutdown: unknown }
  return new Error(`non-Error thrown: ${safeString(thrown)}`, { cause: thrown })
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
