// End-to-end throughput: tasks/s through a hub child process over real WebSockets with 100
// simulated v1.2 agents (submit over HTTP → task_assign → task_accepted → task_complete, every
// change committed to LMDB before it is acknowledged), beside BullMQ + Redis in the same run
// (AOF, fsync every second; 100-concurrency worker; jobs that complete at once), and the limits
// of the machine: raw LMDB durable commits/s and bare WebSocket echo round trips/s.
//
// Prints JSON lines {"bench":"e2e-throughput","metric","value","unit",...} and a table.
// Run: npm run bench:e2e   (env: E2E_TASKS default 5000, E2E_AGENTS 100, E2E_SUBMITTERS 32,
//      E2E_LIMIT_SECONDS 3)
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open, type RootDatabase } from 'lmdb'
import WebSocket from 'ws'
import { lmdbOpenOptions } from '../storage'
import { HubApi } from './sim/hub-api'
import { processUsage, startHubProcess } from './sim/hub-process'
import { startRedis } from './sim/redis-process'
import { emit, envInt, printTable, round } from './sim/report'
import { SimAgent, startAgents } from './sim/sim-agent'

const BENCH = 'e2e-throughput'
const CLI = join(__dirname, '..', 'cli', 'agentcom.js')

/** Runs `work(i)` for i in 0..n-1 with at most `parallel` in flight. */
export async function inParallel(n: number, parallel: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < n) await work(next++)
  }
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker))
}

