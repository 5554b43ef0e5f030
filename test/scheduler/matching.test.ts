import t from 'tap'
import fc from 'fast-check'
import {
  capabilitiesMatch,
  planPass,
  selectCandidates,
  selectOverdue,
  selectStuck,
  selectTtlExpired,
  type AgentSnapshot,
  type GroupSource,
} from '../../actors/scheduler/matching'
import { PriorityIndex, type PlacementGroup, type QueuedEntry } from '../../actors/task-queue/priority-index'
import { createTask, type Complexity, type Task } from '../../actors/task-queue/task'
import { assign, touch } from '../../actors/task-queue/transitions'
import type { FsmState } from '../../actors/agent-fsm/transitions'

const T0 = 1_700_000_000_000

const agent = (agent_id: string, capabilities: string[] = [], fsm_state: FsmState = 'idle', rate_limited = false): AgentSnapshot => ({
  agent_id, capabilities, fsm_state, rate_limited,
})

let seq = 0
function task(priority: string, extra: Parameters<typeof createTask>[0] = {}, createdAt = T0 + seq): Task {
  seq++
  return createTask({ priority, ...extra }, { now: createdAt, id: `task-${String(seq).padStart(6, '0')}` })
}

const pairs = (plan: { assignments: Array<{ task_id: string; agent_id: string }> }) =>
  plan.assignments.map((a) => `${a.task_id}>${a.agent_id}`)

t.test('capability matching table: needed ⊆ agent capabilities, exact strings, empty = any', async (t) => {
  const table: Array<[string[], string[], boolean]> = [
    [[], [], true],
    [[], ['git'], true],
    [['git'], ['git'], true],
    [['git'], ['git', 'node'], true],
    [['git', 'node'], ['node', 'git', 'gpu'], true],
    [['git'], [], false],
    [['git', 'gpu'], ['git'], false],
    [['Git'], ['git'], false],
    [['git '], ['git'], false],
    [['git', 'git'], ['git'], true],
  ]
  for (const [needed, have, expected] of table) {
    t.equal(capabilitiesMatch(needed, have), expected, `${JSON.stringify(needed)} in ${JSON.stringify(have)}`)
    t.equal(capabilitiesMatch(needed, new Set(have)), expected, 'same with a Set')
  }
})

t.test('candidates: idle and not rate-limited, registry order, each id once', async (t) => {
  const list = selectCandidates([
    agent('a'), agent('b', [], 'working'), agent('c', [], 'idle', true), agent('d', [], 'assigned'),
    agent('e', [], 'blocked'), agent('f', [], 'offline'), agent('g'), agent('a'),
  ])
  t.same(list.map((a) => a.agent_id), ['a', 'g'])
})

t.test('two idle agents get two different tasks, in priority order', async (t) => {
  const low = task('low')
  const urgent = task('urgent')
  const normal = task('normal')
  const plan = planPass(PriorityIndex.fromTasks([low, urgent, normal]), [agent('a'), agent('b')])
  t.same(pairs(plan), [`${urgent.id}>a`, `${normal.id}>b`])
  t.equal(plan.idle_agents, 2)
  t.equal(plan.queued_tasks, 3)
})

t.test('an agent is never given two tasks in one pass', async (t) => {
  const index = PriorityIndex.fromTasks(Array.from({ length: 50 }, () => task('normal')))
  const plan = planPass(index, [agent('a'), agent('b'), agent('a'), agent('c', [], 'working')])
  t.equal(plan.assignments.length, 2)
  t.same(new Set(plan.assignments.map((a) => a.agent_id)), new Set(['a', 'b']))
  t.equal(new Set(plan.assignments.map((a) => a.task_id)).size, 2, 'and no task twice')
})

t.test('an unplaceable task does not block the ones behind it', async (t) => {
  const gpu = task('urgent', { needed_capabilities: ['gpu'] })
  const plain = task('low')
  const git = task('normal', { needed_capabilities: ['git'] })
  const plan = planPass(PriorityIndex.fromTasks([gpu, plain, git]), [agent('a', ['git']), agent('b')])
  t.same(pairs(plan), [`${git.id}>a`, `${plain.id}>b`])
})

