import t, { type Test } from 'tap'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { VirtualClock } from '../../relay/sidecar/clock'
import { MemoryLog } from '../../relay/sidecar/event-log'
import { BusyError, LocalQueue, salvageTaskIds, taskRecordFromAssign, type TaskRecord } from '../../relay/sidecar/local-queue'

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-queue-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function record(taskId: string, generation = 1): TaskRecord {
  return taskRecordFromAssign({ type: 'task_assign', task_id: taskId, description: `do ${taskId}`, generation }, 1000)
}

function onDisk(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'queue.json'), 'utf8')) as Record<string, unknown>
}

t.test('accept is durable when it returns, and a second accept is refused as busy', async (t) => {
  const dir = tempDir(t)
  const writes: string[] = []
  const q = LocalQueue.open(dir, { onPersisted: (w) => writes.push(w) })
  q.accept(record('t1'))
  t.same(writes, ['accept'])
  t.equal((onDisk(dir).active as TaskRecord).task_id, 't1')
  t.throws(() => q.accept(record('t2')), BusyError)
  t.ok(q.isBusy())
  t.same(readdirSync(dir).filter((f) => f.includes('.tmp')), [], 'no temp file left behind')
})

t.test('the persisted record has spec defaults and no runtime handles', async (t) => {
  const r = taskRecordFromAssign({ type: 'task_assign', task_id: 'x' }, 42)
  t.same(r, {
    task_id: 'x',
    description: '',
    metadata: {},
    status: 'accepted',
    assigned_at: 42,
    accepted_at: 42,
    generation: 0,
    wake_attempts: 0,
    repo: null,
    branch: null,
    file_hints: [],
    success_criteria: [],
    verification_steps: [],
    complexity: null,
    skip_verification: false,
    verification_timeout_ms: null,
    routing_decision: null,
    max_verification_retries: 0,
    run_count: 0,
  })
})

t.test('restart: the active task becomes recovering; an unanswered older one becomes an orphan', async (t) => {
  const dir = tempDir(t)
  const q1 = LocalQueue.open(dir)
  q1.accept(record('a'))
  const q2 = LocalQueue.open(dir)
  t.equal(q2.recoverAfterRestart()?.task_id, 'a')
  t.equal(q2.active, null)
  t.equal(q2.recovering?.task_id, 'a')
  q2.accept(record('b'))
  const q3 = LocalQueue.open(dir)
  q3.recoverAfterRestart()
  t.equal(q3.recovering?.task_id, 'b')
  t.same(
    q3.orphans.map((o) => [o.task_id, o.reason]),
    [['a', 'sidecar_restarted_before_recovery']],
    'the older recovering task is kept to be reported, not overwritten',
  )
})

t.test('task_continue adopts the generation and resumes; a conflict fails the recovered task back', async (t) => {
  const dir = tempDir(t)
  const q = LocalQueue.open(dir)
  q.accept(record('a', 3))
  q.recoverAfterRestart()
  const resumed = q.continueRecovering('a', 7)
  t.equal(resumed.outcome, 'resume')
  t.equal(q.active?.generation, 7)
  t.equal(LocalQueue.open(dir).active?.generation, 7, 'generation persisted')

  q.recoverAfterRestart()
  q.accept(record('b'))
  const conflict = q.continueRecovering('a', 8)
  t.equal(conflict.outcome, 'conflict')
  t.equal(q.active?.task_id, 'b', 'the task accepted meanwhile is not dropped')
  t.equal(q.recovering, null)
  t.same(q.outbox.map((e) => e.frame), [{ type: 'task_failed', task_id: 'a', generation: 8, reason: 'busy_after_recovery' }])
  t.equal(q.continueRecovering('zzz', 1).outcome, 'unknown')
})

