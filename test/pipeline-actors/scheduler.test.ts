// The scheduler in the real `tasks` tree: triggers, capability matching, priority order, the
// double-assign race over many passes, the optional rate-limiter / repo-registry inputs, the
// routing hook, and the stuck sweeper.
import t from 'tap'
import { ACTOR, fsmName } from '../../actors/names'
import { STUCK_THRESHOLD_MS } from '../../actors/task-queue/deadlines'
import type { RoutingDecision, Task } from '../../actors/task-queue/task'
import type { PassSummary, SchedulerRouting } from '../../actors/scheduler/actor'
import { eventually, FixedAnswer, startPipeline, type Pipeline, type PushedFrame } from './harness'

const assignedIds = (p: Pipeline, agentId: string) => p.assigns(agentId).map((f) => f.task_id)

async function finish(p: Pipeline, agentId: string, frame: PushedFrame): Promise<void> {
  await p.queue.call({ type: 'accepted', task_id: frame.task_id!, agent_id: agentId })
  await p.queue.call({ type: 'complete', task_id: frame.task_id!, agent_id: agentId, generation: frame.generation! })
}

t.test('capability matching: needed ⊆ capabilities; an unplaceable task blocks nobody', async (t) => {
  const p = await startPipeline(t)
  const gpuTask = await p.submit({ description: 'train', needed_capabilities: ['gpu'] })
  const nobody = await p.submit({ description: 'needs a unicorn', needed_capabilities: ['unicorn'], priority: 'urgent' })
  const plain = await p.submit({ description: 'anything' })
  await p.connect('cpu-box', ['git'])
  await p.connect('gpu-box', ['git', 'gpu'])
  await eventually(() => p.assigns('cpu-box').length === 1 && p.assigns('gpu-box').length === 1, 'both assigned')
  t.same(assignedIds(p, 'gpu-box'), [gpuTask.id])
  t.same(assignedIds(p, 'cpu-box'), [plain.id], 'the urgent task nobody can take did not block it')
  t.equal(p.stored(nobody.id)?.status, 'queued')
})

t.test('priority order, FIFO within a lane, requeued tasks keep their place', async (t) => {
  const p = await startPipeline(t)
  const low = await p.submit({ priority: 'low' })
  await p.clock.advance(1)
  const normal1 = await p.submit({ priority: 'normal' })
  await p.clock.advance(1)
  const urgent = await p.submit({ priority: 'urgent' })
  await p.clock.advance(1)
  const normal2 = await p.submit({ priority: 'normal' })
  await p.connect('solo')
  const seen: string[] = []
  const nextAssign = async () => {
    const frame = await eventually(() => p.assigns('solo')[seen.length], `assignment ${seen.length + 1}`)
    seen.push(frame.task_id!)
    return frame
  }
  await finish(p, 'solo', await nextAssign())
  const flaky = await nextAssign()
  await p.queue.call({ type: 'accepted', task_id: flaky.task_id!, agent_id: 'solo' })
  await p.queue.call({ type: 'fail', task_id: flaky.task_id!, agent_id: 'solo', generation: flaky.generation!, error: 'flaky' })
  await finish(p, 'solo', await nextAssign())
  await finish(p, 'solo', await nextAssign())
  await nextAssign()
  t.same(seen, [urgent.id, normal1.id, normal1.id, normal2.id, low.id], 'a requeued task returns ahead of newer ones of its lane')
})

t.test('two idle agents, two tasks: one pass assigns both', async (t) => {
  const p = await startPipeline(t)
  await p.connect('a')
  await p.connect('b')
  await p.settle()
  const summary0 = await p.system.byName(ACTOR.scheduler).call<PassSummary>({ type: 'pass_now' })
  t.equal(summary0.assigned.length, 0)
  // submit both before any pass can run: one pass sees both
  const [x, y] = await Promise.all([p.submit({ description: 'x' }), p.submit({ description: 'y' })])
  await eventually(() => p.assigns('a').length + p.assigns('b').length === 2, 'both assigned')
  t.same([...assignedIds(p, 'a'), ...assignedIds(p, 'b')].sort(), [x.id, y.id].sort())
  t.equal(p.assigns('a').length, 1)
  t.equal(p.assigns('b').length, 1)
})

