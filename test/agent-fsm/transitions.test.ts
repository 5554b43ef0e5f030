import t from 'tap'
import {
  ALLOWED_TRANSITIONS,
  applyAgentEvent,
  canTransition,
  capabilityNames,
  initialAgentState,
  normalizeCapabilities,
  type AgentFsm,
  type FsmEvent,
  type FsmResult,
  type FsmState,
} from '../../actors/agent-fsm/transitions'

const T0 = 1_700_000_000_000

const idle = (): AgentFsm => initialAgentState({ agent_id: 'a1', now: T0, assignedTaskIds: [] }).state

/** Runs events in order, 1 s apart; returns every result. */
function run(state: AgentFsm, events: FsmEvent[]): FsmResult[] {
  const out: FsmResult[] = []
  let s = state
  events.forEach((e, i) => {
    const r = applyAgentEvent(s, e, T0 + (i + 1) * 1000)
    out.push(r)
    s = r.state
  })
  return out
}
const last = (rs: FsmResult[]): FsmResult => rs[rs.length - 1]!

t.test('transition table of §3.2 (plus assigned → blocked for task_rejected)', async (t) => {
  const states: FsmState[] = ['idle', 'assigned', 'working', 'blocked', 'offline']
  const allowed = new Set(Object.entries(ALLOWED_TRANSITIONS).flatMap(([f, tos]) => tos.map((to) => `${f}>${to}`)))
  t.same([...allowed].sort(), [
    'assigned>blocked', 'assigned>idle', 'assigned>offline', 'assigned>working',
    'blocked>idle', 'blocked>offline', 'blocked>working',
    'idle>assigned', 'idle>offline',
    'working>blocked', 'working>idle', 'working>offline',
  ])
  for (const f of states) for (const to of states) t.equal(canTransition(f, to), allowed.has(`${f}>${to}`), `${f} → ${to}`)
})

t.test('capabilities: strings become {name}, objects kept, others dropped', async (t) => {
  const caps = normalizeCapabilities(['git', { name: 'gpu', vram: 24 }, 3, null, ['x'], { kind: 'no-name' }])
  t.same(caps, [{ name: 'git' }, { name: 'gpu', vram: 24 }, { kind: 'no-name' }])
  t.same(capabilityNames(caps), ['git', 'gpu'])
  t.same(normalizeCapabilities('git'), [])
})

t.test('start-up: idle, or assigned with a fresh acceptance timer when the queue holds a task (§3.4)', async (t) => {
  const fresh = initialAgentState({ agent_id: 'a1', name: 'Forge', capabilities: ['git'], now: T0, assignedTaskIds: [] })
  t.match(fresh.state, {
    agent_id: 'a1', name: 'Forge', fsm_state: 'idle', current_task_id: null, connected_at: T0, last_state_change: T0, flags: [],
  })
  t.same(fresh.state.capabilities, [{ name: 'git' }])
  t.same(fresh.effects, [])
  t.equal(initialAgentState({ agent_id: 'a1', now: T0, assignedTaskIds: [] }).state.name, 'a1', 'name defaults to the id')

  const resumed = initialAgentState({ agent_id: 'a1', now: T0, assignedTaskIds: ['task-1'] })
  t.match(resumed.state, { fsm_state: 'assigned', current_task_id: 'task-1' })
  t.same(resumed.effects, [{ type: 'start_acceptance_timer', task_id: 'task-1', ms: 60_000 }])

  const doubled = initialAgentState({ agent_id: 'a1', now: T0, assignedTaskIds: ['task-1', 'task-2'] })
  t.equal(doubled.state.current_task_id, 'task-1')
  t.same(doubled.effects, [
    { type: 'reclaim_task', task_id: 'task-2', reason: 'agent_disconnect' },
    { type: 'start_acceptance_timer', task_id: 'task-1', ms: 60_000 },
  ], 'a second task held by the agent is given back')
})

t.test('happy path: idle → assigned → working → idle with agent_idle', async (t) => {
  const rs = run(idle(), [
    { type: 'task_assigned', task_id: 'task-1' },
    { type: 'task_accepted', task_id: 'task-1' },
    { type: 'report_accepted', task_id: 'task-1' },
  ])
  t.same(rs.map((r) => r.transition), [
    { from: 'idle', to: 'assigned', in_previous_state_ms: 1000 },
    { from: 'assigned', to: 'working', in_previous_state_ms: 1000 },
    { from: 'working', to: 'idle', in_previous_state_ms: 1000 },
  ])
  t.same(rs.map((r) => r.effects), [
    [{ type: 'start_acceptance_timer', task_id: 'task-1', ms: 60_000 }],
    [{ type: 'cancel_acceptance_timer' }],
    [{ type: 'publish_agent_idle' }],
  ])
  t.match(last(rs).state, { fsm_state: 'idle', current_task_id: null, last_state_change: T0 + 3000 })
  t.same(rs[0]!.state.current_task_id, 'task-1')
})

