// The suspected race after a dead-letter retry: an agent got `task_assign` at generation 3
// while the queue still showed the task `queued` at generation 2, and the agent's
// `task_complete` was then refused. Root cause: the retry moves the record between tables in a
// `storage.transaction` (an lmdb-js child transaction, run when its batch commits), while the
// assignment that followed was a plain `put` issued before that commit; lmdb-js commits the
// plain put first, and the retry's transaction then overwrote the assignment on disk. The
// queue's memory said `assigned` gen 3, the disk said `queued` gen 2: the first restart (or any
// read of the committed table) lost the assignment.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStorage } from '../../storage'
import { ACTOR } from '../../actors/names'
import { TaskStore } from '../../actors/task-queue/task-store'
import { createTask, type Task, type TaskView } from '../../actors/task-queue/task'
import { eventually, startPipeline } from './harness'

t.test('task store: a plain write issued while a moving transaction is in flight lands after it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-store-order-'))
  const storage = openStorage({ dataDir: dir })
  t.teardown(async () => {
    await storage.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const store = new TaskStore(storage)
  const base = createTask({ description: 'x' }, { now: 1, id: 'task-00000000000000aa', inheritedRepo: null })
  await store.write({ ...base, status: 'dead_letter', generation: 1 }, { write: 'task_dead_letter', remove: null })
  const requeued: Task = { ...base, status: 'queued', generation: 2 }
  const assigned: Task = { ...base, status: 'assigned', assigned_to: 'a1', assigned_at: 2, generation: 3 }
  const moved = store.write(requeued, { write: 'task_queue', remove: 'task_dead_letter' })
  const put = store.write(assigned, { write: 'task_queue', remove: null })
  t.equal(store.read(base.id)?.generation, 3, 'the overlay shows the newest decision at once')
  await Promise.all([moved, put, store.settled()])
  const onDisk = storage.table<string, Task>('task_queue').get(base.id)
  t.match(onDisk, { status: 'assigned', generation: 3, assigned_to: 'a1' }, 'the later decision is the one on disk')
  t.notOk(storage.table('task_dead_letter').get(base.id), 'and the dead-letter copy is gone')
  t.equal(store.inFlight, 0)
  t.match(new TaskStore(storage).read(base.id), { status: 'assigned', generation: 3 }, 'a fresh store (restart) agrees')

  // across ids too: commits stay in decision order (the actor's early in-pipeline notices rely on it)
  const other: Task = { ...base, id: 'task-00000000000000bb', status: 'queued', generation: 0 }
  const order: string[] = []
  await store.write({ ...assigned, status: 'dead_letter' }, { write: 'task_dead_letter', remove: 'task_queue' }).then(() => order.push('first'))
  const first = store.write({ ...requeued, generation: 4 }, { write: 'task_queue', remove: 'task_dead_letter' }).then(() => order.push('move'))
  const second = store.write(other, { write: 'task_queue', remove: null }).then(() => order.push('plain'))
  await Promise.all([first, second])
  t.same(order, ['first', 'move', 'plain'], 'a plain write decided after a move commits after it')
})

t.test('dead-letter retry then an immediate assignment: disk, memory and the agent agree', async (t) => {
  const p = await startPipeline(t, { scheduler: false })
  await p.connect('a1')
  const task = await p.submit({ description: 'flaky', max_retries: 1 })
  t.match(await p.offer('a1', task.id), { ok: true, generation: 1 })
  t.same(await p.queue.call({ type: 'fail', task_id: task.id, agent_id: 'a1', generation: 1, error: 'boom' }), { ok: true, outcome: 'dead_letter' })
  await p.settle()
  t.equal((await p.agentState('a1'))?.fsm_state, 'idle')
  // the retry and the assignment in the same turn: the assign is decided before the retry commits
  const retried = p.queue.call<{ ok: boolean; task: TaskView }>({ type: 'retry_dead_letter', task_id: task.id })
  const offered = p.offer('a1', task.id)
  t.match(await retried, { ok: true, task: { status: 'queued', generation: 2 } })
  t.match(await offered, { ok: true, generation: 3 })
  await p.settle()
  t.match(p.stored(task.id), { status: 'assigned', assigned_to: 'a1', generation: 3 }, 'on disk: assigned at the generation the agent was sent')
  t.equal(p.assigns('a1').at(-1)?.generation, 3)
  t.match(await p.queue.call({ type: 'get', task_id: task.id }), { status: 'assigned', generation: 3 })
  t.same((await p.queue.call<TaskView[]>({ type: 'list', filter: { status: 'queued' } })).length, 0, 'not listed as queued')
  t.same(await p.queue.call({ type: 'complete', task_id: task.id, agent_id: 'a1', generation: 3, result: { ok: 1 } }), { ok: true })
  await p.settle()
  t.equal(p.stored(task.id)?.status, 'completed')
})

t.test('the same race through the scheduler, then a queue restart: nothing reverts', async (t) => {
  const p = await startPipeline(t)
  await p.connect('a1')
  const task = await p.submit({ description: 'flaky', max_retries: 1 })
  const first = await eventually(() => p.assigns('a1')[0], 'first assignment')
  t.equal(first.generation, 1)
  await p.queue.call({ type: 'fail', task_id: task.id, agent_id: 'a1', generation: 1, error: 'boom' })
  await p.settle()
  t.equal(p.stored(task.id)?.status, 'dead_letter')
  // the retry's own notice to the scheduler gets the assignment decided before the retry commits
  await p.queue.call({ type: 'retry_dead_letter', task_id: task.id })
  const second = await eventually(() => p.assigns('a1')[1], 'second assignment')
  t.equal(second.generation, 3)
  await p.settle()
  t.match(p.stored(task.id), { status: 'assigned', generation: 3 })
  // a queue restart rebuilds from disk: the assignment must still be there
  const old = p.system.whereis(ACTOR.taskQueue)!
  p.system.exit(old, 'kill')
  await eventually(() => {
    const q = p.system.whereis(ACTOR.taskQueue)
    return q !== undefined && q !== old && q.isAlive()
  }, 'queue restarted')
  await p.settle()
  t.same(await p.queue.call({ type: 'assigned_to', agent_id: 'a1' }), [{ task_id: task.id, generation: 3 }], 'rebuilt: still assigned to a1 at 3')
  t.same(await p.queue.call({ type: 'complete', task_id: task.id, agent_id: 'a1', generation: 3 }), { ok: true }, 'the report of the assigned generation is accepted')
})