export async function agentcomThroughput(tasks: number, agentCount: number, submitters: number): Promise<{ perS: number; hubCpuMsPerTask: number; hubRssMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-e2e-hub-'))
  const hub = await startHubProcess({ cliPath: CLI, dataDir: dir })
  const api = new HubApi(hub.port, hub.adminToken)
  const agents: SimAgent[] = []
  try {
    const ids = Array.from({ length: agentCount }, (_, i) => `bench-${String(i).padStart(4, '0')}`)
    const tokens = await api.createTokens(ids)
    await api.whitelist(ids)
    let completed = 0
    let finish: () => void = () => undefined
    const allDone = new Promise<void>((resolve) => (finish = resolve))
    for (const id of ids) {
      agents.push(
        new SimAgent({
          url: `ws://127.0.0.1:${hub.port}/ws`,
          agentId: id,
          token: tokens.get(id)!,
          onComplete: () => {
            if (++completed === tasks) finish()
          },
        }),
      )
    }
    await startAgents(agents)
    const cpuBefore = processUsage(hub.pid).cpuSeconds
    const started = process.hrtime.bigint()
    await inParallel(tasks, submitters, (i) => api.submit({ description: `bench task ${i}` }))
    await allDone
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const usage = processUsage(hub.pid)
    return { perS: tasks / seconds, hubCpuMsPerTask: ((usage.cpuSeconds - cpuBefore) * 1000) / tasks, hubRssMb: usage.rssBytes / 2 ** 20 }
  } finally {
    for (const a of agents) a.stop()
    api.close()
    await hub.stop('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function bullmqThroughput(jobs: number, concurrency: number, producers: number): Promise<{ perS: number; redisCpuMsPerJob: number }> {
  // loaded here: bullmq is a dev dependency of the benchmark only
  const { Queue, Worker } = await import('bullmq')
  const dir = mkdtempSync(join(tmpdir(), 'bench-e2e-redis-'))
  const redis = await startRedis(dir)
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }
  const queue = new Queue('bench', { connection })
  let completed = 0
  let finish: () => void = () => undefined
  const allDone = new Promise<void>((resolve) => (finish = resolve))
  const worker = new Worker('bench', async () => ({ ok: true }), { connection, concurrency })
  worker.on('completed', () => {
    if (++completed === jobs) finish()
  })
  try {
    await worker.waitUntilReady()
    await queue.waitUntilReady()
    const cpuBefore = processUsage(redis.child.pid!).cpuSeconds
    const started = process.hrtime.bigint()
    await inParallel(jobs, producers, (i) => queue.add('job', { description: `bench task ${i}` }))
    await allDone
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const cpu = processUsage(redis.child.pid!).cpuSeconds - cpuBefore
    return { perS: jobs / seconds, redisCpuMsPerJob: (cpu * 1000) / jobs }
  } finally {
    await worker.close()
    await queue.close()
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Sequential put → committed (one fsync each) on raw lmdb-js with the hub's open options. */
export async function lmdbDurableCommits(seconds: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-e2e-lmdb-'))
  const db = open(lmdbOpenOptions(join(dir, 'raw.mdb'))) as RootDatabase
  const table = db.openDB<{ n: number; description: string }, string>({ name: 'task_queue' })
  try {
    let commits = 0
    const until = Date.now() + seconds * 1000
    const started = process.hrtime.bigint()
    while (Date.now() < until) await table.put(`k${commits}`, { n: commits++, description: 'x'.repeat(200) })
    return commits / (Number(process.hrtime.bigint() - started) / 1e9)
  } finally {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Round trips/s of `clients` sockets each echoing one frame at a time, server in a child process. */
export async function websocketEcho(clients: number, seconds: number): Promise<{ perS: number; kind: string }> {
  const child = fork(join(__dirname, 'sim', 'echo-server.js'), [], { stdio: 'inherit' })
  const { port, kind } = await new Promise<{ port: number; kind: string }>((resolve, reject) => {
    child.once('message', (msg: { port: number; kind: string }) => resolve(msg))
    child.once('exit', () => reject(new Error('echo server exited')))
  })
  const frame = JSON.stringify({ type: 'task_complete', task_id: 'task-0123456789abcdef', generation: 1, result: { status: 'success' } })
  const sockets = await Promise.all(
    Array.from({ length: clients }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false })
      ws.once('open', () => resolve(ws))
      ws.once('error', reject)
    })),
  )
  let trips = 0
  const until = Date.now() + seconds * 1000
  const started = process.hrtime.bigint()
  await Promise.all(
    sockets.map((ws) => new Promise<void>((resolve) => {
      ws.on('message', () => {
        trips++
        if (Date.now() < until) ws.send(frame)
        else resolve()
      })
      ws.send(frame)
    })),
  )
  const perS = trips / (Number(process.hrtime.bigint() - started) / 1e9)
  for (const ws of sockets) ws.terminate()
  child.send('stop')
  await new Promise((resolve) => child.once('exit', resolve))
  return { perS, kind }
}

async function main(): Promise<void> {
  const tasks = envInt('E2E_TASKS', 5000)
  const agents = envInt('E2E_AGENTS', 100)
  const submitters = envInt('E2E_SUBMITTERS', 32)
  const limitSeconds = envInt('E2E_LIMIT_SECONDS', 3)

  const ours = await agentcomThroughput(tasks, agents, submitters)
  emit({ bench: BENCH, metric: 'agentcom_tasks_per_s', value: round(ours.perS), unit: 'tasks/s', tasks, agents, submitters })
  emit({ bench: BENCH, metric: 'agentcom_hub_cpu_per_task', value: round(ours.hubCpuMsPerTask), unit: 'ms', tasks })
  emit({ bench: BENCH, metric: 'agentcom_hub_rss', value: round(ours.hubRssMb), unit: 'MiB', tasks })

  const bull = await bullmqThroughput(tasks, 100, submitters)
  emit({ bench: BENCH, metric: 'bullmq_jobs_per_s', value: round(bull.perS), unit: 'jobs/s', jobs: tasks, concurrency: 100, producers: submitters, redis: 'appendonly yes, appendfsync everysec' })
  emit({ bench: BENCH, metric: 'bullmq_redis_cpu_per_job', value: round(bull.redisCpuMsPerJob), unit: 'ms', jobs: tasks })

  const commits = await lmdbDurableCommits(limitSeconds)
  emit({ bench: BENCH, metric: 'limit_lmdb_durable_commits_per_s', value: round(commits), unit: 'commits/s' })
  const echo = await websocketEcho(agents, limitSeconds)
  emit({ bench: BENCH, metric: 'limit_ws_echo_round_trips_per_s', value: round(echo.perS), unit: 'round trips/s', clients: agents, transport: echo.kind })

  emit({ bench: BENCH, metric: 'ratio_agentcom_vs_bullmq', value: round(ours.perS / bull.perS), unit: 'x', target: '>= 2' })
  emit({ bench: BENCH, metric: 'ratio_agentcom_vs_lmdb_commits', value: round(ours.perS / commits), unit: 'x' })
  emit({ bench: BENCH, metric: 'ratio_agentcom_vs_ws_echo', value: round(ours.perS / echo.perS), unit: 'x' })
  printTable('e2e-throughput')
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