t.test('the double-assign race: a storm of passes never gives one agent two tasks', async (t) => {
  const p = await startPipeline(t)
  await p.connect('solo')
  const scheduler = p.system.byName(ACTOR.scheduler)
  const storm: Array<Promise<unknown>> = []
  for (let i = 0; i < 20; i++) {
    storm.push(p.submit({ description: `t${i}` }))
    scheduler.cast({ type: 'trigger', reason: 'storm' })
    storm.push(scheduler.call({ type: 'pass_now' }))
    p.system.bus.publish('presence', { type: 'agent_idle', agent_id: 'solo' })
  }
  await Promise.all(storm)
  await p.settle()
  t.equal(p.assigns('solo').length, 1, 'exactly one task_assign')
  t.equal((await p.queue.call<unknown[]>({ type: 'assigned_to', agent_id: 'solo' })).length, 1)
  t.match(await p.agentState('solo'), { fsm_state: 'assigned' })
  // the agent finishes: it gets exactly one more
  await finish(p, 'solo', p.assigns('solo')[0]!)
  await eventually(() => p.assigns('solo').length === 2, 'next task')
  await p.settle()
  t.equal(p.assigns('solo').length, 2)
})

t.test('rate-limited agents and paused repos are skipped; the filters are read each pass', async (t) => {
  const p = await startPipeline(t)
  const limiter = { limited_agents: ['a1'] as string[] }
  const registry = { paused_repos: ['https://git.example/paused'], top_active_repo: null }
  await p.system.spawn(FixedAnswer, { answers: limiter }, { name: ACTOR.rateLimiter })
  await p.system.spawn(FixedAnswer, { answers: registry }, { name: ACTOR.repoRegistry })
  const paused = await p.submit({ description: 'held', repo: 'https://git.example/paused', priority: 'urgent' })
  const open = await p.submit({ description: 'free', repo: 'https://git.example/open' })
  await p.connect('a1')
  await p.connect('a2')
  await eventually(() => p.assigns('a2').length === 1, 'a2 assigned')
  await p.settle()
  t.same(assignedIds(p, 'a2'), [open.id])
  t.same(assignedIds(p, 'a1'), [], 'the rate-limited agent got nothing')
  t.equal(p.stored(paused.id)?.status, 'queued')
  // limits lifted: the next pass (here: the next submit) uses the new answer
  limiter.limited_agents = []
  const extra = await p.submit({ description: 'after' })
  await eventually(() => p.assigns('a1').length === 1, 'a1 assigned')
  t.same(assignedIds(p, 'a1'), [extra.id])
  registry.paused_repos = []
  await p.clock.advance(30_000)
  await p.settle()
  t.equal(p.stored(paused.id)?.status, 'queued', 'every agent is busy')
})

t.test('the safety pass catches what no event announced', async (t) => {
  const p = await startPipeline(t)
  const limiter = { limited_agents: ['a1'] as string[] }
  await p.system.spawn(FixedAnswer, { answers: limiter }, { name: ACTOR.rateLimiter })
  await p.connect('a1')
  const task = await p.submit({})
  await p.settle()
  t.equal(p.stored(task.id)?.status, 'queued')
  limiter.limited_agents = []
  await p.clock.advance(29_999)
  await p.settle()
  t.equal(p.assigns('a1').length, 0)
  await p.clock.advance(1)
  await eventually(() => p.assigns('a1').length === 1, 'assigned by the safety pass')
})

t.test('a silent optional actor does not block a pass for longer than the lookup timeout', async (t) => {
  const p = await startPipeline(t)
  await p.system.spawn(FixedAnswer, { answers: {}, hang: true }, { name: ACTOR.rateLimiter })
  await p.connect('a1')
  const task = await p.submit({})
  await p.settle()
  t.equal(p.assigns('a1').length, 0, 'waiting for the rate limiter')
  await p.clock.advance(250)
  await eventually(() => p.assigns('a1').length === 1, 'assigned after the timeout')
  t.equal(p.assigns('a1')[0]!.task_id, task.id)
})