t.test('first capable agent in candidate order wins; specialised agents are not saved', async (t) => {
  // the original has no load balancing: a plain task takes the first idle agent even if a
  // later task needs that agent's capability (documented behaviour)
  const plain = task('urgent')
  const git = task('normal', { needed_capabilities: ['git'] })
  const plan = planPass(PriorityIndex.fromTasks([plain, git]), [agent('g', ['git']), agent('p')])
  t.same(pairs(plan), [`${plain.id}>g`])
})

t.test('no candidates: nothing planned, queued count reported', async (t) => {
  const plan = planPass(PriorityIndex.fromTasks([task('normal'), task('low')]), [agent('a', [], 'working'), agent('b', [], 'idle', true)])
  t.same(plan, { assignments: [], idle_agents: 0, queued_tasks: 2 })
  t.same(planPass(new PriorityIndex(), [agent('a')]), { assignments: [], idle_agents: 1, queued_tasks: 0 })
})

t.test('rate-limited agents are skipped (hardening §5.3)', async (t) => {
  const only = task('normal')
  const plan = planPass(PriorityIndex.fromTasks([only]), [agent('limited', [], 'idle', true), agent('ok')])
  t.same(pairs(plan), [`${only.id}>ok`])
})

t.test('paused-repo filter: held back; unknown and null repos are schedulable', async (t) => {
  const paused = task('urgent', { repo: 'https://r/paused' })
  const active = task('high', { repo: 'https://r/active' })
  const adhoc = task('normal', { repo: 'https://r/unregistered' })
  const none = task('low')
  const calls: string[] = []
  const plan = planPass(PriorityIndex.fromTasks([paused, active, adhoc, none]), [agent('a'), agent('b'), agent('c'), agent('d')], {
    isRepoPaused: (repo) => {
      calls.push(repo)
      return repo === 'https://r/paused'
    },
  })
  t.same(pairs(plan), [`${active.id}>a`, `${adhoc.id}>b`, `${none.id}>c`])
  t.equal(plan.queued_tasks, 3, 'queued count after the filter')
  t.same(calls.sort(), ['https://r/active', 'https://r/paused', 'https://r/unregistered'], 'asked once per group')
})

t.test('routing hook: decision travels with the assignment; pickAgent chooses among capable agents', async (t) => {
  const a1 = task('urgent', { needed_capabilities: ['git'] })
  const a2 = task('normal')
  const routed: string[] = []
  const plan = planPass(PriorityIndex.fromTasks([a1, a2]), [agent('x'), agent('y', ['git']), agent('z', ['git'])], {
    route: (e: QueuedEntry) => {
      routed.push(e.id)
      return { target: e.needed_capabilities.length ? 'claude' : 'sidecar' }
    },
    pickAgent: (capable, _task, decision) => (decision?.target === 'claude' ? capable[capable.length - 1] : capable[0]),
  })
  t.same(plan.assignments, [
    { task_id: a1.id, agent_id: 'z', decision: { target: 'claude' } },
    { task_id: a2.id, agent_id: 'x', decision: { target: 'sidecar' } },
  ])
  t.same(routed, [a1.id, a2.id])
  t.same(planPass(PriorityIndex.fromTasks([a2]), [agent('x')]).assignments, [{ task_id: a2.id, agent_id: 'x', decision: undefined }])
})

t.test('pickAgent may decline a task (skipped) but may not invent an agent', async (t) => {
  const first = task('urgent')
  const second = task('normal')
  const plan = planPass(PriorityIndex.fromTasks([first, second]), [agent('x')], {
    pickAgent: (capable, e) => (e.id === first.id ? undefined : capable[0]),
  })
  t.same(pairs(plan), [`${second.id}>x`])
  t.throws(
    () => planPass(PriorityIndex.fromTasks([first]), [agent('x')], { pickAgent: () => agent('ghost') }),
    /not an unused capable agent/,
  )
})

// ---------------------------------------------------------------------------------------------
// The grouped pass must make exactly the choices of the original task-by-task walk.

function referencePass(index: PriorityIndex, agents: AgentSnapshot[], isRepoPaused: (r: string) => boolean): string[] {
  const free = selectCandidates(agents)
  const out: string[] = []
  for (const e of index.entries()) {
    if (free.length === 0) break
    if (e.repo !== null && isRepoPaused(e.repo)) continue
    const at = free.findIndex((a) => capabilitiesMatch(e.needed_capabilities, a.capabilities))
    if (at < 0) continue
    out.push(`${e.id}>${free[at]!.agent_id}`)
    free.splice(at, 1)
  }
  return out
}

