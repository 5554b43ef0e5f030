// Smoke: a hub process, 2 simulated v1.2 agents, 10 tasks. All complete exactly once, every
// task is assigned within 5 s of its submission, and both agents did work.
import t from 'tap'
import { performance } from 'node:perf_hooks'
import { completionsIn } from '../../bench/sim/hub-api'
import { allCompleted, startAgents, startE2eHub } from './e2e-harness'

t.test('2 agents, 10 tasks: all complete, each assigned within 5 s, both agents worked', async (t) => {
  const hub = await startE2eHub(t)
  const assignedAt = new Map<string, number>()
  const agents = await startAgents(t, hub, 'smoke', 2, { workMs: 150, onAssign: (f, at) => assignedAt.set(f.task_id as string, at) })

  const submittedAt = new Map<string, number>()
  const ids: string[] = []
  for (let i = 0; i < 10; i++) {
    const before = performance.now()
    const id = await hub.api.submit({ description: `smoke task ${i}` })
    submittedAt.set(id, before)
    ids.push(id)
  }
  const views = await allCompleted(hub.api, ids, 30_000)

  for (const id of ids) {
    const waited = assignedAt.get(id)! - submittedAt.get(id)!
    t.ok(waited < 5_000, `${id} assigned ${Math.round(waited)} ms after submission`)
  }
  for (const view of views) t.equal(completionsIn(view.history), 1, `${view.id}: one completion in history`)
  const [a, b] = agents as [(typeof agents)[0], (typeof agents)[0]]
  t.ok(a.completed.length > 0 && b.completed.length > 0, `both agents worked (${a.completed.length} + ${b.completed.length})`)
  t.same([...a.completed, ...b.completed].sort(), [...ids].sort(), 'each task acknowledged complete to exactly one agent, once')
  t.same([...a.errors, ...b.errors], [], 'no error frames')
})
