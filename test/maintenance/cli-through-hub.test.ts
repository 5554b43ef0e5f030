// `agentcom backup | compact | restore --hub URL`: the CLI (a real child process) through the
// admin routes of a running hub.
import t from 'tap'
import { runCli } from '../cli/cli-process'
import { createToken, KINDS, startTestHub } from '../hub/harness'

t.test('backup, compact --force, restore through a running hub', async (t) => {
  const hub = await startTestHub(t, KINDS[0]!)
  const url = `http://127.0.0.1:${hub.port}`

  // the admin token from <data-dir>/admin.token, as an operator on the hub's machine would
  const backup = await runCli(t, ['backup', '--hub', url, '--data-dir', hub.dataDir])
  t.equal(backup.code, 0, backup.stderr)
  t.match(JSON.parse(backup.stdout), { status: 'complete', tables_total: 10, tables_success: 10 })
  t.equal(backup.stderr, `backup through ${url}...\n`)

  const forced = await runCli(t, ['compact', 'task_queue', '--force', '--hub', url, '--token', hub.adminToken])
  t.equal(forced.code, 0, forced.stderr)
  t.match(JSON.parse(forced.stdout), { table: 'task_queue', status: 'compacted' })

  const restored = await runCli(t, ['restore', 'agentcom_config', '--hub', url, '--token', hub.adminToken])
  t.equal(restored.code, 0, restored.stderr)
  t.match(JSON.parse(restored.stdout), { status: 'restored', table: 'agentcom_config' })

  const agentToken = await createToken(hub, 'worker-1')
  const refused = await runCli(t, ['backup', '--hub', url, '--token', agentToken])
  t.equal(refused.code, 1)
  t.match(JSON.parse(refused.stdout), { error: 'forbidden' })
})
