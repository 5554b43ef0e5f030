import t from 'tap'
import fc from 'fast-check'
import { compareQueueOrder, PriorityIndex, toQueuedEntry } from '../../actors/task-queue/priority-index'
import { createTask, type Complexity, type Task } from '../../actors/task-queue/task'
import { assign, fail, holdForPausedRepo, reclaim } from '../../actors/task-queue/transitions'
import { TaskStats } from '../../actors/task-queue/stats'

const T0 = 1_700_000_000_000

function task(id: string, priority: string, createdAt: number, extra: Parameters<typeof createTask>[0] = {}): Task {
  return createTask({ priority, ...extra }, { now: createdAt, id })
}

const ids = (index: PriorityIndex): string[] => [...index.entries()].map((e) => e.id)

const trivial: Complexity = {
  effective_tier: 'trivial', explicit_tier: null, source: 'inferred', inferred: { tier: 'trivial', confidence: 0.9 },
}

t.test('order: priority lanes first, then original created_at, then id', async (t) => {
  const index = PriorityIndex.fromTasks([
    task('task-n2', 'normal', T0 + 2),
    task('task-l1', 'low', T0 + 1),
    task('task-u9', 'urgent', T0 + 9),
    task('task-h5', 'high', T0 + 5),
    task('task-n1b', 'normal', T0 + 1),
    task('task-n1a', 'normal', T0 + 1),
    task('task-u3', 'urgent', T0 + 3),
  ])
  t.same(ids(index), ['task-u3', 'task-u9', 'task-h5', 'task-n1a', 'task-n1b', 'task-n2', 'task-l1'])
  t.equal(index.peek()!.id, 'task-u3')
  t.equal(index.size, 7)
})

t.test('a requeued task returns ahead of newer tasks of its priority (FIFO by original created_at)', async (t) => {
  const old = task('task-old', 'normal', T0)
  const index = PriorityIndex.fromTasks([old])
  const assigned = assign(old, { agent_id: 'a' }, T0 + 100)
  if (!assigned.ok) throw new Error('assign')
  index.remove(old.id)
  index.insert(task('task-new1', 'normal', T0 + 200))
  index.insert(task('task-new2', 'normal', T0 + 300))
  const failed = fail(assigned.task, { generation: 1, error: 'x' }, T0 + 400)
  if (!failed.ok) throw new Error('fail')
  index.insert(failed.task)
  t.same(ids(index), ['task-old', 'task-new1', 'task-new2'])
  const again = assign(failed.task, { agent_id: 'b' }, T0 + 500)
  if (!again.ok) throw new Error('assign')
  index.remove(again.task.id)
  const back = reclaim(again.task, { agent_id: 'b', reason: 'stuck' }, T0 + 600)
  if (!back.ok) throw new Error('reclaim')
  index.insert(back.task)
  t.equal(index.peek()!.id, 'task-old', 'after a reclaim too')
})

t.test('rebuild from records indexes only queued tasks', async (t) => {
  const q = task('task-q', 'normal', T0)
  const a = assign(task('task-a', 'urgent', T0), { agent_id: 'x' }, T0)
  if (!a.ok) throw new Error('assign')
  const index = PriorityIndex.fromTasks([q, a.task])
  t.same(ids(index), ['task-q'])
  t.notOk(index.has('task-a'))
  t.throws(() => index.insert(a.task), /queued tasks only/)
})

t.test('insert replaces an existing entry; remove is idempotent', async (t) => {
  const index = new PriorityIndex()
  const first = task('task-1', 'low', T0)
  index.insert(first)
  index.insert({ ...first, priority: 0 })
  t.equal(index.size, 1)
  t.equal(index.get('task-1')!.priority, 0)
  t.same([...index.countsByPriority()], [[0, 1]])
  t.ok(index.remove('task-1'))
  t.notOk(index.remove('task-1'))
  t.equal(index.size, 0)
  t.equal(index.peek(), undefined)
  t.equal(index.groupCount, 0, 'empty groups are dropped')
  t.same([...index.countsByPriority()], [])
})

t.test('placement groups: same capability set (any order, duplicates) and repo', async (t) => {
  const index = PriorityIndex.fromTasks([
    task('task-1', 'normal', T0, { needed_capabilities: ['git', 'node'] }),
    task('task-2', 'urgent', T0, { needed_capabilities: ['node', 'git', 'git'] }),
    task('task-3', 'normal', T0, { needed_capabilities: ['node', 'git'], repo: 'https://r/1' }),
    task('task-4', 'normal', T0),
    task('task-5', 'low', T0 + 1),
  ])
  const groups = [...index.groups()].map((g) => ({
    caps: g.capabilities, repo: g.repo, ids: [...g.entries()].map((e) => e.id), first: g.first()?.id, size: g.size,
  }))
  t.same(
    groups.sort((a, b) => a.ids[0]!.localeCompare(b.ids[0]!)),
    [
      { caps: ['git', 'node'], repo: null, ids: ['task-2', 'task-1'], first: 'task-2', size: 2 },
      { caps: ['git', 'node'], repo: 'https://r/1', ids: ['task-3'], first: 'task-3', size: 1 },
      { caps: [], repo: null, ids: ['task-4', 'task-5'], first: 'task-4', size: 2 },
    ],
  )
})

