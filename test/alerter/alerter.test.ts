import t from 'tap'
import {
  STARTUP_GRACE_MS,
  acknowledge,
  acknowledgeReply,
  alertsResponse,
  defaultThresholds,
  evaluate,
  growingRun,
  initialAlerterState,
  nextCheckAt,
  noteAgentOnline,
  thresholdsFromStored,
  updateThresholds,
  type AlertInputs,
  type AlertThresholds,
  type AlerterState,
  type Evaluation,
  type RuleId,
} from '../../actors/alerter'

const BOOT = 1_700_000_000_000
const FIRST = BOOT + STARTUP_GRACE_MS
const CHECK = 30_000

const quiet = (over: Partial<AlertInputs> = {}): AlertInputs => ({
  queue_depth: 0,
  errors_1h: { total_tasks: 0, failed: 0, dead_letter: 0, failure_rate_pct: 0 },
  assigned_tasks: [],
  agents_online: 1,
  llm_endpoints: [],
  ...over,
})

/** Runs checks at FIRST, FIRST+30 s, … with the given inputs; returns every evaluation. */
function run(inputs: AlertInputs[], thresholds: AlertThresholds = defaultThresholds(), start: AlerterState = initialAlerterState(BOOT), firstAt = FIRST): Evaluation[] {
  let state = start
  return inputs.map((input, i) => {
    const e = evaluate(state, input, thresholds, firstAt + i * CHECK)
    state = e.state
    return e
  })
}
const outcomesOf = (evals: Evaluation[], rule: RuleId) => evals.map((e) => e.outcomes[rule])
const last = (evals: Evaluation[]) => evals[evals.length - 1]

t.test('start-up grace: nothing is checked during the first 30 s; then every check_interval_ms', async (t) => {
  const state = initialAlerterState(BOOT)
  const thresholds = defaultThresholds()
  t.equal(nextCheckAt(state, thresholds), BOOT + 30_000)
  const early = evaluate(state, quiet({ agents_online: 0, queue_depth: 5 }), thresholds, BOOT + 29_999)
  t.equal(early.checked, false)
  t.equal(early.state, state)
  const first = evaluate(state, quiet(), thresholds, FIRST)
  t.equal(first.checked, true)
  t.equal(nextCheckAt(first.state, thresholds), FIRST + 30_000)
  const faster = updateThresholds(thresholds, { check_interval_ms: 5000 })
  t.equal(faster.ok && nextCheckAt(first.state, faster.thresholds), FIRST + 5000, 'a new interval applies to the next check')
})

t.test('queue_growing: fires after N strictly increasing samples, clears after 3 OK checks, counter restarts', async (t) => {
  t.same([growingRun([]), growingRun([5]), growingRun([3, 1, 2, 3]), growingRun([1, 2, 2])], [0, 1, 3, 1])
  const depths = [1, 2, 3, 3, 4, 5, 5, 5, 5]
  const evals = run(depths.map((d) => quiet({ queue_depth: d })))
  t.same(outcomesOf(evals, 'queue_growing'), ['inactive', 'inactive', 'fired', 'unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged', 'cleared'])
  const fired = evals[2].events[0]
  t.same(fired.type === 'alert_fired' && fired.alert, {
    rule_id: 'queue_growing',
    severity: 'warning',
    message: 'Queue growing: 1 -> 2 -> 3 over 3 checks',
    details: { trend: [1, 2, 3], current: 3, checks: 3, threshold: 3 },
    fired_at: FIRST + 2 * CHECK,
    acknowledged: false,
  })
  t.same(evals[5].state.queue_ok_checks, 0, 'growth re-triggering (3 → 4 → 5) during the OK streak restarts the count (the original did not)')
  t.same(evals[8].events, [{ type: 'alert_cleared', rule_id: 'queue_growing' }])
})

t.test('high_failure_rate: fires above the threshold, respects its cooldown, clears', async (t) => {
  const bad = quiet({ errors_1h: { total_tasks: 10, failed: 4, dead_letter: 2, failure_rate_pct: 60 } })
  const edge = quiet({ errors_1h: { total_tasks: 10, failed: 5, dead_letter: 0, failure_rate_pct: 50 } })
  t.same(outcomesOf(run([edge]), 'high_failure_rate'), ['inactive'], 'exactly 50 % does not fire')
  t.same(outcomesOf(run([quiet({ errors_1h: { total_tasks: 0, failed: 0, dead_letter: 0, failure_rate_pct: 100 } })]), 'high_failure_rate'), ['inactive'], 'no tasks, no rate')
  // cooldown 600 s = 20 checks: fire, 19 × unchanged, re-fire on the 21st check
  const evals = run([...Array(22).fill(bad), quiet()])
  const outcomes = outcomesOf(evals, 'high_failure_rate')
  t.equal(outcomes[0], 'fired')
  t.same(outcomes.slice(1, 20), Array(19).fill('unchanged'))
  t.equal(outcomes[20], 'refired', 'exactly 600 s after the last fire')
  t.equal(outcomes[21], 'unchanged')
  t.equal(outcomes[22], 'cleared')
  const refire = evals[20].events.find((e) => e.type === 'alert_fired')
  t.equal(refire?.type === 'alert_fired' && refire.alert.fired_at, FIRST, 're-fire keeps fired_at')
})