const CAPS = ['git', 'node', 'gpu', 'docker']
const REPOS = [null, 'https://r/1', 'https://r/2']

t.test('property: grouped pass = reference walk (same pairs, same order)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          priority: fc.integer({ min: 0, max: 3 }),
          created: fc.integer({ min: 0, max: 30 }),
          caps: fc.subarray(CAPS, { maxLength: 2 }),
          repo: fc.constantFrom(...REPOS),
        }),
        { maxLength: 60 },
      ),
      fc.array(
        fc.record({
          caps: fc.subarray(CAPS),
          state: fc.constantFrom<FsmState>('idle', 'idle', 'idle', 'working', 'assigned'),
          limited: fc.boolean(),
        }),
        { maxLength: 12 },
      ),
      fc.subarray(['https://r/1', 'https://r/2']),
      (taskSpecs, agentSpecs, pausedRepos) => {
        const tasks = taskSpecs.map((s, i) =>
          createTask({ priority: s.priority, needed_capabilities: s.caps, repo: s.repo }, { now: T0 + s.created, id: `task-${i}` }),
        )
        const agents = agentSpecs.map((s, i) => agent(`agent-${i}`, s.caps, s.state, s.limited && i % 3 === 0))
        const index = PriorityIndex.fromTasks(tasks)
        const paused = (r: string) => pausedRepos.includes(r)
        const plan = planPass(index, agents, { isRepoPaused: paused })
        const expected = referencePass(index, agents, paused)
        if (JSON.stringify(pairs(plan)) !== JSON.stringify(expected)) {
          throw new Error(`grouped ${JSON.stringify(pairs(plan))} != reference ${JSON.stringify(expected)}`)
        }
        return new Set(plan.assignments.map((a) => a.agent_id)).size === plan.assignments.length
      },
    ),
    { numRuns: 400 },
  )
  t.pass('property held')
})

t.test('the pass does not walk tasks nobody can take', async (t) => {
  // 20 000 queued tasks need a GPU nobody idle has; one plain task sits behind them
  const tasks = Array.from({ length: 20_000 }, () => task('urgent', { needed_capabilities: ['gpu'] }))
  const plain = task('low')
  const paused = Array.from({ length: 5_000 }, () => task('urgent', { repo: 'https://r/paused' }))
  const index = PriorityIndex.fromTasks([...tasks, plain, ...paused])
  let pulled = 0
  const counting: GroupSource = {
    get size() {
      return index.size
    },
    *groups() {
      for (const g of index.groups()) {
        const wrapped: PlacementGroup = {
          key: g.key, capabilities: g.capabilities, repo: g.repo, size: g.size, first: () => g.first(),
          *entries() {
            for (const e of g.entries()) {
              pulled++
              yield e
            }
          },
        }
        yield wrapped
      }
    },
  }
  const plan = planPass(counting, [agent('a', ['git']), agent('b', ['git'])], { isRepoPaused: (r) => r === 'https://r/paused' })
  t.same(pairs(plan), [`${plain.id}>a`])
  t.ok(pulled <= 2, `entries pulled: ${pulled}`)
})

// ---------------------------------------------------------------------------------------------
// Starvation. The spec's order is strict priority without aging (§2.3): low work runs whenever
// idle capacity exceeds the higher-priority demand, and waits while urgent work saturates the
// fleet. These tests pin down both halves.

/** Pass number at which `watched` is assigned, or null if it never is within `ticks` passes. */
function simulate(ticks: number, urgentPerTick: number, agents: number, initial: Task[], watched: Task): { lowAssignedAt: number | null } {
  const index = PriorityIndex.fromTasks(initial)
  const fleet = Array.from({ length: agents }, (_, i) => agent(`a${i}`))
  for (let tick = 0; tick < ticks; tick++) {
    for (let i = 0; i < urgentPerTick; i++) index.insert(task('urgent', {}, T0 + tick * 1000 + i))
    // agents finish instantly, so every agent is idle at every pass
    for (const a of planPass(index, fleet).assignments) {
      index.remove(a.task_id)
      if (a.task_id === watched.id) return { lowAssignedAt: tick }
    }
  }
  return { lowAssignedAt: null }
}

