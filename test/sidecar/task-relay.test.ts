import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { VirtualClock } from '../../relay/sidecar/clock'
import { HubConnection, identifyFrame } from '../../relay/sidecar/connection'
import { MemoryLog } from '../../relay/sidecar/event-log'
import { LocalQueue, taskRecordFromAssign, type TaskRecord } from '../../relay/sidecar/local-queue'
import { TaskRelay, type RelayEvent } from '../../relay/sidecar/task-relay'
import type { TaskOutcome, TaskRunContext, TaskRunner } from '../../relay/sidecar/task-runner'
import { FakeHub, type FakeHubOptions, type HubFrame } from './fake-hub'
import { tempDir } from './temp-dir'

const AGENT = 'gcu-relay'

/** A runner the test finishes by hand. */
class HeldRunner implements TaskRunner {
  readonly runs: TaskRunContext[] = []
  private pending = new Map<string, (o: TaskOutcome) => void>()
  throwWith: Error | null = null

  run(ctx: TaskRunContext): Promise<TaskOutcome> {
    this.runs.push(ctx)
    if (this.throwWith) return Promise.reject(this.throwWith)
    return new Promise((resolve) => {
      this.pending.set(ctx.task.task_id, resolve)
      ctx.signal.addEventListener('abort', () => resolve({ kind: 'abandoned' }))
    })
  }

  finish(taskId: string, outcome: TaskOutcome = { kind: 'complete', result: { status: 'success', output: `done ${taskId}` }, verification_report: null, verification_history: null }): void {
    const resolve = this.pending.get(taskId)
    if (!resolve) throw new Error(`no run of ${taskId} pending`)
    this.pending.delete(taskId)
    resolve(outcome)
  }
}

interface Rig {
  hub: FakeHub
  clock: VirtualClock
  dir: string
  runner: HeldRunner
  events: RelayEvent[]
  order: string[]
  log: MemoryLog
  start: () => Promise<{ relay: TaskRelay; queue: LocalQueue; conn: HubConnection }>
}

async function rig(t: Test, hubOpts: FakeHubOptions = {}, selectNull = false): Promise<Rig> {
  const hub = await FakeHub.start(hubOpts)
  t.teardown(() => hub.close())
  const dir = tempDir(t, 'sidecar-relay-')
  const clock = new VirtualClock()
  const runner = new HeldRunner()
  const events: RelayEvent[] = []
  const order: string[] = []
  const log = new MemoryLog()
  const start = async (): Promise<{ relay: TaskRelay; queue: LocalQueue; conn: HubConnection }> => {
    const queue = LocalQueue.open(join(dir, 'queue'), { clock, log, onPersisted: (w) => order.push(`persisted:${w}`) })
    const conn = new HubConnection({ url: hub.url, identify: identifyFrame({ agent_id: AGENT, token: 't', capabilities: [], ollama_url: null }), clock, log, random: () => 0,
      // heartbeats are tested in connection.test.ts; here they would race the virtual clock
      pingIntervalMs: 3_600_000 })
    conn.on('sent', (f) => order.push(`sent:${f.type}`))
    const relay = new TaskRelay({
      queue,
      connection: conn,
      clock,
      log,
      selectRunner: () => (selectNull ? null : runner),
      onEvent: (e) => events.push(e),
    })
    conn.on('identified', () => relay.onIdentified())
    conn.on('disconnected', () => relay.onDisconnected())
    conn.on('frame', (f) => relay.handleFrame(f))
    relay.recoverAfterRestart()
    const identified = new Promise<void>((resolve) => conn.on('identified', () => resolve()))
    conn.start()
    t.teardown(async () => {
      await relay.stop()
      conn.stop()
    })
    await identified
    return { relay, queue, conn }
  }
  return { hub, clock, dir, runner, events, order, log, start }
}

