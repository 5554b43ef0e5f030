// Task pipeline benchmark: the real `tasks` tree (queue, FSMs, agents, scheduler) on a real LMDB
// environment, with in-process fake agents that accept and complete every task at once. Every
// state change is durable (the queue answers only after the commit). Prints JSON lines.
//
//   throughput  tasks/s through submit → assign → accept → complete, at 10 / 100 / 1 000 agents,
//               with 1 k and 1 M tasks already queued (a feeder keeps the queue at that depth);
//               idle→assign latency (an agent's completion to its next task_assign) p50/p99
//   latency     submit → task_assign p50/p99 with idle agents, open-loop submissions
//   restart     queue rebuild time with the stored tasks (1 k / 1 M + the completed ones)
//
// Run: npm run bench:pipeline   (env PIPELINE_BENCH_MS: measuring window per run, default 5000;
// PIPELINE_BENCH_LARGE: the large backlog, default 1000000; PIPELINE_BENCH_AGENTS: agent counts,
// default "10,100,1000"; PIPELINE_BENCH_BACKLOGS: backlogs, default "1000,<LARGE>";
// PIPELINE_BENCH_LATENCY=0 skips the submit → assign runs)

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Actor, ActorSystem, silentLogger, type NamedRef } from '../actors/runtime'
import { ACTOR, sessionName } from '../actors/names'
import { openStorage, type Storage } from '../storage'
import { startSupervisor } from '../supervisors'
import { tasksTree } from '../supervisors/trees/tasks-tree'
import { createTask, type Task } from '../actors/task-queue/task'
import type { TaskQueueCall, TaskQueueCast } from '../actors/task-queue/actor'

const WINDOW_MS = Number(process.env.PIPELINE_BENCH_MS ?? 5000)
const WARMUP_MS = 1000
const LARGE = Number(process.env.PIPELINE_BENCH_LARGE ?? 1_000_000)
const numberList = (v: string | undefined, fallback: number[]) =>
  v === undefined || v.trim() === '' ? fallback : v.split(',').map((x) => Number(x.trim())).filter((x) => Number.isInteger(x) && x >= 0)
const AGENT_COUNTS = numberList(process.env.PIPELINE_BENCH_AGENTS, [10, 100, 1000])
const BACKLOGS = numberList(process.env.PIPELINE_BENCH_BACKLOGS, [1000, LARGE])
const LATENCY_RUNS = process.env.PIPELINE_BENCH_LATENCY !== '0'

const emit = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'pipeline', ...o }))
const round = (v: number) => (v >= 100 ? Math.round(v) : Math.round(v * 100) / 100)

function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

// ---- the fake agent --------------------------------------------------------------------------

interface AgentStats {
  completed: number
  /** performance.now() of each task_assign arrival, keyed by description */
  arrivals: Map<string, number>
  /** idle (completion accepted) → next task_assign, ms */
  idleToAssign: number[]
  recordIdleToAssign: boolean
}

type SessionCast = { type: 'push'; frame: { type: string; task_id: string; generation: number; description: string } } | { type: 'close' }

/** The hub's session actor of a sidecar that accepts and completes every task at once. */
class InstantAgent extends Actor<never, SessionCast, never, { agent_id: string; stats: AgentStats }> {
  private agentId = ''
  private stats!: AgentStats
  private idleSince: number | null = null
  override init(args: { agent_id: string; stats: AgentStats }): void {
    this.agentId = args.agent_id
    this.stats = args.stats
  }
  override handleCast(msg: SessionCast): void {
    if (msg.type !== 'push' || msg.frame.type !== 'task_assign') return
    const now = performance.now()
    this.stats.arrivals.set(msg.frame.description, now)
    if (this.idleSince !== null && this.stats.recordIdleToAssign) this.stats.idleToAssign.push(now - this.idleSince)
    this.idleSince = null
    void this.work(msg.frame.task_id, msg.frame.generation)
  }
  // Like a sidecar that finishes at once: task_accepted and task_complete go out back to back
  // (a sidecar does not wait for the task_ack before working), so both share a commit.
  private async work(taskId: string, generation: number): Promise<void> {
    const queue = this.ctx.system.byName(ACTOR.taskQueue)
    try {
      const [, reply] = await Promise.all([
        queue.call({ type: 'accepted', task_id: taskId, agent_id: this.agentId }),
        queue.call<{ ok: boolean }>({ type: 'complete', task_id: taskId, agent_id: this.agentId, generation, result: { ok: true } }),
      ])
      if (reply.ok) {
        this.stats.completed++
        this.idleSince = performance.now()
      }
    } catch {
      // shutdown
    }
  }
}

