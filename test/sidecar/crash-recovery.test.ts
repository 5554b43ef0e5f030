// SIGKILL a real sidecar process at each step of a task, restart it, and check with a
// protocol-true hub that the task finishes exactly once (or is reported back) — never lost.
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildSidecarChild, type ChildBuild } from './child-build'
import { FakeHub, type FakeHubOptions } from './fake-hub'
import { tempDir } from './temp-dir'

const AGENT = 'gcu-crash'
let child: ChildBuild
t.before(() => {
  child = buildSidecarChild(tempDir(t, 'sidecar-child-build-'))
})

interface Child {
  proc: ChildProcess
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function spawnSidecar(t: Test, configPath: string, killAt?: string): Child {
  const proc = spawn(process.execPath, [child.script], {
    env: { ...child.env, SIDECAR_CHILD_CONFIG: configPath, SIDECAR_KILL_AT: killAt ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  proc.stdout?.on('data', (c: Buffer) => (output += c.toString()))
  proc.stderr?.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  )
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL')
      await exited
    }
  })
  return { proc, output: () => output, exited }
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer))
}

interface Setup {
  hub: FakeHub
  configPath: string
  resultsDir: string
  dataDir: string
}

async function setup(t: Test, hubOpts: FakeHubOptions = {}): Promise<Setup> {
  const hub = await FakeHub.start(hubOpts)
  t.teardown(() => hub.close())
  const dir = tempDir(t, 'sidecar-crash-')
  const resultsDir = join(dir, 'results')
  const dataDir = join(dir, 'data')
  mkdirSync(resultsDir)
  const configPath = join(dir, 'config.json')
  writeFileSync(
    configPath,
    JSON.stringify({ agent_id: AGENT, token: 'tok', hub_url: hub.url, data_dir: dataDir, results_dir: resultsDir, log_level: 'debug' }),
  )
  return { hub, configPath, resultsDir, dataDir }
}

/** The status of the active task as the sidecar last persisted it. */
function activeStatus(s: Setup): string | null {
  try {
    const doc = JSON.parse(readFileSync(join(s.dataDir, 'queue', 'queue.json'), 'utf8')) as { active: { status: string } | null }
    return doc.active?.status ?? null
  } catch {
    return null
  }
}

function writeResult(s: Setup, taskId: string): void {
  writeFileSync(join(s.resultsDir, `${taskId}.json`), JSON.stringify({ status: 'success', output: `finished ${taskId}` }))
}

/** Kill points in the order a task passes them. `resultEarly`: the agent writes its result before the kill. */
const STEPS: Array<{ killAt: string; resultEarly: boolean }> = [
  { killAt: 'persisted:accept', resultEarly: false },
  { killAt: 'sent:task_accepted', resultEarly: false },
  { killAt: 'persisted:update:working', resultEarly: false },
  { killAt: 'persisted:finish', resultEarly: true },
  { killAt: 'sent:task_complete', resultEarly: true },
]

