// The dashboard-state actor with a test ActorSystem, a VirtualClock and fake peers under the
// real names: snapshot shape (§5.3), optional peers, counting (each completion once), health.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestSystem } from '../../actors/runtime'
import { ACTOR, TOPIC } from '../../actors/names'
import { DashboardStateActor, type DashboardSnapshot } from '../../actors/dashboard-state'
import { openStorage, type Storage } from '../../storage'
import { startFakeAgents, startFakeQueue, startSilentPeer, taskView, emptyQueueState } from './fake-peers'

const T0 = 1_700_000_000_000

async function setup(t: { teardown(fn: () => unknown): void }, opts: { storage?: boolean } = {}) {
  const { system, clock, shutdown } = createTestSystem({ start: T0 })
  t.teardown(shutdown)
  let storage: Storage | null = null
  if (opts.storage) {
    const dir = mkdtempSync(join(tmpdir(), 'dash-state-'))
    storage = openStorage({ dataDir: dir })
    t.teardown(async () => {
      await shutdown()
      await storage!.close()
      rmSync(dir, { recursive: true, force: true })
    })
  }
  return { system, clock, storage }
}

const snapshotOf = (system: ReturnType<typeof createTestSystem>['system']) => system.byName(ACTOR.dashboardState).call<DashboardSnapshot>({ type: 'snapshot' })

t.test('snapshot: every §5.3 section, built from the peers, missing peers give empty sections', async (t) => {
  const { system, storage } = await setup(t, { storage: true })
  const queue = emptyQueueState()
  queue.stats = { by_status: { queued: 2, assigned: 1 }, by_priority: { '0': 1, '2': 2 }, dead_letter: 1, queued_index_size: 2 }
  queue.queued = [taskView('task-a', { priority: 0, complexity: { effective_tier: 'trivial' } }), taskView('task-b')]
  queue.assigned = [taskView('task-c', { status: 'assigned', assigned_to: 'alpha', assigned_at: T0, updated_at: T0 })]
  queue.deadLetter = [taskView('task-d', { status: 'dead_letter', last_error: 'boom', retry_count: 3 })]
  await startFakeQueue(system, queue)
  await startFakeAgents(system, [
    { agent_id: 'alpha', name: 'Alpha', fsm_state: 'working', current_task_id: 'task-c', capabilities: [{ name: 'code' }], flags: {}, connected_at: T0, last_state_change: T0 },
  ])
  await system.spawn(DashboardStateActor, { storage, bootedAt: T0 - 5_000 }, { name: ACTOR.dashboardState })

  const s = await snapshotOf(system)
  t.equal(s.uptime_ms, 5_000)
  t.equal(s.timestamp, T0)
  t.same(s.queue, { by_status: { queued: 2, assigned: 1, completed: 0 }, by_priority: { '0': 1, '1': 0, '2': 1, '3': 0 }, dead_letter: 1 }, 'by_priority counts the queued tasks, not the whole active table')
  t.same(s.queued_tasks.map((q) => [q.id, q.priority, q.complexity_tier]), [['task-a', 0, 'trivial'], ['task-b', 2, null]])
  t.same(s.dead_letter_tasks, [{ id: 'task-d', description: 'task task-d', last_error: 'boom', retry_count: 3, created_at: 1_000, priority: 2 }])
  t.same(s.agents, [{ agent_id: 'alpha', name: 'Alpha', fsm_state: 'working', current_task_id: 'task-c', capabilities: [{ name: 'code' }], connected_at: T0, last_state_change: T0 }])
  t.same(s.recent_completions, [])
  t.same(s.throughput, { completed_last_hour: 0, avg_completion_ms: 0, total_tokens_hour: 0 })
  t.ok(Array.isArray(s.dets_health.tables), 'storage tables listed')
  t.equal((s.dets_health.tables as unknown[]).length, 10)
  t.same(s.validation, { recent_failures: [], failure_counts_by_agent: {}, recent_disconnects: [], total_failures_this_hour: 0 })
  t.same(s.active_alerts, [])
  t.same(s.rate_limits, { summary: { total_violations_1h: 0, active_rate_limited: 0, exempt_count: 0, top_offenders: [] }, per_agent: {} })
  t.same(s.llm_registry, { endpoints: [], resources: {}, fleet_models: {} })
  t.same(s.repo_registry, { repos: [] })
  t.same(s.routing_stats, { total_routed: 0, by_tier: {}, by_target: {}, fallback_count: 0 })
  t.same(s.health, { status: 'ok', conditions: [] }, 'a fresh hub is ok')
})

