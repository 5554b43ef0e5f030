// Scale: (1) 10,000 identified agents pinging every 30 s (as the v1.2 sidecar) on one hub
// process — hub RSS and CPU; (2) restart time of a hub whose data dir holds 1,000,000 tasks
// (pre-filled directly through storage/ and the task-queue's record functions while the hub is
// stopped), timed from spawning `agentcom hub` until /health answers 200: the first start after
// the import (every record read), a restart after an orderly stop (clean-close marker and queue
// checkpoint: the target case) and a restart after kill -9 (full check, full rebuild).
//
// Prints JSON lines {"bench":"scale","metric","value","unit",...} and a table.
// Run: npm run build && node dist/bench/scale.js   (env SCALE_AGENTS default 10000,
//      SCALE_PROCS 4, SCALE_WINDOW_S 60, SCALE_PING_MS 30000, SCALE_PARALLEL 200 identifies in flight per process, RESTART_TASKS 1000000;
//      SCALE_PART=agents|restart runs one part)
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTask, generateTaskId, withHistory, type Task } from '../actors/task-queue/task'
import { openStorage } from '../storage'
import { HubApi } from './sim/hub-api'
import { processUsage, startHubProcess, type HubProcess } from './sim/hub-process'
import { emit, envInt, printTable, round, sleep } from './sim/report'

const BENCH = 'scale'
const CLI = join(__dirname, '..', 'cli', 'agentcom.js')

interface SwarmStatus {
  type: 'ready' | 'status'
  identified: number
  connects: number
}

function ask(child: ChildProcess, msg: unknown, reply: SwarmStatus['type']): Promise<SwarmStatus> {
  return new Promise((resolve) => {
    const on = (m: SwarmStatus) => {
      if (m.type !== reply) return
      child.off('message', on)
      resolve(m)
    }
    child.on('message', on)
    child.send(msg as object)
  })
}

async function agentsAtScale(): Promise<void> {
  const count = envInt('SCALE_AGENTS', 10_000)
  const procs = envInt('SCALE_PROCS', 4)
  const windowS = envInt('SCALE_WINDOW_S', 60)
  const pingMs = envInt('SCALE_PING_MS', 30_000)
  const parallel = envInt('SCALE_PARALLEL', 200)
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-hub-'))
  const hub = await startHubProcess({ cliPath: CLI, dataDir: dir })
  const api = new HubApi(hub.port, hub.adminToken)
  const swarms: ChildProcess[] = []
  try {
    const idleRss = processUsage(hub.pid).rssBytes
    const ids = Array.from({ length: count }, (_, i) => `scale-${String(i).padStart(5, '0')}`)
    const tokens = await api.createTokens(ids, 64)
    const started = Date.now()
    const per = Math.ceil(count / procs)
    const ready: Array<Promise<SwarmStatus>> = []
    for (let p = 0; p < procs; p++) {
      const child = fork(join(__dirname, 'sim', 'agent-swarm.js'), [], { stdio: 'inherit' })
      swarms.push(child)
      const mine = ids.slice(p * per, (p + 1) * per).map((id) => ({ agent_id: id, token: tokens.get(id)! }))
      ready.push(ask(child, { type: 'start', url: `ws://127.0.0.1:${hub.port}/ws`, agents: mine, pingIntervalMs: pingMs, parallel }, 'ready'))
    }
    const identified = (await Promise.all(ready)).reduce((n, s) => n + s.identified, 0)
    const connectS = (Date.now() - started) / 1000
    const health = await api.request('GET', '/health')
    const atReady = processUsage(hub.pid)
    await sleep(windowS * 1000)
    const atEnd = processUsage(hub.pid)
    const statuses = await Promise.all(swarms.map((c) => ask(c, { type: 'status' }, 'status')))
    const stillIdentified = statuses.reduce((n, s) => n + s.identified, 0)
    const reconnects = statuses.reduce((n, s) => n + s.connects, 0) - count
    emit({ bench: BENCH, metric: 'agents_identified', value: identified, unit: 'agents', hub_reports: health.body?.agents_connected })
    emit({ bench: BENCH, metric: 'identify_all', value: round(connectS), unit: 's', agents: count, parallel_per_proc: parallel, procs })
    emit({ bench: BENCH, metric: 'hub_rss_idle', value: round(idleRss / 2 ** 20), unit: 'MiB' })
    emit({ bench: BENCH, metric: 'hub_rss_with_agents', value: round(atEnd.rssBytes / 2 ** 20), unit: 'MiB', agents: count, target: '< 1024' })
    emit({ bench: BENCH, metric: 'hub_cpu_pinging', value: round(((atEnd.cpuSeconds - atReady.cpuSeconds) / windowS) * 100), unit: '% of a core', agents: count, ping_ms: pingMs, window_s: windowS })
    emit({ bench: BENCH, metric: 'agents_still_identified', value: stillIdentified, unit: 'agents', reconnects })
  } finally {
    for (const child of swarms) child.send({ type: 'stop' })
    await Promise.all(swarms.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve)))))
    api.close()
    await hub.stop('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A completed task as the queue would have stored it (history: queued → assigned → completed). */
function completedTask(now: number, agentId: string): Task {
  const base = createTask({ description: 'a stored task from an earlier day of work', submitted_by: 'admin' }, { now, id: generateTaskId() })
  const assigned = withHistory(base.history, { event: 'assigned', timestamp: now + 5, details: { agent_id: agentId, generation: 1 } })
  return {
    ...base,
    status: 'completed',
    assigned_to: agentId,
    assigned_at: now + 5,
    generation: 1,
    result: { status: 'success', output: 'done' },
    updated_at: now + 50,
    history: withHistory(assigned, { event: 'completed', timestamp: now + 50, details: { tokens_used: null } }),
  }
}

async function prefill(dataDir: string, tasks: number, queuedEvery: number): Promise<number> {
  const storage = openStorage({ dataDir })
  const table = storage.table<string, Task>('task_queue')
  const now = Date.now()
  const started = Date.now()
  const batch = 5000
  for (let done = 0; done < tasks; done += batch) {
    const n = Math.min(batch, tasks - done)
    await storage.transaction(() => {
      for (let i = 0; i < n; i++) {
        const k = done + i
        const task = k % queuedEvery === 0 ? createTask({ description: `queued ${k}`, submitted_by: 'admin' }, { now, id: generateTaskId() }) : completedTask(now - 3_600_000, `agent-${k % 100}`)
        void table.put(task.id, task)
      }
    })
  }
  await storage.settled()
  await storage.close()
  return (Date.now() - started) / 1000
}

function dirBytes(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const st = statSync(path)
    total += st.isDirectory() ? dirBytes(path) : st.size
  }
  return total
}