t.test('stuck_tasks (critical): boundary, details, re-fires every check regardless of cooldown', async (t) => {
  const now = FIRST
  const tasks = [
    { task_id: 'edge', assigned_at: now - 400_000, updated_at: now - 300_000 },
    ...['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => ({ task_id: id, assigned_at: now - 400_000 - i, updated_at: null })),
    { task_id: 'fresh', assigned_at: now - 10, updated_at: now - 10 },
  ]
  const thresholds = defaultThresholds()
  thresholds.cooldowns.stuck_tasks = 3_600_000
  const evals = run([quiet({ assigned_tasks: tasks }), quiet({ assigned_tasks: tasks }), quiet({ assigned_tasks: tasks }), quiet()], thresholds)
  t.same(outcomesOf(evals, 'stuck_tasks'), ['fired', 'refired', 'refired', 'cleared'], 'critical bypasses even a 1 h cooldown')
  const fired = evals[0].events[0]
  t.ok(fired.type === 'alert_fired')
  if (fired.type !== 'alert_fired') return
  t.equal(fired.alert.severity, 'critical')
  t.same(fired.alert.details, { task_ids: ['f', 'e', 'd', 'c', 'b', 'a'], count: 6, max_stuck_ms: 400_005, threshold_ms: 300_000 }, 'exactly 300 000 ms is not stuck')
  t.equal(fired.alert.message, '6 stuck task(s) with no progress for over 300s: f, e, d, c, b, … (+1)')
})

t.test('no_agents_online fires when agents were connected and none are (not on a fresh hub)', async (t) => {
  const evals = run([quiet({ agents_online: 0 }), quiet({ agents_online: 0 }), quiet({ agents_online: 2 }), quiet({ agents_online: 0 }), quiet({ agents_online: 0 }), quiet({ agents_online: 1 })])
  t.same(outcomesOf(evals, 'no_agents_online'), ['inactive', 'inactive', 'inactive', 'fired', 'refired', 'cleared'])
  // an agent that joined and left between two checks still arms the rule (presence event)
  const armed = noteAgentOnline(initialAlerterState(BOOT))
  t.same(outcomesOf(run([quiet({ agents_online: 0 })], defaultThresholds(), armed), 'no_agents_online'), ['fired'])
})

t.test('high_error_rate: more failures than error_count_hour in the rolling hour', async (t) => {
  const errors = (failed: number) => quiet({ errors_1h: { total_tasks: 100, failed, dead_letter: 0, failure_rate_pct: failed } })
  t.same(outcomesOf(run([errors(10), errors(11), errors(11), errors(3)]), 'high_error_rate'), ['inactive', 'fired', 'unchanged', 'cleared'])
})

t.test('tier_down: none healthy for ≥ 60 s fires; a healthy endpoint clears; no endpoints is no condition', async (t) => {
  const down = quiet({ llm_endpoints: [{ id: 'h1:11434', status: 'unhealthy' }, { id: 'h2:11434', status: 'unknown' }] })
  const up = quiet({ llm_endpoints: [{ id: 'h1:11434', status: 'healthy' }, { id: 'h2:11434', status: 'unknown' }] })
  const evals = run([down, down, down, up, quiet()])
  t.same(outcomesOf(evals, 'tier_down'), ['inactive', 'inactive', 'fired', 'cleared', 'inactive'])
  const fired = evals[2].events[0]
  t.same(fired.type === 'alert_fired' && [fired.alert.message, fired.alert.details, fired.alert.severity], [
    'Ollama tier down: no healthy endpoints for 60s',
    { unhealthy_endpoints: ['h1:11434', 'h2:11434'], duration_ms: 60_000 },
    'warning',
  ])
  t.equal(evals[3].state.tier_down_since, null)
  t.same(outcomesOf(run([quiet({ ...down, tier_down_alert_threshold_ms: 0 })]), 'tier_down'), ['fired'], 'configurable threshold')
})

t.test('thresholds set through the API change behaviour at the very next check', async (t) => {
  const bad = quiet({ errors_1h: { total_tasks: 10, failed: 6, dead_letter: 0, failure_rate_pct: 60 } })
  let thresholds = defaultThresholds()
  const first = run([bad], thresholds)
  t.equal(first[0].outcomes.high_failure_rate, 'fired')
  const raised = updateThresholds(thresholds, { failure_rate_pct: 70, cooldowns: { high_error_rate: 0 } })
  t.same(raised.ok && raised.reply, { status: 'updated', effective: 'next_check_cycle' })
  if (!raised.ok) return
  thresholds = raised.thresholds
  t.equal(thresholds.cooldowns.high_failure_rate, 600_000, 'cooldowns merge per rule')
  t.equal(thresholds.cooldowns.high_error_rate, 0)
  const next = evaluate(first[0].state, bad, thresholds, FIRST + CHECK)
  t.equal(next.outcomes.high_failure_rate, 'cleared', '60 % no longer exceeds the new 70 %')
  // a zero cooldown makes a warning rule re-fire every check
  const errors = quiet({ errors_1h: { total_tasks: 100, failed: 20, dead_letter: 0, failure_rate_pct: 20 } })
  t.same(outcomesOf(run([errors, errors, errors], thresholds), 'high_error_rate'), ['fired', 'refired', 'refired'])
  const fewer = updateThresholds(thresholds, { queue_growing_checks: 2, error_count_hour: 50 })
  if (!fewer.ok) throw new Error('expected ok')
  t.same(outcomesOf(run([quiet({ queue_depth: 1 }), quiet({ queue_depth: 2 })], fewer.thresholds), 'queue_growing'), ['inactive', 'fired'])
  t.same(outcomesOf(run([errors], fewer.thresholds), 'high_error_rate'), ['inactive'])
})

t.test('threshold validation: 422 validation_failed on bad input, nothing changes', async (t) => {
  const current = defaultThresholds()
  for (const body of [{ failure_rate_pct: '50' }, { failure_rate_pct: 150 }, { stuck_task_ms: 0 }, { check_interval_ms: 10 }, { bogus: 1 }, { cooldowns: { nope: 1 } }, { cooldowns: { tier_down: -1 } }, [], null]) {
    const r = updateThresholds(current, body)
    t.equal(r.ok, false, JSON.stringify(body))
    if (!r.ok) {
      t.equal(r.status, 422)
      t.equal(r.body.error, 'validation_failed')
      t.ok(r.body.errors.length > 0)
    }
  }
  t.same(defaultThresholds(), {
    queue_growing_checks: 3,
    failure_rate_pct: 50,
    stuck_task_ms: 300_000,
    error_count_hour: 10,
    check_interval_ms: 30_000,
    cooldowns: { queue_growing: 300_000, high_failure_rate: 600_000, stuck_tasks: 0, no_agents_online: 0, high_error_rate: 300_000, tier_down: 300_000 },
  })
})

t.test('stored thresholds: the full map round-trips; a legacy verbatim value is ignored with a reason', async (t) => {
  const updated = updateThresholds(defaultThresholds(), { failure_rate_pct: 25, cooldowns: { tier_down: 1 } })
  if (!updated.ok) throw new Error('expected ok')
  const stored = JSON.parse(JSON.stringify(updated.thresholds))
  t.same(thresholdsFromStored(stored), { thresholds: updated.thresholds, problem: null })
  t.same(thresholdsFromStored(null), { thresholds: defaultThresholds(), problem: null })
  const legacy = thresholdsFromStored({ failure_rate_pct: 'high', whatever: true })
  t.same(legacy.thresholds, defaultThresholds())
  t.match(legacy.problem, /ignored/)
})

t.test('acknowledge suppresses re-fires until the alert clears; replies and events', async (t) => {
  const none = quiet({ agents_online: 0 })
  const fired = run([quiet({ agents_online: 1 }), none])
  let state = last(fired).state
  t.same(acknowledgeReply(false, 'queue_growing'), { status: 404, body: { error: 'alert_not_found' } })
  t.equal(acknowledge(state, 'queue_growing').found, false)
  t.equal(acknowledge(state, 'nonsense').found, false)
  const ack = acknowledge(state, 'no_agents_online')
  t.same([ack.found, ack.event], [true, { type: 'alert_acknowledged', rule_id: 'no_agents_online' }])
  t.same(acknowledgeReply(true, 'no_agents_online'), { status: 200, body: { status: 'acknowledged', rule_id: 'no_agents_online' } })
  state = ack.state
  t.equal(acknowledge(state, 'no_agents_online').event, null, 'acknowledging twice publishes nothing')
  const evals = run([none, none, quiet({ agents_online: 1 }), none], defaultThresholds(), state, FIRST + 2 * CHECK)
  t.same(outcomesOf(evals, 'no_agents_online'), ['suppressed', 'suppressed', 'cleared', 'fired'])
  const refired = evals[3].events[0]
  t.equal(refired.type === 'alert_fired' && refired.alert.acknowledged, false, 'a new alert after clearing is unacknowledged')
  const response = alertsResponse(last(evals).state, FIRST + 10 * CHECK)
  t.same(response, {
    alerts: [{ rule_id: 'no_agents_online', severity: 'critical', message: 'No agents online: every agent that was connected has gone', details: { agents_online: 0 }, fired_at: FIRST + 5 * CHECK, acknowledged: false }],
    timestamp: FIRST + 10 * CHECK,
  })
})
