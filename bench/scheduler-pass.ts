// Benchmark of the pure pipeline pieces: index build/insert/remove and the scheduling pass at
// 1 k and 1 M queued tasks. Prints JSON lines. 
import { PriorityIndex } from '../actors/task-queue/priority-index'
import { planPass, type AgentSnapshot } from '../actors/scheduler/matching'
import { createTask, type Task } from '../actors/task-queue/task'

const T0 = 1_700_000_000_000
const PRI = ['urgent', 'high', 'normal', 'low']
function makeTasks(n: number, caps: (i: number) => string[] = () => []): Task[] {
  const out: Task[] = new Array(n)
  for (let i = 0; i < n; i++) out[i] = createTask({ priority: PRI[i % 4], needed_capabilities: caps(i) }, { now: T0 + i, id: `task-${i.toString(16).padStart(16, '0')}` })
  return out
}
const agents = (n: number, caps: string[] = []): AgentSnapshot[] =>
  Array.from({ length: n }, (_, i) => ({ agent_id: `agent-${i}`, capabilities: caps, fsm_state: 'idle', rate_limited: false }))
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6
const emit = (o: object) => console.log(JSON.stringify(o))
function pct(xs: number[], p: number) { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] }

for (const queued of [1_000, 1_000_000]) {
  const tasks = makeTasks(queued, (i) => (i % 10 === 0 ? ['git'] : []))
  let t = process.hrtime.bigint()
  const index = PriorityIndex.fromTasks(tasks)
  emit({ bench: 'index_build', queued, ms: ms(t), heap_mb: Math.round(process.memoryUsage().heapUsed / 1e6) })

  const extra = makeTasks(10_000).map((x, i) => ({ ...x, id: `extra-${i}` }))
  t = process.hrtime.bigint()
  for (const x of extra) index.insert(x)
  for (const x of extra) index.remove(x.id)
  emit({ bench: 'index_insert_remove', queued, ops: 20_000, us_per_op: (ms(t) * 1000) / 20_000 })

  for (const nAgents of [1, 10, 100, 1000]) {
    const fleet = agents(nAgents, ['git'])
    const samples: number[] = []
    for (let r = 0; r < 20; r++) {
      t = process.hrtime.bigint()
      const plan = planPass(index, fleet)
      samples.push(ms(t))
      if (plan.assignments.length !== Math.min(nAgents, queued)) throw new Error('short plan')
    }
    emit({ bench: 'plan_pass', queued, idle_agents: nAgents, p50_ms: pct(samples, 0.5), p99_ms: pct(samples, 0.99) })
  }
  // a steady state pass: plan for one idle agent, apply it, requeue a new task (what a completion triggers)
  const fleet1 = agents(1)
  const samples: number[] = []
  for (let r = 0; r < 2000; r++) {
    t = process.hrtime.bigint()
    const plan = planPass(index, fleet1)
    index.remove(plan.assignments[0]!.task_id)
    samples.push(ms(t))
    index.insert(createTask({ priority: 'normal' }, { now: T0 + queued + r, id: `again-${r}` }))
  }
  emit({ bench: 'pass_and_dequeue', queued, idle_agents: 1, p50_us: pct(samples, 0.5) * 1000, p99_us: pct(samples, 0.99) * 1000 })
}

// the worst case for the original walk: 1 M tasks nobody idle can take, 1 k placeable behind them
{
  const blocked = makeTasks(1_000_000, () => ['gpu'])
  const plain = makeTasks(1_000).map((x, i) => ({ ...x, id: `plain-${i}`, priority: 3 }))
  const index = PriorityIndex.fromTasks([...blocked, ...plain])
  const fleet = agents(1000, ['git'])
  const samples: number[] = []
  for (let r = 0; r < 20; r++) {
    const t = process.hrtime.bigint()
    const plan = planPass(index, fleet)
    samples.push(ms(t))
    if (plan.assignments.length !== 1000) throw new Error('short plan')
  }
  emit({ bench: 'plan_pass_unplaceable_head', queued: 1_001_000, unplaceable: 1_000_000, idle_agents: 1000, p50_ms: pct(samples, 0.5), p99_ms: pct(samples, 0.99) })
}