t.test('snapshot without any peer: empty sections, no error', async (t) => {
  const { system } = await setup(t)
  await system.spawn(DashboardStateActor, {}, { name: ACTOR.dashboardState })
  const s = await snapshotOf(system)
  t.same(s.agents, [])
  t.same(s.queue.by_status, { queued: 0, assigned: 0, completed: 0 })
  t.same(s.dead_letter_tasks, [])
  t.equal(s.health.status, 'critical', 'no storage open is critical')
  t.same(s.health.conditions, ['Storage unavailable'])
})

t.test('a peer that never answers costs one peer timeout and gives an empty section', async (t) => {
  const { system, clock } = await setup(t)
  const kill = await startSilentPeer(system, ACTOR.agents)
  t.teardown(kill)
  await startFakeQueue(system)
  await system.spawn(DashboardStateActor, { peerTimeoutMs: 1_000 }, { name: ACTOR.dashboardState })
  let settled: DashboardSnapshot | null = null
  const pending = snapshotOf(system).then((s) => (settled = s))
  await clock.advance(999)
  t.equal(settled, null, 'still waiting for the silent peer')
  await clock.advance(1)
  await pending
  t.same(settled!.agents, [])
})

t.test('completions: only the queue task_completed counts, each completion once', async (t) => {
  const { system, clock } = await setup(t)
  await system.spawn(DashboardStateActor, {}, { name: ACTOR.dashboardState })
  const bus = system.bus
  const done = taskView('task-1', { status: 'completed', assigned_at: T0 - 30_000, tokens_used: 1200, generation: 1, result: { model_used: 'qwen', tokens_in: 10, tokens_out: 20 } })
  // the socket's own report events (the original counted these too)
  bus.publish(TOPIC.tasks, { type: 'task_event', source: 'socket', event: 'task_complete', task_id: 'task-1', agent_id: 'alpha', timestamp: T0 })
  bus.publish(TOPIC.tasks, { type: 'task_event', source: 'socket', event: 'task_progress', task_id: 'task-1', agent_id: 'alpha', timestamp: T0 })
  bus.publish(TOPIC.tasks, { type: 'task_event', event: 'task_completed', task_id: 'task-1', agent_id: 'alpha', task: done, timestamp: T0 })
  // a duplicate delivery of the same completion
  bus.publish(TOPIC.tasks, { type: 'task_event', event: 'task_completed', task_id: 'task-1', agent_id: 'alpha', task: done, timestamp: T0 })
  // a failure that dead-letters: one event, one failure
  bus.publish(TOPIC.tasks, { type: 'task_event', event: 'task_dead_letter', task_id: 'task-2', agent_id: 'beta', task: taskView('task-2', { last_error: 'x' }), timestamp: T0 })
  // an operator retry of a dead letter is not a failure
  bus.publish(TOPIC.tasks, { type: 'task_event', event: 'task_retried', task_id: 'task-2', agent_id: null, task: taskView('task-2', { last_error: null }), timestamp: T0 })
  await clock.settle()
  const s = await snapshotOf(system)
  t.equal(s.recent_completions.length, 1, 'one ring entry')
  t.match(s.recent_completions[0], { task_id: 'task-1', agent_id: 'alpha', description: 'task task-1', duration_ms: 30_000, tokens_used: 1200, completed_at: T0 })
  t.same(s.recent_completions[0]!.execution_meta, { model_used: 'qwen', tokens_in: 10, tokens_out: 20, estimated_cost_usd: null, equivalent_claude_cost_usd: null, execution_ms: null })
  t.same(s.throughput, { completed_last_hour: 1, avg_completion_ms: 30_000, total_tokens_hour: 1200 })
  t.same(s.health.conditions.filter((c) => c.startsWith('High failure')), [], '1 failed of 2 is not > 50 %')

  // the rolling hour forgets the completion, the ring keeps it
  await clock.advance(3_600_001)
  const later = await snapshotOf(system)
  t.equal(later.throughput.completed_last_hour, 0)
  t.equal(later.recent_completions.length, 1)
})

