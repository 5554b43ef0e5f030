// Load spread and priority: 4 agents, 20 tasks of mixed priority (all submitted before the
// agents connect) — all complete, each agent does 3–7, urgent tasks are assigned before low
// ones on average. Then alternating urgent/low submissions while agents work: every low task
// completes too (no starvation).
import t from 'tap'
import { completionsIn } from '../../bench/sim/hub-api'
import { allCompleted, startAgents, startE2eHub } from './e2e-harness'

const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

t.test('4 agents, 20 mixed-priority tasks: all complete, spread 3–7 each, urgent before low', async (t) => {
  const hub = await startE2eHub(t)
  const order: string[] = []
  const priorityOf = new Map<string, string>()
  const ids: string[] = []
  for (let i = 0; i < 20; i++) {
    // low first, urgent last: submission order works against priority order
    const priority = PRIORITIES[3 - (i % 4)]!
    const id = await hub.api.submit({ description: `mixed ${i} (${priority})`, priority })
    priorityOf.set(id, priority)
    ids.push(id)
  }
  const agents = await startAgents(t, hub, 'mix', 4, { workMs: 100, onAssign: (f) => order.push(f.task_id as string) })
  const views = await allCompleted(hub.api, ids, 30_000)
  for (const view of views) t.equal(completionsIn(view.history), 1, `${view.id} completed once`)

  for (const agent of agents) {
    const n = agent.completed.length
    t.ok(n >= 3 && n <= 7, `${agent.o.agentId} did ${n} tasks (3–7)`)
  }
  t.equal(agents.reduce((sum, a) => sum + a.completed.length, 0), 20, 'every completion acknowledged once')
  const rank = (p: string) => mean(order.flatMap((id, index) => (priorityOf.get(id) === p ? [index] : [])))
  t.ok(rank('urgent') < rank('low'), `urgent assigned at mean position ${rank('urgent')}, low at ${rank('low')}`)
  t.ok(rank('urgent') < rank('normal') && rank('high') < rank('low'), 'priority order holds across the four levels')
})

t.test('alternating urgent/low submissions while agents work: no starvation', async (t) => {
  const hub = await startE2eHub(t)
  await startAgents(t, hub, 'alt', 2, { workMs: 60 })
  const low: string[] = []
  const urgent: string[] = []
  for (let i = 0; i < 15; i++) {
    urgent.push(await hub.api.submit({ description: `urgent ${i}`, priority: 'urgent' }))
    low.push(await hub.api.submit({ description: `low ${i}`, priority: 'low' }))
    await new Promise((r) => setTimeout(r, 40))
  }
  const lowViews = await allCompleted(hub.api, low, 30_000)
  await allCompleted(hub.api, urgent, 30_000)
  const waits = lowViews.map((v) => {
    const assigned = v.history.find((h: { event: string }) => h.event === 'assigned')
    return assigned.timestamp - v.created_at
  })
  t.ok(Math.max(...waits) < 5_000, `every low task was assigned within 5 s (max wait ${Math.max(...waits)} ms)`)
})
