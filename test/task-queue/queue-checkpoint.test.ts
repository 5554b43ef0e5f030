// The queue's checkpoint: the views it restores are exactly those a full rebuild computes, any
// mismatch with the tables means a full rebuild, and through a real hub: an orderly shutdown
// leaves one, the next start uses it and deletes it, a foreign change to the tables is caught.
import t from 'tap'
import { checkpointOf, CHECKPOINT_KEY, CHECKPOINT_TABLE, restoreFromCheckpoint, type CheckpointTables } from '../../actors/task-queue/queue-checkpoint'
import { QueueState } from '../../actors/task-queue/queue-state'
import { createTask, type Task } from '../../actors/task-queue/task'
import { openStorage } from '../../storage'
import { http, KINDS, startTestHub, type TestHub } from '../hub/harness'

const T0 = 1_700_000_000_000

function mixedTasks(): { active: Task[]; dead: Task[] } {
  const active: Task[] = []
  const dead: Task[] = []
  const priorities = ['urgent', 'high', 'normal', 'low']
  for (let i = 0; i < 40; i++) {
    const base = createTask({ priority: priorities[i % 4], description: `t${i}`, needed_capabilities: i % 3 === 0 ? ['git'] : [] }, { now: T0 + i, id: `task-${i}` })
    const kind = i % 5
    if (kind === 0 || kind === 1) active.push(base)
    else if (kind === 2) active.push({ ...base, status: 'assigned', assigned_to: `agent-${i}`, assigned_at: T0 + 100 + i, generation: 1 })
    else if (kind === 3) active.push({ ...base, status: 'completed', assigned_to: 'agent-x', generation: 1 })
    else dead.push({ ...base, status: 'dead_letter', last_error: 'boom' })
  }
  return { active, dead }
}

function tablesOf(active: Task[], dead: Task[]): CheckpointTables {
  const byId = new Map(active.map((task) => [task.id, task]))
  return { activeCount: active.length, deadCount: dead.length, read: (id) => byId.get(id) }
}

function views(state: QueueState): unknown {
  return { stats: state.stats.view(state.index.size), queued: [...state.index.entries()], assigned: [...state.assignedEntries()].sort((a, b) => a.task_id.localeCompare(b.task_id)) }
}

t.test('restoring a checkpoint gives the same views as reading every record', async (t) => {
  const { active, dead } = mixedTasks()
  const rebuilt = QueueState.rebuild(active, dead)
  const checkpoint = JSON.parse(JSON.stringify(checkpointOf(rebuilt, T0))) // as stored: plain data
  t.equal(checkpoint.live_ids.length, 24, 'only queued and assigned ids are kept')
  const restored = restoreFromCheckpoint(checkpoint, tablesOf(active, dead))
  if (!('state' in restored)) throw new Error(restored.mismatch)
  t.same(views(restored.state), views(rebuilt))
})

t.test('a checkpoint that does not match the tables is refused with the reason', async (t) => {
  const { active, dead } = mixedTasks()
  const checkpoint = checkpointOf(QueueState.rebuild(active, dead), T0)
  const refused = (raw: unknown, a = active, d = dead) => {
    const r = restoreFromCheckpoint(raw, tablesOf(a, d))
    return 'mismatch' in r ? r.mismatch : null
  }
  t.match(refused({ ...checkpoint, version: 2 }), /unknown checkpoint format/)
  t.match(refused(null), /unknown checkpoint format/)
  t.match(refused(checkpoint, [...active, createTask({}, { now: T0, id: 'task-extra' })]), /counts 32 active tasks, the table holds 33/)
  t.match(refused(checkpoint, active, dead.slice(1)), /dead letters/)
  const flipped = active.map((task) => (task.id === checkpoint.live_ids[0] ? { ...task, status: 'completed' as const } : task))
  t.match(refused(checkpoint, flipped), new RegExp(`live task ${checkpoint.live_ids[0]} is completed`))
  const swapped = active.map((task) => (task.status === 'assigned' ? { ...task, status: 'queued' as const } : task))
  t.match(refused(checkpoint, swapped), /do not match the status counts/)
})

async function submit(hub: TestHub, body: Record<string, unknown>): Promise<string> {
  const res = await http(hub.port, 'POST', '/api/tasks', { token: hub.adminToken, body })
  if (res.status !== 201) throw new Error(`submit → ${res.status} ${res.text}`)
  return res.body.task_id as string
}

const stats = async (hub: TestHub) => (await http(hub.port, 'GET', '/api/tasks/stats', { token: hub.adminToken })).body
const rebuildLog = (hub: TestHub) => hub.log.entries.find((e) => e.message === 'task queue rebuilt from storage')?.meta

t.test('through a hub: an orderly shutdown leaves a checkpoint; the next start uses it once', async (t) => {
  const kind = KINDS[0]!
  const first = await startTestHub(t, kind)
  const { dataDir, adminToken } = first
  for (const priority of ['low', 'urgent', 'normal', 'high', 'normal']) await submit(first, { description: `${priority} work`, priority })
  const before = await stats(first)
  t.match(rebuildLog(first), { from: 'records', queued: 0 })
  await first.running.close()

  const offline = openStorage({ dataDir })
  t.equal(offline.openedAfterCleanClose, true, 'the hub closed its storage cleanly')
  const saved = offline.table<string, { version: number; live_ids: string[] }>(CHECKPOINT_TABLE).get(CHECKPOINT_KEY)
  t.equal(saved?.version, 1, 'a checkpoint was written')
  t.equal(saved?.live_ids.length, 5, 'naming the five queued tasks')
  await offline.close()

  const second = await startTestHub(t, kind, { dataDir, adminToken })
  t.match(rebuildLog(second), { from: 'checkpoint', queued: 5 })
  t.same(await stats(second), before, 'the same stats as before the restart')
  const listed = (await http(second.port, 'GET', '/api/tasks?status=queued', { token: adminToken })).body.tasks.map((x: { priority: number }) => x.priority)
  t.same(listed.slice(0, 2), [0, 1], 'the priority order survived (urgent, high)')
  await second.running.hub.storage.settled()
  t.equal(second.running.hub.storage.table(CHECKPOINT_TABLE).get(CHECKPOINT_KEY), undefined, 'the checkpoint is deleted once used')
  await submit(second, { description: 'after the restart' })
  t.match(await stats(second), { by_status: { queued: 6 } })

  // start-up checked the file's structure only; the records are decoded a minute later, live
  t.equal(second.running.hub.storage.recordsVerified, false)
  await second.clock.advance(60_001)
  const deadline = Date.now() + 60_000
  while (!second.running.hub.storage.recordsVerified && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  t.equal(second.running.hub.storage.recordsVerified, true, 'the deferred integrity check decoded every record')
  t.match(second.log.entries.find((e) => e.message.startsWith('deferred integrity check'))?.meta, { status: 'ok' })
})

t.test('through a hub: tables changed behind the queue\'s back → every record is read', async (t) => {
  const kind = KINDS[0]!
  const first = await startTestHub(t, kind)
  const { dataDir, adminToken } = first
  const ids = [await submit(first, { description: 'a' }), await submit(first, { description: 'b' })]
  await first.running.close()

  const offline = openStorage({ dataDir })
  await offline.table('task_queue').remove(ids[0])
  await offline.close()

  const second = await startTestHub(t, kind, { dataDir, adminToken })
  t.match(rebuildLog(second), { from: 'records', queued: 1 })
  t.ok(second.log.entries.some((e) => e.message.startsWith('task queue: checkpoint does not match the tables')), 'the mismatch is logged')
  t.match(await stats(second), { by_status: { queued: 1 } })
})
