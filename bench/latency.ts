// Scheduling latency: submit → task_assign at 1,000 connected, identified agents. One task at
// a time (the next after the previous completed), so every sample starts from an idle fleet
// and an empty queue. Clocks: performance.now() in this process, which holds both the HTTP
// client and every agent socket; the hub is a child process.
//
// Prints JSON lines {"bench":"latency","metric","value","unit",...} and a table.
// Run: npm run build && node dist/bench/latency.js   (env LATENCY_AGENTS default 1000,
//      LATENCY_SAMPLES 500)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { open, type RootDatabase } from 'lmdb'
import { lmdbOpenOptions } from '../storage'
import { HubApi } from './sim/hub-api'
import { processUsage, startHubProcess } from './sim/hub-process'
import { emit, envInt, printTable, quantile, round } from './sim/report'
import { SimAgent, startAgents } from './sim/sim-agent'

const BENCH = 'latency'
const CLI = join(__dirname, '..', 'cli', 'agentcom.js')

/**
 * The floor under any durable reply: put → committed latencies of raw lmdb-js with the hub's
 * open options, in the same run (the disk is shared; its fsync latency drifts).
 */
async function lmdbCommitLatencies(samples: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-latency-lmdb-'))
  const db = open(lmdbOpenOptions(join(dir, 'raw.mdb'))) as RootDatabase
  const table = db.openDB<{ n: number }, string>({ name: 'task_queue' })
  try {
    const out: number[] = []
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now()
      await table.put(`k${i}`, { n: i })
      out.push(performance.now() - t0)
    }
    return out
  } finally {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const agentCount = envInt('LATENCY_AGENTS', 1000)
  const samples = envInt('LATENCY_SAMPLES', 500)
  const dir = mkdtempSync(join(tmpdir(), 'bench-latency-hub-'))
  const hub = await startHubProcess({ cliPath: CLI, dataDir: dir })
  const api = new HubApi(hub.port, hub.adminToken)
  const agents: SimAgent[] = []
  try {
    const ids = Array.from({ length: agentCount }, (_, i) => `lat-${String(i).padStart(5, '0')}`)
    const tokens = await api.createTokens(ids, 64)
    await api.whitelist(ids)
    const assignedAt = new Map<string, number>()
    const waiting = new Map<string, () => void>()
    const onAssign = (frame: { task_id?: unknown }, at: number) => assignedAt.set(String(frame.task_id), at)
    const onComplete = (taskId: string) => {
      waiting.get(taskId)?.()
      waiting.delete(taskId)
    }
    for (const id of ids) agents.push(new SimAgent({ url: `ws://127.0.0.1:${hub.port}/ws`, agentId: id, token: tokens.get(id)!, onAssign, onComplete }))
    await startAgents(agents, 100)

    const toAssign: number[] = []
    const toAck: number[] = []
    const ackToAssign: number[] = []
    for (let i = 0; i < samples + 20; i++) {
      const t0 = performance.now()
      let completed: () => void = () => undefined
      const done = new Promise<void>((resolve) => (completed = resolve))
      const taskId = await api.submit({ description: `latency probe ${i}` })
      const acked = performance.now()
      waiting.set(taskId, completed)
      await done
      const assigned = assignedAt.get(taskId)!
      if (i < 20) continue // warm-up
      toAssign.push(assigned - t0)
      toAck.push(acked - t0)
      ackToAssign.push(assigned - acked)
    }
    const usage = processUsage(hub.pid)
    const figure = (metric: string, values: number[]) => {
      for (const [name, q] of [['p50', 0.5], ['p99', 0.99], ['max', 1]] as const) {
        emit({ bench: BENCH, metric: `${metric}_${name}`, value: round(quantile(values, q)), unit: 'ms', agents: agentCount, samples })
      }
    }
    figure('submit_to_assign', toAssign)
    figure('submit_to_201', toAck)
    emit({ bench: BENCH, metric: '201_to_assign_p50', value: round(quantile(ackToAssign, 0.5)), unit: 'ms', note: 'negative: task_assign arrived before the HTTP reply' })
    figure('floor_lmdb_commit', await lmdbCommitLatencies(samples))
    emit({ bench: BENCH, metric: 'hub_rss', value: round(usage.rssBytes / 2 ** 20), unit: 'MiB', agents: agentCount })
    printTable('latency (target: submit_to_assign p99 < 5 ms)')
  } finally {
    for (const a of agents) a.stop()
    api.close()
    await hub.stop('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