// ---- set-up ----------------------------------------------------------------------------------

/** Writes `count` queued tasks straight into the table (the benchmark's backlog). */
async function seed(storage: Storage, count: number): Promise<number> {
  const started = performance.now()
  const table = storage.table<string, Task>('task_queue')
  const t0 = Date.now() - 1000
  const priorities = ['urgent', 'high', 'normal', 'low']
  const BATCH = 10_000
  for (let from = 0; from < count; from += BATCH) {
    const to = Math.min(count, from + BATCH)
    await storage.transaction(() => {
      for (let i = from; i < to; i++) {
        const task = createTask({ description: `backlog ${i}`, priority: priorities[i % 4] === 'urgent' ? 'normal' : priorities[i % 4] }, { now: t0 + i })
        void table.put(task.id, task)
      }
    })
  }
  return performance.now() - started
}

/**
 * Right after a bulk seed, LMDB's small commits are slow for a while (measured on a 300 k seed:
 * 50–75 ms per single-put commit for the first 200, then 1–4 ms; the file itself had nothing
 * left to flush). A live hub never writes 10 000-task transactions, so the runs must not
 * measure that transient: a few hundred small commits of a scratch key absorb it.
 */
async function settleAfterSeed(storage: Storage, commits = 1000): Promise<number> {
  const started = performance.now()
  const table = storage.table<string, { scratch: number }>('task_queue')
  for (let i = 0; i < commits; i++) await table.put('bench-scratch', { scratch: i })
  await table.remove('bench-scratch')
  return performance.now() - started
}

interface Hub {
  system: ActorSystem
  queue: NamedRef<TaskQueueCall, TaskQueueCast>
  startMs: number
  rebuildMs: number
}

async function startHub(storage: Storage): Promise<Hub> {
  const system = new ActorSystem({ logger: silentLogger })
  const started = performance.now()
  await startSupervisor(system, { name: 'root', children: [tasksTree({ storage })] })
  const startMs = performance.now() - started
  const queue = system.byName<TaskQueueCall, TaskQueueCast>(ACTOR.taskQueue)
  const snap = (await system.inspect(system.whereis(ACTOR.taskQueue)!)) as { rebuild_ms: number }
  return { system, queue, startMs, rebuildMs: snap.rebuild_ms }
}

