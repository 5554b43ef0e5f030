import t from 'tap'
import { ownersOf, placeOwners, withOwnersStopped } from '../../actors/backup/table-owners'
import { Actor, createTestSystem } from '../../actors/runtime'
import { startSupervisor, supervisorSpec, workerSpec, type SupervisionTree } from '../../supervisors'

t.test('ownersOf: the single writer of each table, once', async (t) => {
  t.same(ownersOf(['task_queue', 'task_dead_letter', 'agent_mailbox']), ['task-queue', 'mailbox'])
  t.same(ownersOf(['agent_channels', 'channel_history', 'tokens']), ['channels', 'auth'])
})

t.test('placeOwners: the named supervisor above each owner, at any depth', async (t) => {
  const worker = (name: string): SupervisionTree => ({ id: name, name, kind: 'worker', pid: '<0.1.0>', restarts: 0, status: 'running' })
  const tree: SupervisionTree = {
    id: 'hub',
    name: 'hub',
    kind: 'supervisor',
    pid: '<0.0.0>',
    restarts: 0,
    status: 'running',
    children: [
      worker('auth'),
      { id: 'messaging', name: 'messaging', kind: 'supervisor', pid: '<0.2.0>', restarts: 0, status: 'running', children: [worker('config'), worker('mailbox')] },
    ],
  }
  t.same(placeOwners(tree, ['mailbox', 'auth', 'absent']), [
    { owner: 'mailbox', supervisor: 'messaging' },
    { owner: 'auth', supervisor: 'hub' },
  ])
})

/** Counts its starts; reports whether it was running while the work ran. */
const starts: Record<string, number> = {}
class Owner extends Actor<{ type: 'ping' }, never, never, { id: string }> {
  override init(args: { id: string }) {
    starts[args.id] = (starts[args.id] ?? 0) + 1
  }
  override handleCall() {
    return 'pong'
  }
}

t.test('withOwnersStopped: owners are down during the work and started again after, even when it fails', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  await startSupervisor(system, {
    name: 'hub',
    children: [
      workerSpec(Owner, { id: 'auth' }, { name: 'auth' }),
      supervisorSpec({ name: 'messaging', children: [workerSpec(Owner, { id: 'mailbox' }, { name: 'mailbox' }), workerSpec(Owner, { id: 'config' }, { name: 'config' })] }),
    ],
  })
  const log = { debug() {}, info() {}, warn() {}, error() {} }
  const seen = await withOwnersStopped(system, ['mailbox', 'auth'], log, async () => ({ mailbox: system.whereis('mailbox'), auth: system.whereis('auth'), config: system.whereis('config') }))
  t.equal(seen.mailbox, undefined, 'mailbox stopped during the work')
  t.equal(seen.auth, undefined, 'auth stopped during the work')
  t.ok(seen.config, 'others keep running')
  t.same(starts, { auth: 2, mailbox: 2, config: 1 }, 'each owner started once more')
  t.equal(await system.byName('mailbox').call({ type: 'ping' }), 'pong')

  await t.rejects(withOwnersStopped(system, ['mailbox'], log, async () => Promise.reject(new Error('restore blew up'))), /restore blew up/)
  t.equal(starts.mailbox, 3)
  t.ok(system.whereis('mailbox'), 'started again after a failed work')
})

t.test('withOwnersStopped without a hub supervisor just runs the work', async (t) => {
  const { system, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const log = { debug() {}, info() {}, warn() {}, error() {} }
  t.equal(await withOwnersStopped(system, ['mailbox'], log, async () => 42), 42)
})