t.test('an agent never holds two tasks: assignment only from idle', async (t) => {
  const rs = run(idle(), [
    { type: 'task_assigned', task_id: 'task-1' },
    { type: 'task_assigned', task_id: 'task-2' },
  ])
  t.equal(rs[1]!.transition, null)
  t.match(rs[1]!.ignored, /cannot take task-2 while assigned/)
  t.equal(rs[1]!.state.current_task_id, 'task-1')
  t.same(rs[1]!.effects, [])
})

t.test('accept for another task, or while not assigned, is ignored', async (t) => {
  const rs = run(idle(), [
    { type: 'task_accepted', task_id: 'task-1' },
    { type: 'task_assigned', task_id: 'task-1' },
    { type: 'task_accepted', task_id: 'task-9' },
  ])
  t.ok(rs[0]!.ignored)
  t.ok(rs[2]!.ignored)
  t.equal(last(rs).state.fsm_state, 'assigned')
})

t.test('fix: task_continue counts as acceptance (no reclaim 60 s after a reconnect)', async (t) => {
  const start = initialAgentState({ agent_id: 'a1', now: T0, assignedTaskIds: ['task-1'] }).state
  const r = applyAgentEvent(start, { type: 'task_continued', task_id: 'task-1' }, T0 + 500)
  t.equal(r.state.fsm_state, 'working')
  t.same(r.effects, [{ type: 'cancel_acceptance_timer' }])
})

t.test('fix: a completion accepted while still assigned (no task_accepted) goes idle', async (t) => {
  const r = last(run(idle(), [
    { type: 'task_assigned', task_id: 'task-1' },
    { type: 'report_accepted', task_id: 'task-1' },
  ]))
  t.equal(r.state.fsm_state, 'idle')
  t.same(r.effects, [{ type: 'cancel_acceptance_timer' }, { type: 'publish_agent_idle' }])
})

t.test('acceptance timeout: reclaim, idle, unresponsive flag, no agent_idle', async (t) => {
  const r = last(run(idle(), [
    { type: 'task_assigned', task_id: 'task-1' },
    { type: 'acceptance_timeout', task_id: 'task-1' },
  ]))
  t.match(r.state, { fsm_state: 'idle', current_task_id: null, flags: ['unresponsive'] })
  t.same(r.effects, [{ type: 'reclaim_task', task_id: 'task-1', reason: 'acceptance_timeout' }])
  const again = last(run(r.state, [
    { type: 'task_assigned', task_id: 'task-2' },
    { type: 'acceptance_timeout', task_id: 'task-2' },
    { type: 'task_assigned', task_id: 'task-3' },
    { type: 'task_accepted', task_id: 'task-3' },
  ]))
  t.same(again.state.flags, ['unresponsive'], 'set once, never cleared')
})

t.test('a timeout for a task that is no longer current is ignored', async (t) => {
  const rs = run(idle(), [
    { type: 'task_assigned', task_id: 'task-1' },
    { type: 'task_accepted', task_id: 'task-1' },
    { type: 'acceptance_timeout', task_id: 'task-1' },
    { type: 'report_accepted', task_id: 'task-1' },
    { type: 'task_assigned', task_id: 'task-2' },
    { type: 'acceptance_timeout', task_id: 'task-1' },
  ])
  t.ok(rs[2]!.ignored, 'after acceptance')
  t.ok(rs[5]!.ignored, 'for an older task')
  t.match(last(rs).state, { fsm_state: 'assigned', current_task_id: 'task-2', flags: [] })
})

t.test('fix: hub-side reclaims (stuck, overdue, anyone) return the agent to idle', async (t) => {
  for (const reason of ['stuck', 'overdue', 'agent_disconnect', 'acceptance_timeout', 'failed', 'completed'] as const) {
    for (const accepted of [true, false]) {
      const events: FsmEvent[] = [{ type: 'task_assigned', task_id: 'task-1' }]
      if (accepted) events.push({ type: 'task_accepted', task_id: 'task-1' })
      events.push({ type: 'task_released', task_id: 'task-1', reason })
      const r = last(run(idle(), events))
      t.match(r.state, { fsm_state: 'idle', current_task_id: null }, `${reason} while ${accepted ? 'working' : 'assigned'}`)
      t.same(r.effects.at(-1), { type: 'publish_agent_idle' })
      if (!accepted) t.same(r.effects[0], { type: 'cancel_acceptance_timer' })
    }
  }
  const other = last(run(idle(), [
    { type: 'task_assigned', task_id: 'task-2' },
    { type: 'task_released', task_id: 'task-1', reason: 'stuck' },
  ]))
  t.ok(other.ignored, 'a release of a task the agent no longer holds changes nothing')
  t.equal(other.state.current_task_id, 'task-2')
})

