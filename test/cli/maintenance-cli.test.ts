import t from 'tap'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStorage } from '../../storage'
import { startLiveHub } from '../console/console-fixture'
import { runCli } from './cli-process'

async function withStorage<T>(dataDir: string, fn: (s: ReturnType<typeof openStorage>) => Promise<T>): Promise<T> {
  const storage = openStorage({ dataDir })
  try {
    return await fn(storage)
  } finally {
    await storage.close()
  }
}

t.test('offline backup, compact, restore of a table', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'c1-maint-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  await withStorage(dataDir, async (s) => {
    await s.table<string, unknown>('agentcom_config').put('default_repo', { value: 'git@example:r.git' })
  })

  const backedUp = await runCli(t, ['backup', '--data-dir', dataDir])
  t.equal(backedUp.code, 0, backedUp.stderr)
  t.equal(backedUp.stderr, `backup (offline, ${dataDir})...\n`, 'progress on stderr')
  t.match(JSON.parse(backedUp.stdout), { status: 'complete' })
  t.equal(readdirSync(join(dataDir, 'backups')).filter((f) => f.endsWith('.mdb')).length, 1)

  await withStorage(dataDir, (s) => s.table('agentcom_config').remove('default_repo'))
  const restored = await runCli(t, ['restore', 'agentcom_config', '--data-dir', dataDir])
  t.equal(restored.code, 0, restored.stderr)
  t.match(JSON.parse(restored.stdout), { status: 'restored', table: 'agentcom_config', record_count: 1 })
  t.same(await withStorage(dataDir, async (s) => s.table('agentcom_config').get('default_repo')), { value: 'git@example:r.git' })

  const compacted = await runCli(t, ['compact', '--force', '--data-dir', dataDir])
  t.equal(compacted.code, 0, compacted.stderr)
  t.match(JSON.parse(compacted.stdout), { status: 'complete' })
  t.same(await withStorage(dataDir, async (s) => s.table('agentcom_config').get('default_repo')), { value: 'git@example:r.git' }, 'data survives')

  await withStorage(dataDir, (s) => s.table('agentcom_config').put('default_repo', { value: 'changed' }))
  const whole = await runCli(t, ['restore', '--data-dir', dataDir])
  t.equal(whole.code, 0, whole.stderr)
  t.match(JSON.parse(whole.stdout), { status: 'restored', backupUsed: /^agentcom_.*\.mdb$/, previousFileKeptAt: /aside/ })
  t.same(await withStorage(dataDir, async (s) => s.table('agentcom_config').get('default_repo')), { value: 'git@example:r.git' }, 'the whole environment came back')

  const unknown = await runCli(t, ['restore', 'nosuch', '--data-dir', dataDir])
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /^agentcom: unknown table nosuch \(one of: task_queue, /)
  const wholeViaHub = await runCli(t, ['restore', '--hub', 'http://127.0.0.1:9', '--token', 'x'])
  t.equal(wholeViaHub.code, 1)
  t.match(wholeViaHub.stderr, /^agentcom: the admin API restores one table at a time/)
})

t.test('a hub running on the data dir is not bypassed', async (t) => {
  const hub = await startLiveHub(t, { tasks: false, storage: true })
  const r = await runCli(t, ['compact', '--data-dir', hub.dataDir])
  t.equal(r.code, 1)
  t.equal(r.stderr, `agentcom: a hub is running on ${hub.dataDir}: use --hub URL (its admin API) instead of working on its files\n`)
})