async function until(check: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met in time`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

const types = (frames: HubFrame[]): string[] => frames.map((f) => f.type)

t.test('persist-then-ack: the task is on disk before task_accepted goes out', async (t) => {
  const r = await rig(t)
  const { queue } = await r.start()
  let onDiskWhenAcked: unknown = null
  r.hub.waitForType('task_accepted').then(() => {
    onDiskWhenAcked = (JSON.parse(readFileSync(queue.path, 'utf8')) as { active: TaskRecord | null }).active?.task_id
  }, () => undefined)
  r.hub.assign(AGENT, 'task-1', { description: 'write docs', metadata: { priority: 'high' } })
  await r.hub.waitForType('task_accepted')
  t.equal(onDiskWhenAcked, 'task-1')
  const accept = r.order.indexOf('persisted:accept')
  const ack = r.order.indexOf('sent:task_accepted')
  t.ok(accept >= 0 && ack > accept, `persisted before sent (${r.order.join(', ')})`)
  t.equal(queue.active?.description, 'write docs')
  t.same(queue.active?.metadata, { priority: 'high' })
})

t.test('busy: a second assignment gets task_rejected {reason: busy}', async (t) => {
  const r = await rig(t)
  const { queue } = await r.start()
  r.hub.assign(AGENT, 'task-1')
  await r.hub.waitForType('task_accepted')
  r.hub.assign(AGENT, 'task-2')
  const rejected = await r.hub.waitForType('task_rejected')
  t.same(rejected, { type: 'task_rejected', task_id: 'task-2', reason: 'busy', protocol_version: 1 })
  t.equal(queue.active?.task_id, 'task-1')
  t.equal(r.hub.tasks.get('task-2')?.status, 'queued', 'the hub got it back at once')
})

t.test('the same task assigned again (new generation) is re-acknowledged, not rejected', async (t) => {
  const r = await rig(t)
  const { queue } = await r.start()
  r.hub.assign(AGENT, 'task-1')
  await r.hub.waitForType('task_accepted')
  const gen = r.hub.assign(AGENT, 'task-1')
  await until(() => r.hub.framesOfType('task_accepted').length === 2, 'second ack')
  t.equal(queue.active?.generation, gen)
  t.equal(r.hub.framesOfType('task_rejected').length, 0)
  r.runner.finish('task-1')
  await until(() => r.hub.tasks.get('task-1')?.accepted_completions === 1, 'completion')
})

t.test('a finished task is reported with its generation and leaves the outbox once acked', async (t) => {
  const r = await rig(t)
  const { queue } = await r.start()
  const gen = r.hub.assign(AGENT, 'task-1')
  await r.hub.waitForType('task_accepted')
  r.runner.finish('task-1')
  const complete = await r.hub.waitForType('task_complete')
  t.match(complete, { task_id: 'task-1', generation: gen, result: { status: 'success' }, verification_report: null, verification_history: null })
  await until(() => queue.outbox.length === 0, 'outbox drained')
  t.equal(queue.active, null)
  t.match(r.events.find((e) => e.type === 'outcome_settled'), { how: { kind: 'acked', status: 'complete' } })
})

t.test('restart recovery: task_recovering, then after task_continue the task is re-accepted and resumed', async (t) => {
  const r = await rig(t)
  // a previous process accepted task-1 (generation 1) and died
  const previous = LocalQueue.open(join(r.dir, 'queue'))
  previous.accept({ ...taskRecordFromAssign({ type: 'task_assign', task_id: 'task-1', description: 'old work', metadata: { a: 1 }, generation: 1 }, 1), status: 'working' })
  r.hub.tasks.set('task-1', { task_id: 'task-1', status: 'assigned', generation: 4, assigned_to: AGENT, accepted_completions: 0, refused_outcomes: 0, failures: 0 })

  const { queue } = await r.start()
  const recovering = await r.hub.waitForType('task_recovering')
  t.same(recovering, { type: 'task_recovering', task_id: 'task-1', description: 'old work', metadata: { a: 1 }, last_status: 'working', protocol_version: 1 })
  await r.hub.waitForType('task_accepted')
  const sequence = types(r.hub.received.map((x) => x.frame)).filter((x) => x === 'task_recovering' || x === 'task_accepted')
  t.same(sequence, ['task_recovering', 'task_accepted'])
  await until(() => r.runner.runs.length === 1, 'resumed run')
  t.equal(r.runner.runs[0].resumed, true)
  t.equal(r.runner.runs[0].task.generation, 4, "the hub's generation is adopted")
  t.equal(queue.recovering, null)
  r.runner.finish('task-1')
  const complete = await r.hub.waitForType('task_complete')
  t.equal(complete.generation, 4)
  await until(() => r.hub.tasks.get('task-1')?.accepted_completions === 1, 'accepted')
})

t.test('restart recovery: task_reassign drops the task without running it', async (t) => {
  const r = await rig(t)
  LocalQueue.open(join(r.dir, 'queue')).accept(taskRecordFromAssign({ type: 'task_assign', task_id: 'gone', generation: 1 }, 1))
  const { queue } = await r.start()
  await r.hub.waitForType('task_recovering')
  await until(() => queue.recovering === null, 'dropped')
  t.equal(r.runner.runs.length, 0)
  t.equal(r.hub.framesOfType('task_accepted').length, 0)
})

t.test('a continue arriving after another task was accepted fails the old one back; nothing is dropped', async (t) => {
  const r = await rig(t, { answerRecovering: false })
  LocalQueue.open(join(r.dir, 'queue')).accept(taskRecordFromAssign({ type: 'task_assign', task_id: 'old', generation: 1 }, 1))
  r.hub.tasks.set('old', { task_id: 'old', status: 'assigned', generation: 2, assigned_to: AGENT, accepted_completions: 0, refused_outcomes: 0, failures: 0 })
  const { queue } = await r.start()
  await r.hub.waitForType('task_recovering')
  // the recovering slot does not make the sidecar busy: a new task is accepted meanwhile
  r.hub.assign(AGENT, 'new')
  await r.hub.waitForType('task_accepted')
  r.hub.sendTo(AGENT, { type: 'task_continue', task_id: 'old', generation: 2 })
  const failed = await r.hub.waitForType('task_failed')
  t.same(failed, { type: 'task_failed', task_id: 'old', generation: 2, reason: 'busy_after_recovery', protocol_version: 1 })
  t.equal(queue.active?.task_id, 'new', 'the task accepted meanwhile keeps running')
  t.equal(r.hub.tasks.get('old')?.status, 'queued', 'the hub requeued the old task at once')
  t.same(r.runner.runs.map((x) => x.task.task_id), ['new'])
})

t.test('outbox: a completion produced while disconnected is delivered after reconnect', async (t) => {
  const r = await rig(t)
  const { queue, conn } = await r.start()
  const gen = r.hub.assign(AGENT, 'task-1')
  await r.hub.waitForType('task_accepted')
  const dropped = new Promise<void>((resolve) => conn.on('disconnected', () => resolve()))
  r.hub.dropConnections()
  await dropped
  r.runner.finish('task-1')
  await until(() => queue.outbox.length === 1, 'queued in outbox')
  t.equal(queue.active, null)
  t.equal(r.hub.framesOfType('task_complete').length, 0, 'nothing could be sent')
  t.same(
    (JSON.parse(readFileSync(queue.path, 'utf8')) as { outbox: Array<{ frame: { task_id: string } }> }).outbox.map((e) => e.frame.task_id),
    ['task-1'],
    'the outbox is on disk',
  )
  const reidentified = new Promise<void>((resolve) => conn.on('identified', () => resolve()))
  await r.clock.advance(1000)
  await reidentified
  const complete = await r.hub.waitForType('task_complete')
  t.equal(complete.generation, gen)
  await until(() => queue.outbox.length === 0, 'outbox drained after ack')
  t.equal(r.hub.tasks.get('task-1')?.accepted_completions, 1)
})

t.test('outbox: an unanswered outcome is resent after the ack timeout; a refusal ends it', async (t) => {
  const r = await rig(t)
  const { queue } = await r.start()
  r.hub.assign(AGENT, 'task-1')
  await r.hub.waitForType('task_accepted')
  // the hub moves on (e.g. reclaimed and re-queued): our generation is now stale
  r.hub.tasks.get('task-1')!.generation += 5
  r.runner.finish('task-1', { kind: 'failed', reason: 'boom' })
  const failed = await r.hub.waitForType('task_failed')
  t.equal(failed.reason, 'boom')
  await until(() => queue.outbox.length === 0, 'refused entry removed')
  t.match(r.events.find((e) => e.type === 'outcome_settled'), { how: { kind: 'refused', error: 'task_fail_failed: stale_generation' } })
  t.equal(r.log.named('outcome_refused_by_hub').length, 1)
})

t.test('after a reconnect the active task is re-checked: continue → re-ack; reassign → run abandoned', async (t) => {
  const r = await rig(t, { reclaimOnDisconnect: true })
  const { queue, conn } = await r.start()
  r.hub.assign(AGENT, 'task-1')
  await r.hub.waitForType('task_accepted')
  await until(() => r.runner.runs.length === 1, 'running')
  const dropped = new Promise<void>((resolve) => conn.on('disconnected', () => resolve()))
  r.hub.dropConnections()
  await dropped
  await r.clock.advance(1000)
  await r.hub.waitForType('task_recovering')
  await until(() => queue.active === null, 'abandoned after reassign')
  await until(() => r.runner.runs[0].signal.aborted, 'run aborted')
  t.equal(r.hub.framesOfType('task_complete').length, 0)
  t.match(r.events.find((e) => e.type === 'abandoned'), { taskId: 'task-1' })
})

t.test('keep-alive: a quiet task sends task_progress every keep-alive interval', async (t) => {
  const r = await rig(t)
  await r.start()
  r.hub.assign(AGENT, 'task-1')
  await r.hub.waitForType('task_accepted')
  await r.clock.advance(59_999)
  t.equal(r.hub.framesOfType('task_progress').length, 0)
  await r.clock.advance(1)
  const progress = await r.hub.waitForType('task_progress')
  t.same(progress, { type: 'task_progress', task_id: 'task-1', protocol_version: 1 })
  r.runner.runs[0].progress({ event_type: 'status', text: 'halfway', tokens_so_far: null, model: null })
  await until(() => r.hub.framesOfType('task_progress').length === 2, 'explicit progress')
  t.match(r.hub.framesOfType('task_progress')[1], { execution_event: { event_type: 'status', text: 'halfway', timestamp: r.clock.now() } })
  await r.clock.advance(60_000)
  await until(() => r.hub.framesOfType('task_progress').length === 3, 'next keep-alive')
})

t.test('a runner that throws produces task_failed executor_error', async (t) => {
  const r = await rig(t)
  r.runner.throwWith = new Error('executor exploded')
  await r.start()
  r.hub.assign(AGENT, 'task-1')
  const failed = await r.hub.waitForType('task_failed')
  t.equal(failed.reason, 'executor_error: executor exploded')
})

t.test('no runner for the routed target → task_failed no_executor', async (t) => {
  const r = await rig(t, {}, true)
  await r.start()
  r.hub.assign(AGENT, 'task-1', { routing_decision: { target_type: 'ollama' } })
  const failed = await r.hub.waitForType('task_failed')
  t.equal(failed.reason, 'no_executor: ollama')
})

t.test('malformed task_assign frames are logged, not fatal', async (t) => {
  const r = await rig(t)
  const { queue } = await r.start()
  r.hub.sendTo(AGENT, { type: 'task_assign', description: 'no id' })
  r.hub.sendTo(AGENT, { type: 'task_assign', task_id: 'ok-1' })
  await r.hub.waitForType('task_accepted')
  t.equal(queue.active?.task_id, 'ok-1')
  t.match(r.log.named('ws_message_parse_error')[0].fields, { error: /invalid task_assign frame/ })
})
