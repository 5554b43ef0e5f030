import t from 'tap'
import {
  COOLDOWN_LADDER_MS,
  DISCONNECT_DECAY_MS,
  DisconnectLedger,
  NO_VIOLATIONS,
  RECENT_FAILURES_KEPT,
  ValidationFailureHistory,
  cooldownCloseReason,
  recordValidationFailure,
  type ConnectionViolations,
} from '../../actors/validation-tracker'

const T0 = 1_700_000_000_000

function failTimes(times: number[], start: ConnectionViolations = NO_VIOLATIONS) {
  let state = start
  const actions: string[] = []
  for (const at of times) {
    const outcome = recordValidationFailure(state, at)
    actions.push(outcome.action)
    state = outcome.violations
  }
  return { state, actions }
}

t.test('the 10th failure inside the window closes with 1008 "too many validation errors"', async (t) => {
  const nine = failTimes(Array.from({ length: 9 }, (_, i) => T0 + i * 1000))
  t.same(nine.actions, Array(9).fill('reply'))
  t.same(nine.state, { count: 9, window_start: T0 })
  const tenth = recordValidationFailure(nine.state, T0 + 60_000)
  t.same(tenth, { action: 'close', code: 1008, reason: 'too many validation errors', violations: { count: 10, window_start: T0 } }, 'exactly 60 000 ms after the first failure is still inside')
})

t.test('the window is anchored at its first failure, not sliding', async (t) => {
  const nine = failTimes(Array.from({ length: 9 }, (_, i) => T0 + 50_000 + i * 100))
  t.equal(nine.state.window_start, T0 + 50_000)
  const late = recordValidationFailure({ count: 9, window_start: T0 }, T0 + 60_001)
  t.same(late, { action: 'reply', violations: { count: 1, window_start: T0 + 60_001 } }, '60 001 ms later a new window starts')
})

t.test('cooldown ladder 30 s / 60 s / 300 s with the exact close reason', async (t) => {
  const ledger = new DisconnectLedger()
  t.same(ledger.admitIdentify('a', T0), { ok: true })
  t.equal(ledger.recordDisconnect('a', T0), 1)
  t.same(ledger.admitIdentify('a', T0), { ok: false, code: 1008, reason: 'cooldown active: retry in 31s', remaining_ms: 30_000 })
  t.same(ledger.admitIdentify('a', T0 + 29_001), { ok: false, code: 1008, reason: 'cooldown active: retry in 1s', remaining_ms: 999 })
  t.same(ledger.admitIdentify('a', T0 + 30_000), { ok: true }, 'over at exactly 30 s')

  t.equal(ledger.recordDisconnect('a', T0 + 40_000), 2)
  t.equal(ledger.cooldownRemaining('a', T0 + 40_000), 60_000)
  t.equal(ledger.cooldownRemaining('a', T0 + 100_000), 0)
  t.equal(ledger.recordDisconnect('a', T0 + 100_000), 3)
  t.equal(ledger.cooldownRemaining('a', T0 + 100_000), 300_000)
  t.equal(ledger.recordDisconnect('a', T0 + 400_000), 4)
  t.equal(ledger.cooldownRemaining('a', T0 + 400_000), 300_000, '≥3 stays at 5 minutes')
  t.equal(ledger.cooldownRemaining('b', T0), 0, 'other agents unaffected')
  t.same([...COOLDOWN_LADDER_MS], [30_000, 60_000, 300_000])
  t.equal(cooldownCloseReason(1), 'cooldown active: retry in 1s')
  t.equal(cooldownCloseReason(1000), 'cooldown active: retry in 2s')
})

t.test('counts decay one step per 10 quiet minutes and a new disconnect climbs from there', async (t) => {
  const ledger = new DisconnectLedger()
  let at = T0
  for (let i = 0; i < 3; i++) {
    ledger.recordDisconnect('a', at)
    at += 300_000
  }
  const last = T0 + 600_000
  t.same(ledger.get('a', last), { disconnect_count: 3, last_disconnect_at: last })
  t.same(ledger.get('a', last + DISCONNECT_DECAY_MS - 1), { disconnect_count: 3, last_disconnect_at: last })
  t.same(ledger.get('a', last + DISCONNECT_DECAY_MS), { disconnect_count: 2, last_disconnect_at: last })
  t.equal(ledger.recordDisconnect('a', last + DISCONNECT_DECAY_MS), 3, 'after 10 quiet min the next disconnect costs 5 min again, not a 4th step')
  const again = last + DISCONNECT_DECAY_MS
  t.equal(ledger.recordDisconnect('a', again + 2 * DISCONNECT_DECAY_MS), 2, 'two decay steps later: second rung')
  t.equal(ledger.cooldownRemaining('a', again + 2 * DISCONNECT_DECAY_MS), 60_000)
  const latest = again + 2 * DISCONNECT_DECAY_MS
  t.equal(ledger.get('a', latest + 2 * DISCONNECT_DECAY_MS), null, 'fully decayed')
  t.equal(ledger.prune(latest + 2 * DISCONNECT_DECAY_MS - 1), 0)
  t.equal(ledger.prune(latest + 2 * DISCONNECT_DECAY_MS), 1)
  t.equal(ledger.size, 0)
  t.equal(ledger.recordDisconnect('a', latest + 3 * DISCONNECT_DECAY_MS), 1, 'clean slate: 30 s rung')
})

t.test('decay never shortens a running cooldown', async (t) => {
  const ledger = new DisconnectLedger()
  for (let i = 0; i < 5; i++) ledger.recordDisconnect('a', T0)
  for (let ms = 0; ms < 300_000; ms += 10_000) t.equal(ledger.cooldownRemaining('a', T0 + ms), 300_000 - ms)
})

t.test('dashboard view: newest first, capped, rolling-hour counts by agent', async (t) => {
  const history = new ValidationFailureHistory()
  for (let i = 0; i < 60; i++) {
    history.recordFailure({ agent_id: i % 3 === 0 ? null : `agent-${i % 2}`, message_type: 'task_complete', error_count: 1, timestamp: T0 + i * 1000 })
  }
  history.recordDisconnect({ agent_id: 'agent-1', timestamp: T0 + 5000 })
  const view = history.view(T0 + 60_000)
  t.equal(view.recent_failures.length, RECENT_FAILURES_KEPT)
  t.equal(view.recent_failures[0].timestamp, T0 + 59_000, 'newest first')
  t.equal(view.total_failures_this_hour, 60)
  t.same(view.failure_counts_by_agent, { unidentified: 20, 'agent-1': 20, 'agent-0': 20 })
  t.same(view.recent_disconnects, [{ agent_id: 'agent-1', timestamp: T0 + 5000 }])
  // the hour rolls: failures age out minute by minute instead of on a fixed hourly reset
  history.recordFailure({ agent_id: 'agent-9', message_type: 'ping', error_count: 2, timestamp: T0 + 30 * 60_000 })
  t.equal(history.failuresThisHour(T0 + 30 * 60_000), 61)
  t.equal(history.failuresThisHour(T0 + 61 * 60_000), 1, 'the early burst has left the window')
  t.same(history.view(T0 + 61 * 60_000).failure_counts_by_agent, { 'agent-9': 1 })
  t.equal(history.failuresThisHour(T0 + 91 * 60_000), 0)
})
