import t from 'tap'
import { closeSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStorage, recoverStorage, verify, verifyLive, VerifierUnavailable, walkLmdbFile, type Storage } from '../../storage'

// The verifier child with only the TypeScript loader (tap's coverage hooks double its start-up).
const LIGHT_VERIFIER = {
  childProcess: { execArgv: process.execArgv.filter((arg) => arg.includes('typescript')), env: { ...process.env, NODE_OPTIONS: '' } },
}

function tempDir(t: tap.Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-integrity-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A closed store: 2 000 tasks of ~300 bytes, a few big values, some deletions; returns its data file. */
async function closedStore(t: tap.Test): Promise<string> {
  const storage = openStorage({ dataDir: tempDir(t) })
  const queue = storage.table<string, { n: number; body: string }>('task_queue')
  for (let n = 0; n < 2000; n++) void queue.put(`task-${String(n).padStart(5, '0')}`, { n, body: 'x'.repeat(300) })
  for (let n = 0; n < 5; n++) void storage.table('agentcom_config').put(`big-${n}`, 'B'.repeat(20_000))
  await storage.settled()
  for (let n = 0; n < 2000; n += 7) void queue.remove(`task-${String(n).padStart(5, '0')}`)
  await storage.settled()
  const file = storage.dataFile
  await storage.close()
  return file
}

/** A closed store written in one transaction, so nearly every page holds live data. */
async function denseStore(t: tap.Test): Promise<string> {
  const storage = openStorage({ dataDir: tempDir(t) })
  const queue = storage.table<string, { n: number; body: string }>('task_queue')
  for (let n = 0; n < 3000; n++) void queue.put(`task-${String(n).padStart(5, '0')}`, { n, body: 'x'.repeat(300) })
  await storage.settled()
  const file = storage.dataFile
  await storage.close()
  return file
}

function overwrite(file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+')
  try {
    writeSync(fd, bytes, 0, bytes.length, offset)
  } finally {
    closeSync(fd)
  }
}

function noise(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length)
  let state = seed
  for (let i = 0; i < length; i++) bytes[i] = (state = (state * 1103515245 + 12345) % 2147483648) >> 16
  return bytes
}

t.test('the page walk of a healthy store accounts for every page', async (t) => {
  const file = await closedStore(t)
  const walk = walkLmdbFile(file)
  t.same(walk.problems, [])
  t.ok(walk.ok)
  t.equal(walk.usedPages + walk.freePages, walk.lastPage + 1, 'every page is used or free')
  t.equal(walk.unaccountedPages, 0)
  t.ok(walk.freePages > 0, 'deletions freed pages')
  const queue = walk.trees.find((tree) => tree.name === 'task_queue')!
  t.equal(queue.recordCount, 2000 - Math.ceil(2000 / 7))
  t.ok(walk.trees.find((tree) => tree.name === 'agentcom_config')!.overflowPages >= 5 * 5, 'big values live on overflow pages')
})

t.test('verify: a healthy file passes, with per-table counts', async (t) => {
  const file = await closedStore(t)
  const report = await verify(file)
  t.ok(report.ok, report.problems.join('; '))
  t.notOk(report.crashed)
  t.equal(report.tables.find((table) => table.table === 'task_queue')?.recordCount, 2000 - Math.ceil(2000 / 7))
  t.equal(report.tables.find((table) => table.table === 'agentcom_config')?.recordCount, 5)
})

t.test('verify: overwritten pages in the middle of the file are detected and blamed on their table', async (t) => {
  const file = await denseStore(t)
  const before = walkLmdbFile(file)
  t.ok(before.ok && before.freePages <= 8, `nearly every page is live (${before.freePages} free of ${before.totalPages})`)
  const pageSize = before.pageSize
  const middle = Math.floor(statSync(file).size / pageSize / 2) * pageSize
  overwrite(file, middle, noise(3 * pageSize, 7))
  const report = await verify(file, LIGHT_VERIFIER)
  t.notOk(report.ok, 'damaged')
  t.ok(report.problems.length > 0)
  t.match(report.problems.join('\n'), /task_queue/, 'names the damaged table')
})

t.test('verify: a damaged meta page and a truncated file are detected', async (t) => {
  const metaDamaged = await closedStore(t)
  overwrite(metaDamaged, 24, Buffer.alloc(16, 0xab))
  const meta = await verify(metaDamaged, LIGHT_VERIFIER)
  t.notOk(meta.ok)
  t.match(meta.problems.join('\n'), /magic/)

  const truncated = await closedStore(t)
  truncateSync(truncated, Math.floor(statSync(truncated).size / 2))
  const short = await verify(truncated, LIGHT_VERIFIER)
  t.notOk(short.ok)
  t.match(short.problems.join('\n'), /last page|file ends/)

  const missing = await verify(join(tempDir(t), 'nothing.mdb'))
  t.notOk(missing.ok)
  t.match(missing.problems[0], /does not exist/)
})

