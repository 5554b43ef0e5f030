// Actor runtime figures as JSON lines: call round trips/s, casts/s and restart latency
// (crash -> replacement serving) for in-memory and forked actors, beside plain async calls.
// Run: npm run bench:runtime   (or node dist/bench/runtime.js [--quick])

import { cpus } from 'node:os'
import { Actor, ActorSystem, PROBE_ACTOR_MODULE, ProbeActor, silentLogger, type ActorRef, type ProbeCall, type ProbeCast } from '../actors/runtime'
import { benchComedyInMemoryRoundTrips } from '../actors/runtime/comedy-substrate'
import { startSupervisor, workerSpec, type SupervisorEvent } from '../supervisors'

const quick = process.argv.includes('--quick')
const N = quick ? 20_000 : 200_000

type EchoCall = { type: 'echo'; n: number }
type EchoCast = { type: 'bump' }

class Echo extends Actor<EchoCall, EchoCast> {
  count = 0
  override handleCall(msg: EchoCall): number {
    return msg.n + 1
  }
  override handleCast(): void {
    this.count++
  }
}

function emit(record: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ bench: 'runtime', ...record }) + '\n')
}

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9
}

function percentile(sortedMs: number[], p: number): number {
  const idx = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)
  return Number(sortedMs[Math.max(0, idx)].toFixed(3))
}

async function plainAsyncBaseline(): Promise<void> {
  const fn = async (n: number) => n + 1
  const start = process.hrtime.bigint()
  for (let i = 0; i < N; i++) await fn(i)
  emit({ metric: 'call_roundtrips_per_sec', mode: 'plain-async-function', value: Math.round(N / secondsSince(start)), iterations: N })
}

async function sequentialCalls(ref: ActorRef<EchoCall | ProbeCall>, iterations: number, mode: string, msg: (i: number) => EchoCall | ProbeCall): Promise<void> {
  for (let i = 0; i < Math.min(1000, iterations); i++) await ref.call(msg(i)) // warm up
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) await ref.call(msg(i))
  emit({ metric: 'call_roundtrips_per_sec', mode, value: Math.round(iterations / secondsSince(start)), iterations, concurrency: 1 })
}

async function pipelinedCalls(ref: ActorRef<EchoCall | ProbeCall>, iterations: number, mode: string, msg: (i: number) => EchoCall | ProbeCall, window = 100): Promise<void> {
  const start = process.hrtime.bigint()
  for (let done = 0; done < iterations; done += window) {
    const batch: Promise<unknown>[] = []
    for (let i = 0; i < window; i++) batch.push(ref.call(msg(done + i)))
    await Promise.all(batch)
  }
  emit({ metric: 'call_roundtrips_per_sec', mode, value: Math.round(iterations / secondsSince(start)), iterations, concurrency: window })
}

async function casts(ref: ActorRef<EchoCall | ProbeCall, EchoCast | ProbeCast>, iterations: number, mode: string, sync: EchoCall | ProbeCall): Promise<void> {
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) ref.cast({ type: 'bump' })
  await ref.call(sync, { timeoutMs: 120_000 }) // all casts before it are handled
  emit({ metric: 'casts_per_sec', mode, value: Math.round(iterations / secondsSince(start)), iterations })
}

/** Crash the supervised child, time until the replacement has answered a call. */
async function restartLatency(system: ActorSystem, mode: 'in-memory' | 'forked', samples: number): Promise<void> {
  const name = `restart-${mode}`
  const spec =
    mode === 'forked'
      ? workerSpec(ProbeActor, {}, { name, mode: 'forked', module: PROBE_ACTOR_MODULE })
      : workerSpec(ProbeActor, {}, { name })
  const sup = await startSupervisor(system, { name: `sup-${mode}`, maxRestarts: samples * 2, maxSeconds: 3600, children: [spec] })
  const restarted = new Map<string, () => void>()
  const off = system.bus.subscribe('supervisor', (e) => {
    const ev = e as SupervisorEvent
    if (ev.event === 'restart' && ev.child === name) restarted.get('next')?.()
  })
  const latencies: number[] = []
  for (let i = 0; i < samples; i++) {
    const ref = system.whereis<ProbeCall, ProbeCast>(name)!
    const back = new Promise<void>((resolve) => restarted.set('next', resolve))
    const start = process.hrtime.bigint()
    if (mode === 'forked') ref.cast({ type: 'exit_process', code: 1 })
    else ref.cast({ type: 'crash', message: 'bench' })
    await back
    await system.whereis<ProbeCall>(name)!.call({ type: 'count' })
    latencies.push(secondsSince(start) * 1000)
  }
  off()
  await system.stop(sup, 'shutdown', 10_000)
  latencies.sort((a, b) => a - b)
  emit({ metric: 'restart_latency_ms', mode, median: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100), samples })
}

async function spawnLatency(system: ActorSystem, samples: number): Promise<void> {
  const latencies: number[] = []
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint()
    const ref = await system.spawn(Echo)
    await ref.call({ type: 'echo', n: 1 })
    latencies.push(secondsSince(start) * 1000)
    await system.stop(ref)
  }
  latencies.sort((a, b) => a - b)
  emit({ metric: 'spawn_to_serving_ms', mode: 'in-memory', median: percentile(latencies, 50), p99: percentile(latencies, 99), samples })
}

async function main(): Promise<void> {
  emit({ metric: 'environment', node: process.version, cpus: cpus().length, quick })
  await plainAsyncBaseline()
  emit({ metric: 'call_roundtrips_per_sec', mode: 'comedy-raw-in-memory', value: Math.round(await benchComedyInMemoryRoundTrips(N)), iterations: N })

  const system = new ActorSystem({ logger: silentLogger })
  const echo = await system.spawn(Echo)
  const echoMsg = (n: number): EchoCall => ({ type: 'echo', n })
  await sequentialCalls(echo, N, 'in-memory', echoMsg)
  await pipelinedCalls(echo, N, 'in-memory', echoMsg)
  await casts(echo, N * 5, 'in-memory', { type: 'echo', n: 0 })
  await spawnLatency(system, quick ? 200 : 1000)
  await restartLatency(system, 'in-memory', quick ? 200 : 1000)

  const forked = await system.spawn(ProbeActor, {}, { mode: 'forked', module: PROBE_ACTOR_MODULE })
  const probeMsg = (n: number): ProbeCall => ({ type: 'echo', value: n })
  const forkedN = quick ? 2_000 : 20_000
  await sequentialCalls(forked, forkedN, 'forked', probeMsg)
  await pipelinedCalls(forked, forkedN, 'forked', probeMsg)
  await casts(forked, forkedN, 'forked', { type: 'count' })
  await system.stop(forked, 'shutdown')
  await restartLatency(system, 'forked', quick ? 5 : 20)
  await system.shutdown()
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/runtime failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