t.test('finish clears the slot and queues the outcome in one write', async (t) => {
  const dir = tempDir(t)
  const writes: string[] = []
  const clock = new VirtualClock(5000)
  const q = LocalQueue.open(dir, { clock, onPersisted: (w) => writes.push(w) })
  q.accept(record('a', 2))
  const entry = q.finish('a', { type: 'task_complete', task_id: 'a', generation: 2, result: {}, verification_report: null, verification_history: null })
  t.same(writes, ['accept', 'finish'])
  t.same(entry, { seq: 1, created_at: 5000, frame: { type: 'task_complete', task_id: 'a', generation: 2, result: {}, verification_report: null, verification_history: null } })
  const disk = onDisk(dir)
  t.equal(disk.active, null)
  t.equal((disk.outbox as unknown[]).length, 1)
  t.equal(q.finish('a', { type: 'task_failed', task_id: 'a', generation: 2, reason: 'x' }), null, 'a task no longer held is not finished twice')
  q.removeOutboxEntry(1)
  t.same(LocalQueue.open(dir).outbox, [])
})

t.test('reassign drops the recovering task or an orphan; abandon drops the active one', async (t) => {
  const dir = tempDir(t)
  const q = LocalQueue.open(dir)
  q.accept(record('a'))
  q.recoverAfterRestart()
  t.ok(q.dropRecovering('a'))
  t.notOk(q.dropRecovering('a'))
  q.accept(record('b'))
  t.ok(q.abandon('b'))
  t.equal(q.active, null)
})

t.test('a corrupt store is kept aside, reported, and its task ids salvaged as orphans', async (t) => {
  const dir = tempDir(t)
  const q = LocalQueue.open(dir)
  q.accept(record('task-123'))
  const text = readFileSync(join(dir, 'queue.json'), 'utf8')
  writeFileSync(join(dir, 'queue.json'), text.slice(0, Math.floor(text.length / 2)))
  const log = new MemoryLog()
  const clock = new VirtualClock(777)
  const reopened = LocalQueue.open(dir, { log, clock })
  t.ok(reopened.corruption)
  t.equal(reopened.corruption?.keptAt, join(dir, 'queue.json.corrupt-777'))
  t.ok(existsSync(join(dir, 'queue.json.corrupt-777')), 'damaged file kept')
  t.equal(readFileSync(join(dir, 'queue.json.corrupt-777'), 'utf8'), text.slice(0, Math.floor(text.length / 2)))
  t.same(reopened.corruption?.salvagedTaskIds, ['task-123'])
  t.same(reopened.orphans.map((o) => [o.task_id, o.reason]), [['task-123', 'local_queue_corrupt']])
  t.equal(log.named('local_queue_corrupt').length, 1)
  t.equal(log.named('local_queue_corrupt')[0].level, 'error')
  // the orphan is durable too: a second restart still knows about it
  t.same(LocalQueue.open(dir).orphans.map((o) => o.task_id), ['task-123'])
  const failed = reopened.continueRecovering('task-123', 4)
  t.equal(failed.outcome, 'orphan_failed')
  t.same(reopened.outbox.map((e) => e.frame), [{ type: 'task_failed', task_id: 'task-123', generation: 4, reason: 'local_queue_corrupt' }])
})

t.test('a parseable file of the wrong shape is corrupt too (no "busy forever")', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'queue.json'), JSON.stringify({ recovering: null }))
  const q = LocalQueue.open(dir)
  t.match(q.corruption?.error, /schema mismatch/)
  t.notOk(q.isBusy())
})

t.test('salvageTaskIds reads ids from damaged text', async (t) => {
  t.same(salvageTaskIds('{"active":{"task_id":"a\\"b","x":1},"recovering":{"task_id":"c"'), ['a"b', 'c'])
  t.same(salvageTaskIds('garbage'), [])
})

t.test('stale temp files of a crashed write are removed at open', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'queue.json.tmp-99999'), '{"half')
  LocalQueue.open(dir)
  t.same(readdirSync(dir).filter((f) => f.includes('.tmp')), [])
})