async function connectAgents(hub: Hub, count: number, stats: AgentStats): Promise<void> {
  const agents = hub.system.byName(ACTOR.agents)
  for (let i = 0; i < count; i++) {
    const id = `agent-${i}`
    await hub.system.spawn(InstantAgent, { agent_id: id, stats }, { name: sessionName(id) })
    await agents.call({ type: 'agent_connected', agent_id: id, name: id, capabilities: [], session_id: `s-${id}` })
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// ---- runs ------------------------------------------------------------------------------------

/** Closed loop: agents drain the backlog; a feeder keeps it at its depth by submitting one task per completion. */
async function throughput(storage: Storage, backlog: number, agentCount: number): Promise<void> {
  const hub = await startHub(storage)
  emit({ run: 'restart', stored_tasks: countTasks(storage), queued: backlog, rebuild_ms: hub.rebuildMs, tree_start_ms: round(hub.startMs) })
  const stats: AgentStats = { completed: 0, arrivals: new Map(), idleToAssign: [], recordIdleToAssign: false }
  let feeding = true
  let submitted = 0
  const feeder = (async () => {
    // keeps the backlog at its depth: tops it up with fresh tasks as the agents drain it
    while (feeding) {
      const { queued_index_size } = await hub.queue.call<{ queued_index_size: number }>({ type: 'stats' })
      const missing = Math.min(backlog - queued_index_size, 2000)
      if (missing <= 0) {
        await sleep(1)
        continue
      }
      await Promise.all(Array.from({ length: missing }, () => hub.queue.call({ type: 'submit', input: { description: `fresh ${submitted++}` } }).catch(() => undefined)))
    }
  })()
  await connectAgents(hub, agentCount, stats)
  await sleep(WARMUP_MS)
  stats.recordIdleToAssign = true
  const startCount = stats.completed
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  await sleep(WINDOW_MS)
  const done = stats.completed - startCount
  const seconds = (performance.now() - started) / 1000
  const cpu = cpuSeconds(process.cpuUsage(cpuBefore))
  stats.recordIdleToAssign = false
  feeding = false
  await feeder
  emit({
    run: 'throughput',
    queued: backlog,
    agents: agentCount,
    tasks_per_s: round(done / seconds),
    completed: done,
    // on a shared machine: how much CPU this process got, and the rate per CPU-second it used
    cpu_share: round(cpu / seconds),
    tasks_per_cpu_s: round(done / cpu),
    idle_to_assign_p50_ms: round(percentile(stats.idleToAssign, 0.5)),
    idle_to_assign_p99_ms: round(percentile(stats.idleToAssign, 0.99)),
  })
  await hub.system.shutdown()
  await storage.settled()
}

/** Open loop on idle agents: submissions at a steady rate, each timed until its task_assign arrives. */
async function latency(storage: Storage, agentCount: number, ratePerS: number): Promise<void> {
  const hub = await startHub(storage)
  const stats: AgentStats = { completed: 0, arrivals: new Map(), idleToAssign: [], recordIdleToAssign: false }
  await connectAgents(hub, agentCount, stats)
  await sleep(200)
  const sentAt = new Map<string, number>()
  const total = Math.round((ratePerS * WINDOW_MS) / 1000)
  const intervalMs = 1000 / ratePerS
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const pending: Array<Promise<unknown>> = []
  for (let i = 0; i < total; i++) {
    const due = started + i * intervalMs
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    const key = `probe ${i}`
    sentAt.set(key, performance.now())
    pending.push(hub.queue.call({ type: 'submit', input: { description: key } }))
  }
  await Promise.all(pending)
  const cpuShare = cpuSeconds(process.cpuUsage(cpuBefore)) / ((performance.now() - started) / 1000)
  await sleep(500)
  const samples: number[] = []
  for (const [key, t0] of sentAt) {
    const arrived = stats.arrivals.get(key)
    if (arrived !== undefined) samples.push(arrived - t0)
  }
  emit({
    run: 'submit_to_assign',
    agents: agentCount,
    rate_per_s: ratePerS,
    samples: samples.length,
    unassigned: total - samples.length,
    p50_ms: round(percentile(samples, 0.5)),
    p99_ms: round(percentile(samples, 0.99)),
    max_ms: round(Math.max(...samples)),
    cpu_share: round(cpuShare),
  })
  await hub.system.shutdown()
  await storage.settled()
}

/** user + system CPU of every thread of this process (the LMDB write thread included). */
function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6
}

function countTasks(storage: Storage): number {
  return storage.table('task_queue').count()
}

async function withStorage(fn: (storage: Storage) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-bench-pipeline-'))
  const storage = openStorage({ dataDir: dir })
  try {
    await fn(storage)
  } finally {
    await storage.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  if (LATENCY_RUNS) {
    for (const agents of AGENT_COUNTS) {
      await withStorage((storage) => latency(storage, agents, 1000))
    }
  }
  for (const backlog of BACKLOGS) {
    await withStorage(async (storage) => {
      const seedMs = await seed(storage, backlog)
      const settleMs = await settleAfterSeed(storage)
      emit({ run: 'seed', queued: backlog, ms: Math.round(seedMs), settle_ms: Math.round(settleMs) })
      for (const agents of AGENT_COUNTS) await throughput(storage, backlog, agents)
    })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
