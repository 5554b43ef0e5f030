import t from 'tap'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  compact,
  compactResponse,
  compactTableResponse,
  writeCompactedCopy,
  openStorage,
  withCompactionEntry,
  type CompactionHistoryEntry,
  type Storage,
} from '../../storage'

function tempDir(t: tap.Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-compaction-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function opened(t: tap.Test, dataDir = tempDir(t)): Storage {
  const storage = openStorage({ dataDir })
  t.teardown(() => storage.close())
  return storage
}

/** 5 000 history records and 200 config records, then 80 % of the history deleted. */
async function fragmented(storage: Storage): Promise<void> {
  const history = storage.table<number, { text: string }>('message_history')
  const config = storage.table<string, number>('agentcom_config')
  for (let i = 0; i < 5000; i++) void history.put(i, { text: `message ${i} ${'x'.repeat(300)}` })
  for (let i = 0; i < 200; i++) void config.put(`key-${i}`, i)
  await storage.settled()
  for (let i = 0; i < 5000; i++) if (i % 5 !== 0) void history.remove(i)
  await storage.settled()
}

function contents(storage: Storage): string {
  return JSON.stringify([Array.from(storage.table('message_history').entries()), Array.from(storage.table('agentcom_config').entries())])
}

t.test('compaction shrinks a fragmented store and keeps every record', async (t) => {
  const dataDir = tempDir(t)
  const storage = opened(t, dataDir)
  await fragmented(storage)
  const before = storage.stats()
  t.ok(before.fragmentationRatio > 0.5, `fragmented: ${before.fragmentationRatio}`)
  const expected = contents(storage)
  const history = storage.table<number, { text: string }>('message_history')
  const oldFile = storage.dataFile

  const result = await compact(storage)
  t.equal(result.status, 'compacted')
  t.notOk(result.retried)
  t.ok(result.bytesAfter < before.fileSizeBytes / 2, `file shrank ${before.fileSizeBytes} → ${result.bytesAfter}`)
  t.ok(result.fragmentationAfter < 0.1, `dead space gone: ${result.fragmentationAfter}`)
  t.equal(contents(storage), expected, 'every record kept, byte for byte')
  t.equal(history.get(5)?.text.startsWith('message 5 '), true, 'handles taken before compaction still work')
  t.not(storage.dataFile, oldFile)
  t.notOk(existsSync(oldFile), 'the old file is gone (its contents live on in the new one)')
  t.same(readdirSync(join(dataDir, 'lmdb')).sort(), ['CURRENT', 'agentcom-000002.mdb', 'agentcom-000002.mdb-lock'])
  await history.put(99999, { text: 'after' })
  await storage.close()

  const reopened = openStorage({ dataDir })
  t.teardown(() => reopened.close())
  t.equal(reopened.table<number, { text: string }>('message_history').get(99999)?.text, 'after', 'reopens on the compacted file')
  t.equal(reopened.table('message_history').count(), 1001)
})

t.test('below the threshold compaction is skipped', async (t) => {
  const storage = opened(t)
  await storage.table('agentcom_config').put('a', 1)
  const file = storage.dataFile
  const result = await compact(storage)
  t.equal(result.status, 'skipped')
  t.equal(result.reason, 'below_threshold')
  t.equal(storage.dataFile, file)
  const forced = await compact(storage, { force: true })
  t.equal(forced.status, 'compacted', 'unless forced')
})

t.test('writes during compaction wait and then land; reads keep working', async (t) => {
  const dataDir = tempDir(t)
  const storage = opened(t, dataDir)
  await fragmented(storage)
  const config = storage.table<string, number>('agentcom_config')
  const running = compact(storage)
  const writes = Array.from({ length: 200 }, (_, i) => config.put(`during-${i}`, i))
  const moved = storage.transaction(() => {
    void config.put('txn-during', 1)
    void config.remove('key-0')
  })
  t.equal(config.get('key-7'), 7, 'reads are served while writes wait')
  const result = await running
  await Promise.all([...writes, moved])
  t.equal(result.status, 'compacted')
  t.equal(config.get('during-199'), 199)
  t.equal(config.get('txn-during'), 1)
  t.equal(config.get('key-0'), undefined)
  await storage.close()
  const reopened = openStorage({ dataDir })
  t.teardown(() => reopened.close())
  t.equal(reopened.table('agentcom_config').count(), 200 + 200, 'all writes made during compaction are on disk')
})

t.test('a failed compaction is retried once; a second failure is reported and changes nothing', async (t) => {
  const dataDir = tempDir(t)
  const storage = opened(t, dataDir)
  await fragmented(storage)
  const expected = contents(storage)
  let attempts = 0
  const flaky = async (source: Storage, target: string) => {
    attempts++
    if (attempts === 1) throw new Error('disk hiccup')
    await writeCompactedCopy(source, target)
  }
  const retried = await compact(storage, { writeCopy: flaky })
  t.equal(retried.status, 'compacted')
  t.ok(retried.retried)
  t.equal(attempts, 2)

  // Heavy writing into the compacted file (a compacting LMDB copy would crash here).
  await fragmented(storage)
  t.equal(contents(storage), expected)
  t.ok(storage.stats().fragmentationRatio > 0.1, 'fragmented again')
  const fileBefore = storage.dataFile
  const expectedAfterRefill = contents(storage)
  const broken = async () => {
    throw new Error('disk full')
  }
  const failed = await compact(storage, { writeCopy: broken })
  t.equal(failed.status, 'error')
  t.ok(failed.retried)
  t.equal(failed.reason, 'disk full')
  t.equal(storage.dataFile, fileBefore, 'still on the same file')
  t.equal(contents(storage), expectedAfterRefill, 'nothing lost')
  t.same(
    readdirSync(join(dataDir, 'lmdb')).filter((name) => !name.startsWith('CURRENT') && !name.startsWith('agentcom-000002')),
    [],
    'no half-written file left behind',
  )
  await storage.table('agentcom_config').put('still', 1)
  t.equal(storage.table('agentcom_config').get('still'), 1, 'writes resume')
})

t.test('compaction results in the wire shapes, and a history capped at 20', async (t) => {
  const result = { status: 'compacted' as const, retried: true, durationMs: 12, fragmentationBefore: 0.6, fragmentationAfter: 0, bytesBefore: 10, bytesAfter: 4 }
  const body = compactResponse(result)
  t.match(body, { status: 'complete', tables_total: 10, tables_compacted: 10, tables_skipped: 0 })
  t.same(body.results[0], { table: 'task_queue', status: 'compacted', duration_ms: 12, retried: true })
  t.same(compactTableResponse('agent_mailbox', { ...result, status: 'skipped', reason: 'below_threshold', retried: false }), {
    table: 'agent_mailbox',
    status: 'skipped',
    duration_ms: 12,
    reason: 'below_threshold',
  })
  let history: CompactionHistoryEntry[] = []
  for (let i = 0; i < 25; i++) history = withCompactionEntry(history, { timestamp: i, results: [result] })
  t.equal(history.length, 20)
  t.equal(history[0]!.timestamp, 24, 'newest first')
})