for (const step of STEPS) {
  t.test(`SIGKILL at ${step.killAt}: after restart the task completes exactly once`, async (t) => {
    const s = await setup(t)
    const first = spawnSidecar(t, s.configPath, step.killAt)
    await until(() => s.hub.isConnected(AGENT), 'identified', 20_000)
    const generation = s.hub.assign(AGENT, 'task-1', { description: 'crash me' })
    if (step.resultEarly) {
      await until(() => activeStatus(s) === 'working', 'the agent session is working', 20_000)
      writeResult(s, 'task-1')
    }
    const died = await withTimeout(first.exited, 20_000, `child reaching ${step.killAt}`)
    t.equal(died.signal, 'SIGKILL', `killed at ${step.killAt}`)
    t.match(first.output(), `KILLED_AT ${step.killAt}`)
    if (!step.resultEarly) writeResult(s, 'task-1')

    const before = s.hub.received.length
    const second = spawnSidecar(t, s.configPath)
    // settle: the hub accepted a completion and the local queue (slots and outbox) is empty
    await until(() => s.hub.tasks.get('task-1')?.accepted_completions === 1, 'completion accepted by the hub', 20_000)
    await until(() => {
      const doc = JSON.parse(readFileSync(join(s.dataDir, 'queue', 'queue.json'), 'utf8')) as { outbox: unknown[]; active: unknown; recovering: unknown }
      return doc.outbox.length === 0 && doc.active === null && doc.recovering === null
    }, 'local queue drained', 20_000)
    const afterRestart = s.hub.received.slice(before).map((r) => r.frame)
    if (step.killAt !== 'persisted:finish' && step.killAt !== 'sent:task_complete') {
      const recovering = afterRestart.find((f) => f.type === 'task_recovering')
      t.match(recovering, { task_id: 'task-1', description: 'crash me' }, 'the task survived the kill and was reported')
      const i = afterRestart.indexOf(recovering!)
      t.ok(afterRestart.slice(i).some((f) => f.type === 'task_accepted'), 'task_accepted re-sent after task_continue')
    } else {
      t.ok(afterRestart.some((f) => f.type === 'task_complete'), 'the outcome left in the outbox was (re)sent')
    }
    const complete = s.hub.framesOfType('task_complete')
    t.equal(complete[0].generation, generation)
    t.match(complete[0].result, { status: 'success', output: 'finished task-1' })
    t.equal(s.hub.tasks.get('task-1')?.accepted_completions, 1, 'exactly once')
    await until(() => !existsSync(join(s.resultsDir, 'task-1.json')), 'result file consumed')
    second.proc.kill('SIGTERM')
    t.equal((await withTimeout(second.exited, 20_000, 'shutdown')).code, 0, 'clean shutdown')
  })
}

t.test('SIGKILL with a hub that reclaims on disconnect: reassigned, re-run, finished exactly once', async (t) => {
  const s = await setup(t, { reclaimOnDisconnect: true })
  const first = spawnSidecar(t, s.configPath, 'persisted:update:working')
  await until(() => s.hub.isConnected(AGENT), 'identified', 20_000)
  s.hub.assign(AGENT, 'task-1', { description: 'crash me' })
  t.equal((await withTimeout(first.exited, 20_000, 'child killed')).signal, 'SIGKILL')
  const before = s.hub.received.length
  spawnSidecar(t, s.configPath)
  await s.hub.waitFor((f) => f.type === 'task_recovering', 20_000, before)
  await until(() => s.hub.isConnected(AGENT), 'reconnected')
  // the hub answered task_reassign (its task went back to the queue); it now assigns it again
  await new Promise((r) => setTimeout(r, 200))
  const generation = s.hub.assign(AGENT, 'task-1', { description: 'crash me' })
  await until(() => activeStatus(s) === 'working', 'working again', 20_000)
  writeResult(s, 'task-1')
  await until(() => s.hub.tasks.get('task-1')?.accepted_completions === 1, 'completion accepted', 20_000)
  t.equal(s.hub.framesOfType('task_complete').at(-1)?.generation, generation)
  t.equal(s.hub.tasks.get('task-1')?.accepted_completions, 1)
})

t.test('a corrupt local queue is kept aside and its task reported back to the hub, not lost', async (t) => {
  const s = await setup(t)
  const first = spawnSidecar(t, s.configPath, 'persisted:update:working')
  await until(() => s.hub.isConnected(AGENT), 'identified', 20_000)
  s.hub.assign(AGENT, 'task-1', { description: 'will be corrupted' })
  await withTimeout(first.exited, 20_000, 'child killed')
  const queuePath = join(s.dataDir, 'queue', 'queue.json')
  const text = readFileSync(queuePath, 'utf8')
  writeFileSync(queuePath, text.slice(0, text.length - 40)) // torn write
  spawnSidecar(t, s.configPath)
  const failed = await s.hub.waitForType('task_failed', 20_000)
  t.match(failed, { task_id: 'task-1', reason: 'local_queue_corrupt', generation: 1 })
  t.equal(s.hub.tasks.get('task-1')?.status, 'queued', 'the hub requeued it at once')
  const dir = join(s.dataDir, 'queue')
  t.ok(readdirSync(dir).some((f) => f.startsWith('queue.json.corrupt-')), 'damaged file kept')
})
