import t from 'tap'
import type { Test } from 'tap'
import { CompactionActor, type CompactionActorArgs, type CompactionCall, type CompactionStatus } from '../../actors/compaction/actor'
import { ACTOR, TOPIC } from '../../actors/names'
import { createTestSystem } from '../../actors/runtime'
import { UnknownTableError, writeCompactedCopy, type CompactResponse, type CompactTableResult, type Storage } from '../../storage'
import { taskIds, tempStorage, writeTasks } from './fixtures'

const SIX_HOURS = 6 * 60 * 60 * 1000

async function compactionActor(t: Test, args: CompactionActorArgs) {
  const ts = createTestSystem({ stuckAfterMs: 5000 })
  t.teardown(ts.shutdown)
  const events: Array<Record<string, unknown>> = []
  ts.system.bus.subscribe(TOPIC.backups, (event) => events.push(event as Record<string, unknown>))
  const ref = await ts.system.spawn(CompactionActor, args, { name: ACTOR.compaction })
  const call = <R>(msg: CompactionCall) => ref.call<R>(msg, { timeoutMs: 120_000 })
  return { ...ts, ref, call, events }
}

/** Fills the file past 1 MiB, then deletes most records: lots of free pages. */
async function fragment(storage: Storage): Promise<void> {
  await writeTasks(storage, 'gone', 3000, 1000)
  await writeTasks(storage, 'kept', 100, 1000)
  const queue = storage.table<string, unknown>('task_queue')
  for (const id of taskIds(storage)) if (id.startsWith('gone-')) void queue.remove(id)
  await storage.settled()
}

t.test('every 6 h: a store under 10 % fragmentation is skipped (below_threshold)', async (t) => {
  const { storage } = tempStorage(t)
  await writeTasks(storage, 'a', 20)
  const { clock, call, events, system, ref } = await compactionActor(t, { storage })
  t.match(await system.inspect(ref), { interval_ms: SIX_HOURS, threshold: 0.1, compaction_history: [] }, 'console state: plain data')
  const fileBefore = storage.dataFile
  await clock.advance(SIX_HOURS - 1)
  t.equal((await call<CompactionStatus>({ type: 'status' })).compaction_history.length, 0, 'nothing before 6 h')
  await clock.advance(1)
  const status = await call<CompactionStatus>({ type: 'status' })
  t.equal(status.compaction_history.length, 1)
  t.equal(status.last_compaction_at, clock.now())
  t.equal(status.compaction_history[0]!.trigger, 'scheduled')
  const results = status.compaction_history[0]!.results
  t.equal(results.length, 10)
  t.ok(results.every((r) => r.status === 'skipped' && r.reason === 'below_threshold'))
  t.equal(storage.dataFile, fileBefore, 'no rewrite')
  t.match(events, [{ type: 'compaction_complete', trigger: 'scheduled' }])
  await clock.advance(2 * SIX_HOURS)
  t.equal((await call<CompactionStatus>({ type: 'status' })).compaction_history.length, 3, 'and again every 6 h')
})

t.test('every 6 h: a fragmented store is compacted, smaller, every record kept', async (t) => {
  const { storage } = tempStorage(t)
  await fragment(storage)
  const ratio = storage.stats().fragmentationRatio
  t.ok(ratio > 0.1, `fragmented enough (${ratio})`)
  const bytesBefore = storage.stats().fileSizeBytes
  const { clock, call } = await compactionActor(t, { storage })
  await clock.advance(SIX_HOURS)
  const [entry] = (await call<CompactionStatus>({ type: 'status' })).compaction_history
  t.ok(entry!.results.every((r) => r.status === 'compacted'), JSON.stringify(entry!.results[0]))
  t.ok(storage.stats().fileSizeBytes < bytesBefore, 'the file shrank')
  t.equal(taskIds(storage).length, 100)
})

t.test('a failed compaction is retried once; a second failure is an error and compaction_failed', async (t) => {
  const { storage } = tempStorage(t)
  await writeTasks(storage, 'a', 50)
  let attempts = 0
  let failuresLeft = 1
  const flakyCopy: CompactionActorArgs['writeCopy'] = async (s, target) => {
    attempts++
    if (failuresLeft-- > 0) throw new Error('disk hiccup')
    await writeCompactedCopy(s, target)
  }
  // threshold 0: even this small store qualifies, so the timer really compacts
  const { clock, call, events } = await compactionActor(t, { storage, threshold: 0, writeCopy: flakyCopy })
  await clock.advance(SIX_HOURS)
  let [entry] = (await call<CompactionStatus>({ type: 'status' })).compaction_history
  t.equal(attempts, 2)
  t.ok(entry!.results.every((r) => r.status === 'compacted' && r.retried === true))
  t.equal(taskIds(storage).length, 50)
  t.notOk(events.some((e) => e.type === 'compaction_failed'))

  failuresLeft = 2
  attempts = 0
  await clock.advance(SIX_HOURS)
  ;[entry] = (await call<CompactionStatus>({ type: 'status' })).compaction_history
  t.equal(attempts, 2, 'one retry, no more')
  t.ok(entry!.results.every((r) => r.status === 'error' && r.retried === true && r.reason === 'disk hiccup'))
  const failed = events.filter((e) => e.type === 'compaction_failed')
  t.equal(failed.length, 1)
  t.equal((failed[0]!.failures as unknown[]).length, 10)
  t.equal(taskIds(storage).length, 50, 'a failed compaction loses nothing')
})

t.test('on demand: all tables, one table, force, unknown table', async (t) => {
  const { storage } = tempStorage(t)
  await writeTasks(storage, 'a', 10)
  const { call } = await compactionActor(t, { storage })
  const all = await call<CompactResponse>({ type: 'compact' })
  t.match(all, { status: 'complete', tables_total: 10, tables_compacted: 0, tables_skipped: 10 })
  const one = await call<CompactTableResult>({ type: 'compact', table: 'agent_mailbox' })
  t.match(one, { table: 'agent_mailbox', status: 'skipped', reason: 'below_threshold' })
  t.type(one.duration_ms, 'number')
  const forced = await call<CompactTableResult>({ type: 'compact', table: 'task_queue', force: true })
  t.match(forced, { table: 'task_queue', status: 'compacted' })
  t.equal(taskIds(storage).length, 10)
  await t.rejects(call({ type: 'compact', table: 'no_such_table' }), UnknownTableError)
  t.equal((await call<CompactionStatus>({ type: 'status' })).compaction_history.length, 3)
})

t.test('bad settings fail the start clearly', async (t) => {
  const { storage } = tempStorage(t)
  const ts = createTestSystem()
  t.teardown(ts.shutdown)
  await t.rejects(ts.system.spawn(CompactionActor, { storage, intervalMs: Number('six hours') }), /intervalMs must be a positive number/)
  await t.rejects(ts.system.spawn(CompactionActor, { storage, threshold: 2 }), /threshold must be within 0..1/)
})