t.test('no starvation while urgent work leaves spare capacity', async (t) => {
  const low = task('low', {}, T0 - 1)
  t.equal(simulate(100, 2, 3, [low], low).lowAssignedAt, 0, 'the low task runs in the first pass')
  const backlog = Array.from({ length: 9 }, (_, i) => task('low', {}, T0 - 100 + i))
  const r = simulate(100, 2, 3, [...backlog, low], low)
  t.equal(r.lowAssignedAt, 9, 'one spare agent per pass drains the low lane in FIFO order')
})

t.test('strict priority: a saturating urgent stream holds low work back (documented)', async (t) => {
  const low = task('low', {}, T0 - 1)
  t.equal(simulate(100, 3, 3, [low], low).lowAssignedAt, null)
  t.equal(simulate(100, 2, 3, [low], low).lowAssignedAt, 0, 'and runs as soon as one agent is spare')
})

// ---------------------------------------------------------------------------------------------
// Sweep selections

function assigned(agentId: string, extra: Parameters<typeof createTask>[0] = {}, at = T0): Task {
  const r = assign(task('normal', extra, at), { agent_id: agentId }, at)
  if (!r.ok) throw new Error('assign')
  return r.task
}

t.test('stuck: assigned with updated_at older than 5 minutes; touches reset it', async (t) => {
  const quiet = assigned('a')
  const touched = touch(assigned('b'), { agent_id: 'b' }, T0 + 200_000)
  if (!touched.ok) throw new Error('touch')
  const boundary = assigned('c', {}, T0 + 1)
  const queued = task('normal', {}, T0 - 1_000_000)
  const all = [quiet, touched.task, boundary, queued]
  t.same(selectStuck(all, T0 + 300_001).map((x) => x.id), [quiet.id])
  t.same(selectStuck(all, T0 + 300_000), [], 'exactly 5 minutes is not yet stuck')
  t.same(selectStuck(all, T0 + 500_001).map((x) => x.assigned_to), ['a', 'b', 'c'])
  t.same(selectStuck(all, T0 + 10_000, 5_000).map((x) => x.id), [quiet.id, boundary.id], 'threshold is configurable')
})

t.test('overdue: assigned tasks past complete_by; progress does not postpone', async (t) => {
  const due = assigned('a', { complete_by: T0 + 1000 })
  const touched = touch(due, { agent_id: 'a' }, T0 + 5000)
  if (!touched.ok) throw new Error('touch')
  const later = assigned('b', { complete_by: T0 + 10_000 })
  const noDeadline = assigned('c')
  const queuedPastDue = task('normal', { complete_by: T0 })
  const all = [touched.task, later, noDeadline, queuedPastDue]
  t.same(selectOverdue(all, T0 + 1000), [], 'not before the deadline has passed')
  t.same(selectOverdue(all, T0 + 5001).map((x) => x.id), [due.id])
  t.same(selectOverdue(all, T0 + 10_001).map((x) => x.id), [due.id, later.id])
})

const trivial: Complexity = {
  effective_tier: 'trivial', explicit_tier: null, source: 'inferred', inferred: { tier: 'trivial', confidence: 0.9 },
}

t.test('TTL: queued non-trivial tasks older than the TTL expire; paused repos are held', async (t) => {
  const old = task('normal', {}, T0)
  const oldTrivial = task('normal', { complexity: trivial }, T0)
  const oldPaused = task('low', { repo: 'https://r/paused' }, T0)
  const young = task('urgent', {}, T0 + 100_000)
  const index = PriorityIndex.fromTasks([old, oldTrivial, oldPaused, young])
  const now = T0 + 600_001
  const isRepoPaused = (r: string) => r === 'https://r/paused'
  const fromIndex = selectTtlExpired(index.startedBefore(now - 600_000), now, { isRepoPaused })
  t.same(fromIndex, { expire: [old.id], hold: [oldPaused.id] })
  const fromAll = selectTtlExpired([...index.entries()], now, { isRepoPaused })
  t.same(fromAll, fromIndex, 'same answer from a full list')
  t.same(selectTtlExpired([...index.entries()], T0 + 600_000), { expire: [], hold: [] }, 'exactly the TTL is not expired')
  t.same(selectTtlExpired([...index.entries()], T0 + 200_001, { ttlMs: 100_000 }).expire.sort(), [old.id, oldPaused.id, young.id].sort())
})