t.test('verify: a verifier that crashes or hangs means damaged, and never takes us down', async (t) => {
  const file = await closedStore(t)
  const dir = tempDir(t)
  const crashing = join(dir, 'crashing-reader.js')
  writeFileSync(crashing, "process.send({ ready: true }, () => process.kill(process.pid, 'SIGSEGV'))\n")
  const crashed = await verify(file, { verifierScript: crashing })
  t.notOk(crashed.ok)
  t.ok(crashed.crashed)
  t.match(crashed.problems[0], /SIGSEGV/)

  const hanging = join(dir, 'hanging-reader.js')
  writeFileSync(hanging, 'process.send({ ready: true })\nsetInterval(() => {}, 1000)\n')
  const hung = await verify(file, { verifierScript: hanging, timeoutMs: 300 })
  t.notOk(hung.ok)
  t.match(hung.problems[0], /did not finish/)
})

t.test('a verifier that cannot start says nothing about the file: VerifierUnavailable, and startup opens the data as is', async (t) => {
  const file = await closedStore(t)
  const broken = join(tempDir(t), 'broken-loader.js')
  writeFileSync(broken, "throw new Error('cannot load the TypeScript hooks')\n")
  await t.rejects(verify(file, { verifierScript: broken }), VerifierUnavailable)
  await t.rejects(verify(file, { verifierScript: join(tempDir(t), 'missing.js') }), VerifierUnavailable)

  const dataDir = tempDir(t)
  const first = openStorage({ dataDir })
  await first.table<string, string>('agentcom_config').put('kept', 'yes')
  await first.close()
  const { storage, report } = await recoverStorage({ dataDir, verify: { verifierScript: broken } })
  t.teardown(() => storage.close())
  t.equal(report.outcome, 'unverified')
  t.equal(report.dataLost, false)
  t.match(report.message, /could not run/)
  t.equal(storage.table<string, string>('agentcom_config').get('kept'), 'yes', 'the data file was opened, not moved aside')
})

t.test('verifyLive checks the running store while writers keep writing', async (t) => {
  const storage: Storage = openStorage({ dataDir: tempDir(t) })
  t.teardown(() => storage.close())
  const history = storage.table<number, string>('message_history')
  let running = true
  let written = 0
  const writer = (async () => {
    while (running) {
      await Promise.all(Array.from({ length: 50 }, () => history.put(written++, 'm'.repeat(100))))
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const report = await verifyLive(storage, LIGHT_VERIFIER)
  running = false
  await writer
  t.ok(report.ok, report.problems.join('; '))
  t.equal(report.path, storage.dataFile)
  const counted = report.tables.find((table) => table.table === 'message_history')!.recordCount
  t.ok(counted > 0 && counted <= written, `the snapshot holds a consistent prefix (${counted} of ${written})`)
})

t.test('a clean close is trusted at start-up: structure only; once the marker is consumed, every record is decoded', async (t) => {
  const file = await closedStore(t)
  const trusted = await verify(file, { ...LIGHT_VERIFIER, trustCleanClose: true })
  t.match(trusted, { ok: true, depth: 'structure' }, 'closed cleanly: page walk only')
  t.equal(trusted.tables.find((x) => x.table === 'task_queue')?.recordCount, 2000 - 286, 'record counts from the walk')
  t.match(await verify(file, LIGHT_VERIFIER), { ok: true, depth: 'full' }, 'without trustCleanClose: full decode')

  const dataDir = join(file, '..', '..')
  const storage = openStorage({ dataDir })
  t.teardown(() => storage.close())
  t.equal(storage.openedAfterCleanClose, true)
  t.equal(storage.recordsVerified, false, 'nothing decoded the records yet')
  const copy = join(tempDir(t), 'copy.mdb')
  await storage.copyTo(copy)
  t.match(await verify(copy, { ...LIGHT_VERIFIER, trustCleanClose: true }), { ok: true, depth: 'full' }, 'the marker is gone once opened: a crash now would get a full check')
  t.match(await verifyLive(storage, LIGHT_VERIFIER), { ok: true, depth: 'full' })
  t.equal(storage.recordsVerified, true, 'a passing live check decoded every record')
})

t.test('recoverStorage after a clean close reports a structural check; after an unclean stop a full one', async (t) => {
  const file = await closedStore(t)
  const dataDir = join(file, '..', '..')
  const clean = await recoverStorage({ dataDir, verify: LIGHT_VERIFIER })
  t.match(clean.report, { outcome: 'clean', message: /closed cleanly and its structure verified clean/, verification: { depth: 'structure' } })
  // no close(): the marker was consumed at open and never written again, as after kill -9
  const unclean = await recoverStorage({ dataDir, verify: LIGHT_VERIFIER })
  t.match(unclean.report, { outcome: 'clean', message: 'the data file verified clean', verification: { depth: 'full' } })
  await unclean.storage.close()
  await clean.storage.close().catch(() => undefined)
})