t.test('fix: a rejected report of the current task returns a working agent to idle', async (t) => {
  const r = last(run(idle(), [
    { type: 'task_assigned', task_id: 'task-1' },
    { type: 'task_accepted', task_id: 'task-1' },
    { type: 'report_rejected', task_id: 'task-1' },
  ]))
  t.match(r.state, { fsm_state: 'idle', current_task_id: null })
  t.same(r.effects, [{ type: 'publish_agent_idle' }])
})

t.test('a rejected report while a new assignment is in flight, or about an old task, is ignored', async (t) => {
  const assigned = run(idle(), [
    { type: 'task_assigned', task_id: 'task-2' },
    { type: 'report_rejected', task_id: 'task-1' },
  ])
  t.ok(last(assigned).ignored)
  t.equal(last(assigned).state.fsm_state, 'assigned')
  const working = run(idle(), [
    { type: 'task_assigned', task_id: 'task-2' },
    { type: 'task_accepted', task_id: 'task-2' },
    { type: 'report_rejected', task_id: 'task-1' },
  ])
  t.ok(last(working).ignored)
  t.equal(last(working).state.fsm_state, 'working')
})

t.test('task_rejected (sidecar busy): blocked, then idle on its next report or the blocked timer', async (t) => {
  const blocked = last(run(idle(), [
    { type: 'task_assigned', task_id: 'task-2' },
    { type: 'task_released', task_id: 'task-2', reason: 'rejected' },
  ]))
  t.match(blocked.state, { fsm_state: 'blocked', current_task_id: null })
  t.same(blocked.effects, [{ type: 'cancel_acceptance_timer' }, { type: 'start_blocked_timer', ms: 300_000 }])
  t.ok(applyAgentEvent(blocked.state, { type: 'task_assigned', task_id: 'task-3' }, T0 + 9e3).ignored, 'not offered work while blocked')

  for (const event of [
    { type: 'report_rejected', task_id: 'task-1' },
    { type: 'report_accepted', task_id: 'task-1' },
    { type: 'blocked_timeout' },
  ] as FsmEvent[]) {
    const r = applyAgentEvent(blocked.state, event, T0 + 10_000)
    t.match(r.state, { fsm_state: 'idle' }, event.type)
    t.same(r.effects.at(-1), { type: 'publish_agent_idle' })
    if (event.type !== 'blocked_timeout') t.same(r.effects[0], { type: 'cancel_blocked_timer' })
  }
  t.ok(applyAgentEvent(idle(), { type: 'blocked_timeout' }, T0).ignored, 'a stale blocked timer is ignored')
})

t.test('socket ended: offline from any state, current task reclaimed, terminal', async (t) => {
  const cases: Array<[FsmEvent[], unknown[]]> = [
    [[], [{ type: 'stop' }]],
    [[{ type: 'task_assigned', task_id: 'task-1' }], [
      { type: 'cancel_acceptance_timer' },
      { type: 'reclaim_task', task_id: 'task-1', reason: 'agent_disconnect' },
      { type: 'stop' },
    ]],
    [[{ type: 'task_assigned', task_id: 'task-1' }, { type: 'task_accepted', task_id: 'task-1' }], [
      { type: 'reclaim_task', task_id: 'task-1', reason: 'agent_disconnect' },
      { type: 'stop' },
    ]],
    [[{ type: 'task_assigned', task_id: 'task-1' }, { type: 'task_released', task_id: 'task-1', reason: 'rejected' }], [
      { type: 'cancel_blocked_timer' },
      { type: 'stop' },
    ]],
  ]
  for (const [before, effects] of cases) {
    const r = last(run(idle(), [...before, { type: 'socket_ended' }]))
    t.equal(r.state.fsm_state, 'offline')
    t.equal(r.state.current_task_id, null)
    t.same(r.effects, effects)
    t.ok(applyAgentEvent(r.state, { type: 'task_assigned', task_id: 'task-x' }, T0).ignored, 'offline is terminal')
    t.ok(applyAgentEvent(r.state, { type: 'socket_ended' }, T0).ignored)
  }
})

t.test('the input state is never mutated', async (t) => {
  const s = idle()
  const copy = JSON.parse(JSON.stringify(s))
  applyAgentEvent(s, { type: 'task_assigned', task_id: 'task-1' }, T0 + 1)
  t.same(s, copy)
})