t.test('routing hook: the decision travels with the assignment; "wait" frees the agent for the next task', async (t) => {
  const decision = (tier: string): RoutingDecision => ({
    effective_tier: tier, target_type: 'sidecar', selected_endpoint: null, selected_model: null, fallback_used: false,
    fallback_from_tier: null, fallback_reason: null, candidate_count: 0, classification_reason: `test:${tier}`,
    estimated_cost_tier: 'free', decided_at: 1,
  })
  const routed: string[] = []
  const assigned: string[] = []
  const routing: SchedulerRouting = {
    route: (task: Task) => {
      routed.push(task.id)
      return task.description.includes('hold') ? { action: 'wait' } : { action: 'assign', decision: decision('trivial') }
    },
    assigned: (task) => void assigned.push(task.id),
  }
  const p = await startPipeline(t, { routing })
  const held = await p.submit({ description: 'hold me', priority: 'urgent' })
  const next = await p.submit({ description: 'go' })
  await p.connect('a1')
  await eventually(() => p.assigns('a1').length === 1, 'assigned')
  const frame = p.assigns('a1')[0]!
  t.equal(frame.task_id, next.id, 'the held task did not cost the agent its turn')
  t.match(frame.routing_decision, { effective_tier: 'trivial', target_type: 'sidecar', classification_reason: 'test:trivial' })
  t.match(p.stored(next.id)?.routing_decision, { classification_reason: 'test:trivial' })
  t.equal(p.stored(held.id)?.status, 'queued')
  t.ok(routed.includes(held.id))
  t.same(assigned, [next.id])
})

t.test('stuck sweep: 5 minutes without progress → reclaimed, FSM idle, offered again', async (t) => {
  const p = await startPipeline(t)
  await p.connect('a1')
  const task = await p.submit({})
  const first = await eventually(() => p.assigns('a1')[0], 'assigned')
  await p.queue.call({ type: 'accepted', task_id: task.id, agent_id: 'a1' })
  await p.clock.advance(STUCK_THRESHOLD_MS)
  await p.settle()
  t.equal(p.stored(task.id)?.generation, first.generation, 'not yet: the threshold is "more than 5 min"')
  await p.clock.advance(30_000)
  const again = await eventually(() => p.assigns('a1')[1], 'offered again after the reclaim')
  t.equal(again.task_id, task.id)
  t.equal(again.generation, first.generation! + 2)
  t.ok(p.stored(task.id)!.history.some((h) => h.event === 'reclaimed' && h.details === 'stuck'))
})

t.test('low priority is not starved when agents are free', async (t) => {
  const p = await startPipeline(t)
  const low = await p.submit({ priority: 'low' })
  const urgent = await Promise.all([1, 2, 3].map(() => p.submit({ priority: 'urgent' })))
  await p.connect('a', [], { autoWork: true })
  await p.connect('b', [], { autoWork: true })
  await eventually(() => p.sessions.get('a')!.completed.length + p.sessions.get('b')!.completed.length === 4, 'all four done')
  const done = [...p.sessions.get('a')!.completed, ...p.sessions.get('b')!.completed]
  t.same(done.sort(), [low.id, ...urgent.map((u) => u.id)].sort())
  t.equal(p.stored(low.id)?.status, 'completed')
})

t.test('an FSM that disappears mid-pass costs nothing but that offer', async (t) => {
  const p = await startPipeline(t)
  await p.connect('a1')
  await p.connect('a2')
  await p.settle()
  p.system.exit(p.system.whereis(fsmName('a1'))!, 'kill')
  const task = await p.submit({})
  await eventually(() => p.assigns('a2').length === 1, 'a2 got it')
  t.equal(p.assigns('a2')[0]!.task_id, task.id)
})