/** Starts a hub on `dir`, waits for /health 200; reports the time and what the start-up read. */
async function timedStart(dir: string, tasks: number, metric: string, target: string): Promise<HubProcess> {
  const spawned = Date.now()
  const hub = await startHubProcess({ cliPath: CLI, dataDir: dir, startTimeoutMs: 600_000 })
  const api = new HubApi(hub.port, hub.adminToken)
  while ((await api.health().catch(() => 0)) !== 200) await sleep(10)
  const restartMs = Date.now() - spawned
  const rebuilt = /task queue rebuilt from storage[^\n]*"from":"(\w+)"[^\n]*"ms":(\d+)/.exec(hub.output())
  const recovery = /"message":"storage: ([^"]*)"/.exec(hub.output())
  emit({ bench: BENCH, metric, value: restartMs, unit: 'ms', tasks, target, queue_from: rebuilt?.[1] ?? null, queue_rebuild_ms: rebuilt ? Number(rebuilt[2]) : null, storage: recovery?.[1] ?? null })
  api.close()
  return hub
}

async function restartWithTasks(): Promise<void> {
  const tasks = envInt('RESTART_TASKS', 1_000_000)
  const queuedEvery = 100
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-restart-'))
  try {
    // a first start creates the environment, the admin token and the schema version
    const first = await startHubProcess({ cliPath: CLI, dataDir: dir })
    await first.stop('SIGTERM')
    const fillS = await prefill(dir, tasks, queuedEvery)
    emit({ bench: BENCH, metric: 'prefill', value: round(fillS), unit: 's', tasks, data_mb: round(dirBytes(dir) / 2 ** 20) })

    // the tasks were written behind the queue's back: this start reads every record
    const imported = await timedStart(dir, tasks, 'start_after_import', '-')
    await imported.stop('SIGTERM')
    // an orderly stop left the queue's checkpoint and the clean-close marker
    const clean = await timedStart(dir, tasks, 'restart_after_clean_stop', '< 3000')
    const api = new HubApi(clean.port, clean.adminToken)
    const stats = await api.request('GET', '/api/tasks/stats')
    api.close()
    emit({ bench: BENCH, metric: 'hub_rss_after_restart', value: round(processUsage(clean.pid).rssBytes / 2 ** 20), unit: 'MiB', tasks, by_status: stats.body?.by_status ?? null })
    await clean.stop('SIGKILL')
    // after kill -9: no marker, no checkpoint — the full check and the full rebuild
    const killed = await timedStart(dir, tasks, 'restart_after_kill', '-')
    await killed.stop('SIGTERM')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const part = process.env.SCALE_PART
  if (part !== 'restart') await agentsAtScale()
  if (part !== 'agents') await restartWithTasks()
  printTable('scale (targets: 10 k agents < 1 GB RSS; restart < 3 s with 1 M tasks)')
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