t.test('the ring buffer keeps the newest 100 completions, newest first', async (t) => {
  const { system, clock } = await setup(t)
  await system.spawn(DashboardStateActor, {}, { name: ACTOR.dashboardState })
  for (let i = 0; i < 105; i++) {
    system.bus.publish(TOPIC.tasks, { type: 'task_event', event: 'task_completed', task_id: `task-${i}`, agent_id: 'a', task: taskView(`task-${i}`, { generation: 1 }), timestamp: T0 + i })
  }
  await clock.settle()
  const s = await snapshotOf(system)
  t.equal(s.recent_completions.length, 100)
  t.equal(s.recent_completions[0]!.task_id, 'task-104')
  t.equal(s.recent_completions[99]!.task_id, 'task-5')
  t.equal(s.throughput.completed_last_hour, 105)
})

t.test('health: departed agent, growing queue, validation, alerts seen on the bus', async (t) => {
  const { system, clock, storage } = await setup(t, { storage: true })
  const queue = await startFakeQueue(system)
  await system.spawn(DashboardStateActor, { storage, bootedAt: T0 }, { name: ACTOR.dashboardState })
  system.bus.publish(TOPIC.presence, { type: 'agent_joined', agent: { agent_id: 'alpha', name: 'alpha', status: 'idle', capabilities: [], connected_at: T0 } })
  system.bus.publish(TOPIC.presence, { type: 'agent_left', agent_id: 'alpha' })
  system.bus.publish(TOPIC.validation, { type: 'validation_failure', agent_id: 'alpha', message_type: 'task_progress', error_count: 2, timestamp: T0 })
  system.bus.publish(TOPIC.alerts, { type: 'alert_fired', alert: { rule_id: 'queue_growing', severity: 'warning', message: 'Queue growing', details: {}, fired_at: T0, acknowledged: false } })
  for (const queued of [1, 2, 3]) {
    queue.stats = { by_status: { queued }, by_priority: {}, dead_letter: 0 }
    await clock.advance(60_000)
  }
  const s = await snapshotOf(system)
  t.equal(s.health.status, 'warning')
  t.same(s.health.conditions, ['Agent offline: alpha', 'Queue growing: 1 -> 2 -> 3', 'Alert queue_growing: Queue growing'])
  t.equal(s.active_alerts.length, 1)
  t.equal(s.validation.total_failures_this_hour, 1)
  t.same(s.validation.failure_counts_by_agent, { alpha: 1 })
  t.same(s.last_known_agents, ['alpha'])

  system.bus.publish(TOPIC.presence, { type: 'agent_joined', agent: { agent_id: 'alpha', name: 'alpha', status: 'idle', capabilities: [], connected_at: T0 } })
  system.bus.publish(TOPIC.alerts, { type: 'alert_cleared', rule_id: 'queue_growing' })
  await clock.settle()
  const h = await system.byName(ACTOR.dashboardState).call<{ status: string; conditions: string[] }>({ type: 'health' })
  t.same(h.conditions, ['Queue growing: 1 -> 2 -> 3'], 'rejoined agent and cleared alert are gone')
})
