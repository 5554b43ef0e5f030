import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ALL_TABLES,
  MANAGED_TABLES,
  StorageError,
  TABLE_WRITERS,
  isManagedTable,
  openStorage,
  walkLmdbFile,
  type Migration,
  type MigrationContext,
  type Storage,
} from '../../storage'
import type { LmdbStats } from '../../storage/table'

function tempDataDir(t: tap.Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-storage-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function opened(t: tap.Test, dataDir = tempDataDir(t), migrations?: Migration<MigrationContext>[]): Storage {
  const storage = openStorage({ dataDir, migrations })
  t.teardown(() => storage.close())
  return storage
}

function lastTxnId(storage: Storage): number {
  return (storage.lmdbRoot().getStats() as LmdbStats).lastTxnId
}

interface Task {
  id: string
  priority: number
}

t.test('the environment has every table of the spec plus ours, each with a named writer', async (t) => {
  t.equal(MANAGED_TABLES.length, 10)
  t.same(MANAGED_TABLES, [
    'task_queue',
    'task_dead_letter',
    'agent_mailbox',
    'message_history',
    'agent_channels',
    'channel_history',
    'agentcom_config',
    'thread_messages',
    'thread_replies',
    'repo_registry',
  ])
  for (const name of ALL_TABLES) t.type(TABLE_WRITERS[name], 'string', `${name} has a writer`)
  t.ok(isManagedTable('repo_registry'))
  t.notOk(isManagedTable('tokens'))
  const storage = opened(t)
  const walk = walkLmdbFile(storage.dataFile)
  const names = walk.trees.map((tree) => tree.name).filter((name) => !name.startsWith('('))
  t.same(names.sort(), [...ALL_TABLES].sort(), 'all tables exist in the file')
  t.throws(() => storage.table('nope' as never), StorageError)
  t.equal(storage.table('tokens'), storage.table('tokens'), 'one handle per table')
})

t.test('typed put/get/has/remove and ordered ranges', async (t) => {
  const storage = opened(t)
  const queue = storage.table<string, Task>('task_queue')
  const mailbox = storage.table<[string, number], { body: string }>('agent_mailbox')
  await queue.put('t2', { id: 't2', priority: 2 })
  await queue.put('t1', { id: 't1', priority: 1 })
  await queue.put('t3', { id: 't3', priority: 3 })
  t.same(queue.get('t1'), { id: 't1', priority: 1 })
  t.ok(queue.has('t2'))
  t.equal(queue.get('missing'), undefined)
  t.same(Array.from(queue.keys()), ['t1', 't2', 't3'], 'keys in order')
  t.same(Array.from(queue.keys({ reverse: true, limit: 2 })), ['t3', 't2'])
  t.same(Array.from(queue.values({ start: 't2' })).map((task) => task.id), ['t2', 't3'])
  t.equal(queue.count(), 3)
  t.equal(queue.count({ start: 't2', end: 't3' }), 1)
  await queue.remove('t2')
  await queue.remove('never-there')
  t.notOk(queue.has('t2'))
  t.equal(queue.count(), 2)

  for (const seq of [10, 2, 1]) await mailbox.put(['forge', seq], { body: `m${seq}` })
  await mailbox.put(['anvil', 5], { body: 'other agent' })
  const forge = Array.from(mailbox.entries({ start: ['forge', 0], end: ['forge', Number.MAX_SAFE_INTEGER] }))
  t.same(forge.map((entry) => entry.key[1]), [1, 2, 10], 'composite keys order numerically within one agent')

  await queue.removeAll()
  t.equal(queue.count(), 0)
  t.equal(mailbox.count(), 4, 'other tables untouched')
})

t.test('a resolved write is in the data file, and writes of one event-loop turn share one transaction', async (t) => {
  const storage = opened(t)
  const queue = storage.table<string, Task>('task_queue')
  await queue.put('first', { id: 'first', priority: 1 })
  const inFile = walkLmdbFile(storage.dataFile).trees.find((tree) => tree.name === 'task_queue')
  t.equal(inFile?.recordCount, 1, 'visible to a plain file read once the promise resolved')

  const before = lastTxnId(storage)
  const writes: Promise<void>[] = []
  for (let i = 0; i < 100; i++) writes.push(queue.put(`batch-${i}`, { id: `batch-${i}`, priority: i }))
  writes.push(storage.table('agent_mailbox').put('x', 1))
  await Promise.all(writes)
  t.equal(lastTxnId(storage) - before, 1, '101 writes in one turn → one commit')

  const beforeSequential = lastTxnId(storage)
  for (let i = 0; i < 5; i++) await queue.put(`seq-${i}`, { id: `seq-${i}`, priority: i })
  t.equal(lastTxnId(storage) - beforeSequential, 5, 'awaited one by one → one commit each')
})

t.test('bad keys reject the write promise instead of throwing', async (t) => {
  const storage = opened(t)
  const queue = storage.table<string, unknown>('task_queue')
  const tooLong = 'k'.repeat(5000)
  let thrown: unknown = null
  let promise: Promise<void> | null = null
  try {
    promise = queue.put(tooLong, 1)
  } catch (error) {
    thrown = error
  }
  t.equal(thrown, null, 'no synchronous throw')
  await t.rejects(promise!, 'rejects')
  t.equal(queue.count(), 0)
  await queue.put('fine', 1)
  t.equal(queue.get('fine'), 1, 'storage still works')
})

t.test('transaction: several tables change together or not at all', async (t) => {
  const storage = opened(t)
  const queue = storage.table<string, Task>('task_queue')
  const dead = storage.table<string, Task>('task_dead_letter')
  await queue.put('t1', { id: 't1', priority: 1 })

  const moved = await storage.transaction(() => {
    const task = queue.get('t1')!
    void dead.put('t1', task)
    void queue.remove('t1')
    t.notOk(queue.has('t1'), 'reads inside see the transaction’s own writes')
    return task.id
  })
  t.equal(moved, 't1')
  t.notOk(queue.has('t1'))
  t.ok(dead.has('t1'))

  await queue.put('t2', { id: 't2', priority: 2 })
  await t.rejects(
    storage.transaction(() => {
      void dead.put('t2', queue.get('t2')!)
      void queue.remove('t2')
      throw new Error('refused halfway')
    }),
    /refused halfway/,
  )
  t.ok(queue.has('t2'), 'rolled back: still queued')
  t.notOk(dead.has('t2'), 'rolled back: not dead-lettered')

  await t.rejects(storage.transaction((async () => 1) as never), /must be synchronous/)
  await storage.transaction(() => queue.put('arrow', { id: 'arrow', priority: 0 }))
  t.ok(queue.has('arrow'), 'returning a joined write from the callback is fine')

  let inner: Promise<string | undefined> | null = null
  let innerSettledFirst = false
  const outer = storage.transaction(() => {
    void queue.put('outer', { id: 'outer', priority: 0 })
    inner = storage.transaction(() => queue.get('outer')?.id)
    void inner.then(() => (innerSettledFirst = !outerSettled))
  })
  let outerSettled = false
  await outer.then(() => (outerSettled = true))
  t.equal(await inner!, 'outer', 'a nested transaction joins the outer one')
  t.notOk(innerSettledFirst, 'and resolves no earlier than the outer commit')

  let rolledBackInner: Promise<unknown> | null = null
  await t.rejects(
    storage.transaction(() => {
      rolledBackInner = storage.transaction(() => {
        void queue.put('doomed', { id: 'doomed', priority: 0 })
      })
      throw new Error('outer fails')
    }),
  )
  await t.rejects(rolledBackInner!, /outer fails/, 'a nested transaction fails with its outer one')
  t.notOk(queue.has('doomed'))
})

t.test('schema version: base version on a fresh environment, migrations at open, in order, once', async (t) => {
  const dataDir = tempDataDir(t)
  const first = openStorage({ dataDir })
  t.equal(first.schemaVersion(), 1)
  await first.table<string, { v: number; label?: string }>('agentcom_config').put('a', { v: 1 })
  await first.table('task_queue_checkpoint').put('checkpoint', { version: 1 })
  await first.close()

  const ran: number[] = []
  const migrations: Migration<MigrationContext>[] = [
    {
      version: 2,
      description: 'label every config value',
      migrate: (tx) => {
        ran.push(2)
        const config = tx.table<string, { v: number; label?: string }>('agentcom_config')
        for (const { key, value } of Array.from(config.entries())) void config.put(key, { ...value, label: `v${value.v}` })
      },
    },
    { version: 3, description: 'noop', migrate: () => void ran.push(3) },
  ]
  const second = openStorage({ dataDir, migrations })
  t.same(ran, [2, 3])
  t.equal(second.schemaVersion(), 3)
  t.same(second.table('agentcom_config').get('a'), { v: 1, label: 'v1' })
  t.equal(second.table('task_queue_checkpoint').count(), 0, 'a migration clears derived tables')
  await second.close()

  const third = openStorage({ dataDir, migrations })
  t.same(ran, [2, 3], 'not run again')
  await third.close()

  t.throws(() => openStorage({ dataDir, migrations: migrations.slice(0, 1) }), { code: 'schema_too_new' }, 'refuses a newer environment')
  t.throws(
    () => openStorage({ dataDir, migrations: [migrations[1]!, migrations[0]!] }),
    { code: 'bad_migration' },
    'refuses migrations out of order',
  )
})

t.test('a failing migration leaves data and version as they were', async (t) => {
  const dataDir = tempDataDir(t)
  const first = openStorage({ dataDir })
  await first.table('agentcom_config').put('a', 1)
  await first.close()
  const failing: Migration<MigrationContext> = {
    version: 2,
    description: 'breaks halfway',
    migrate: (tx) => {
      void tx.table('agentcom_config').put('a', 2)
      throw new Error('migration bug')
    },
  }
  t.throws(() => openStorage({ dataDir, migrations: [failing] }), /migration bug/)
  const again = openStorage({ dataDir })
  t.teardown(() => again.close())
  t.equal(again.schemaVersion(), 1)
  t.equal(again.table('agentcom_config').get('a'), 1)
})

t.test('stats: record counts, sizes, and a fragmentation ratio that grows with deletions', async (t) => {
  const storage = opened(t)
  const history = storage.table<number, string>('message_history')
  for (let i = 0; i < 3000; i++) void history.put(i, 'x'.repeat(200))
  await storage.settled()
  const full = storage.stats()
  const own = full.tables.find((table) => table.table === 'message_history')!
  t.equal(own.recordCount, 3000)
  t.ok(own.bytes > 3000 * 200, 'table bytes cover its records')
  t.ok(full.fragmentationRatio < 0.1, `fresh store barely fragmented (${full.fragmentationRatio})`)
  for (let i = 0; i < 2700; i++) void history.remove(i)
  await storage.settled()
  const after = storage.stats()
  t.ok(after.fragmentationRatio > 0.5, `mostly dead space after deleting 90% (${after.fragmentationRatio})`)
  const walk = walkLmdbFile(storage.dataFile)
  t.equal(after.usedPages, walk.usedPages, 'the cheap estimate matches the exact page walk')
})

t.test('a closed storage rejects writes and transactions instead of throwing', async (t) => {
  const storage = openStorage({ dataDir: tempDataDir(t) })
  const queue = storage.table<string, number>('task_queue')
  await storage.close()
  await storage.close() // twice is fine
  await t.rejects(queue.put('late', 1))
  await t.rejects(storage.transaction(() => queue.put('late', 1)))
})
