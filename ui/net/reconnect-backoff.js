// Reconnect delays for the dashboard socket: 1 s doubling up to 30 s, plus up to 30 % jitter so a
// hub restart is not met by every open dashboard at the same instant (protocol.md §5).
export const BASE_DELAY_MS = 1000
export const MAX_DELAY_MS = 30000
export const MAX_JITTER = 0.3

/** Delay before reconnect attempt `attempt` (0 = first retry after a drop). */
export function reconnectDelay(attempt, random = Math.random) {
  const exponent = Math.max(0, Math.min(attempt, 30))
  const base = Math.min(BASE_DELAY_MS * 2 ** exponent, MAX_DELAY_MS)
  return Math.round(base * (1 + MAX_JITTER * random()))
}