t.test('TTL view: non-trivial tasks by TTL start, oldest first, stopping at the cutoff', async (t) => {
  const index = PriorityIndex.fromTasks([
    task('task-a', 'urgent', T0 + 30),
    task('task-b', 'low', T0 + 10),
    task('task-t', 'low', T0, { complexity: trivial }),
    task('task-c', 'normal', T0 + 20),
    task('task-young', 'normal', T0 + 1000),
  ])
  t.same([...index.startedBefore(T0 + 31)].map((e) => e.id), ['task-b', 'task-c', 'task-a'])
  t.same([...index.startedBefore(T0 + 20)].map((e) => e.id), ['task-b'], 'cutoff is exclusive')
  const held = holdForPausedRepo(task('task-b', 'low', T0 + 10), T0 + 500)
  if (!held.ok) throw new Error('hold')
  index.insert(held.task)
  t.same([...index.startedBefore(T0 + 31)].map((e) => e.id), ['task-c', 'task-a'], 're-armed task left the range')
})

// ---------------------------------------------------------------------------------------------
// Property: under any sequence of inserts and removes the index equals a sorted model.

const opArb = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    id: fc.integer({ min: 0, max: 40 }),
    priority: fc.integer({ min: 0, max: 3 }),
    created: fc.integer({ min: 0, max: 20 }),
    caps: fc.subarray(['git', 'node', 'gpu']),
    repo: fc.constantFrom(null, 'https://r/1', 'https://r/2'),
    trivial: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 40 }) }),
)

t.test('property: order, groups, TTL view and counts match a model under random insert/remove', async (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
      const index = new PriorityIndex()
      const model = new Map<string, Task>()
      for (const op of ops) {
        const id = `task-${op.id}`
        if (op.kind === 'insert') {
          const tk = createTask(
            {
              priority: op.priority, needed_capabilities: op.caps, repo: op.repo,
              complexity: op.trivial ? trivial : null,
            },
            { now: T0 + op.created, id },
          )
          index.insert(tk)
          model.set(id, tk)
        } else {
          if (index.remove(id) !== model.delete(id)) return false
        }
      }
      const expected = [...model.values()].map(toQueuedEntry).sort(compareQueueOrder)
      const actual = [...index.entries()]
      if (JSON.stringify(actual) !== JSON.stringify(expected)) return false
      if (index.size !== model.size || index.peek()?.id !== expected[0]?.id) return false
      // groups partition the queue, each in order
      const grouped = [...index.groups()].flatMap((g) => {
        const es = [...g.entries()]
        for (let i = 1; i < es.length; i++) if (compareQueueOrder(es[i - 1]!, es[i]!) >= 0) throw new Error('group order')
        for (const e of es) {
          if (JSON.stringify(e.needed_capabilities) !== JSON.stringify(g.capabilities) || e.repo !== g.repo) {
            throw new Error('wrong group')
          }
        }
        return es.map((e) => e.id)
      })
      if (grouped.length !== model.size || new Set(grouped).size !== model.size) return false
      const ttl = [...index.startedBefore(Number.MAX_SAFE_INTEGER)].map((e) => e.id)
      const ttlExpected = expected
        .filter((e) => !e.trivial)
        .sort((a, b) => a.ttl_started_at - b.ttl_started_at || (a.id < b.id ? -1 : 1))
        .map((e) => e.id)
      if (JSON.stringify(ttl) !== JSON.stringify(ttlExpected)) return false
      const counts = new Map<number, number>()
      for (const e of expected) counts.set(e.priority, (counts.get(e.priority) ?? 0) + 1)
      return JSON.stringify([...index.countsByPriority()].sort()) === JSON.stringify([...counts].sort())
    }),
    { numRuns: 300 },
  )
  t.pass('property held')
})

t.test('stats: §2.9 shape, only non-zero keys, kept incrementally', async (t) => {
  const q1 = task('task-1', 'urgent', T0)
  const q2 = task('task-2', 'low', T0)
  const stats = TaskStats.fromTasks([q1, q2])
  t.same(stats.view(2), { by_status: { queued: 2 }, by_priority: { '0': 1, '3': 1 }, dead_letter: 0, queued_index_size: 2 })
  const a = assign(q1, { agent_id: 'a' }, T0)
  if (!a.ok) throw new Error('assign')
  stats.apply(q1, a.task)
  t.same(stats.view(1).by_status, { queued: 1, assigned: 1 })
  const d = fail({ ...a.task, max_retries: 1 }, { generation: 1, error: 'x' }, T0)
  if (!d.ok) throw new Error('fail')
  stats.apply(a.task, d.task)
  t.same(stats.view(1), { by_status: { queued: 1 }, by_priority: { '3': 1 }, dead_letter: 1, queued_index_size: 1 })
  stats.apply(q2, undefined)
  t.same(stats.view(0), { by_status: {}, by_priority: {}, dead_letter: 1, queued_index_size: 0 })
})
