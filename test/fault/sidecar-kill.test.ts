// Sidecar kill -9 mid-task, at each step: after the assignment arrived (not yet accepted), after
// task_accepted, during execution, and after task_complete was sent (before the ack). Claim: the
// task completes exactly once (the hub's task record says completed, the bus saw one completion,
// and at most one task_ack complete went out).
//
// "During execution" uses this project's real sidecar (`agentcom sidecar --config F`, shell
// executor running `metadata.shell_command`) as a child process, SIGKILLed while the command runs,
// then restarted on the same data dir. The other three steps use a simulated sidecar speaking the
// same frames, because the real one cannot be stopped at exactly that frame from outside: its
// accept and its complete follow the assignment / the command's end within a millisecond.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { TOPIC } from '../../actors/names'
import { AgentClient, KINDS, createToken, eventually, http, startTestHub, tempDataDir, type Frame, type TestHub } from '../hub/harness'
import { FULL_BUILD_ENV, fullyBuiltCli } from './full-build'

const kind = KINDS[0]!

/** Counts completion events per task on the hub's bus. */
function completionCounter(hub: TestHub): Map<string, number> {
  const counts = new Map<string, number>()
  hub.running.hub.system.bus.subscribe(TOPIC.tasks, (event: unknown) => {
    const e = event as { type?: string; event?: string; task_id?: string; status?: string }
    const name = e.event ?? e.type ?? ''
    if (/complet/.test(name) && e.task_id) counts.set(e.task_id, (counts.get(e.task_id) ?? 0) + 1)
  })
  return counts
}

async function submit(hub: TestHub, body: Record<string, unknown>): Promise<string> {
  const res = await http(hub.port, 'POST', '/api/tasks', { token: hub.adminToken, body })
  if (res.status !== 201) throw new Error(`submit: ${res.status} ${res.text}`)
  return res.body.task_id as string
}

async function taskStatus(hub: TestHub, id: string): Promise<string> {
  return (await http(hub.port, 'GET', `/api/tasks/${id}`, { token: hub.adminToken })).body?.status
}

async function simConnect(t: Parameters<typeof startTestHub>[0], hub: TestHub, agentId: string, token: string): Promise<AgentClient> {
  const client = await AgentClient.connect(t, hub.port)
  client.send({ type: 'identify', agent_id: agentId, token, name: agentId, status: 'idle', capabilities: [], client_type: 'sidecar', protocol_version: 1 })
  const first = await client.next()
  if (first.type !== 'identified') throw new Error(`identify: ${JSON.stringify(first)}`)
  return client
}

const isAckComplete = (id: string) => (f: Frame) => f.type === 'task_ack' && f.task_id === id && f.status === 'complete'

t.test('simulated sidecar killed after assign, after accept, after complete was sent', async (t) => {
  const hub = await startTestHub(t, kind)
  const completions = completionCounter(hub)
  const token = await createToken(hub, 'phoenix')
  const results: string[] = []

  t.test('after assign, before accept: the task comes back and completes once', async (t) => {
    const first = await simConnect(t, hub, 'phoenix', token)
    const id = await submit(hub, { description: 'killed after assign' })
    const assign = await first.nextOfType('task_assign')
    t.equal(assign.task_id, id)
    first.terminate() // kill -9: no close frame, no accept
    const second = await simConnect(t, hub, 'phoenix', token)
    const again = await second.nextOfType('task_assign', 5000)
    t.equal(again.task_id, id, 'reassigned after the reconnect')
    second.send({ type: 'task_accepted', task_id: id, protocol_version: 1 })
    second.send({ type: 'task_complete', task_id: id, generation: again.generation, result: { status: 'success' }, protocol_version: 1 })
    await second.next(isAckComplete(id))
    t.equal(await taskStatus(hub, id), 'completed')
    results.push(`after_assign=${completions.get(id) ?? 0}`)
    t.equal(completions.get(id), 1, 'one completion')
    second.close()
    await second.waitClosed()
  })

  t.test('after accept: recovery continues the task, completes once', async (t) => {
    const first = await simConnect(t, hub, 'phoenix', token)
    const id = await submit(hub, { description: 'killed after accept' })
    const assign = await first.nextOfType('task_assign')
    first.send({ type: 'task_accepted', task_id: id, protocol_version: 1 })
    await first.next((f) => f.type === 'task_ack' && f.status === 'accepted')
    first.terminate()
    const second = await simConnect(t, hub, 'phoenix', token)
    second.send({ type: 'task_recovering', task_id: id, protocol_version: 1 })
    const answer = await second.next((f) => (f.type === 'task_continue' || f.type === 'task_assign') && f.task_id === id, 5000)
    const generation = answer.generation ?? assign.generation
    if (answer.type === 'task_assign') second.send({ type: 'task_accepted', task_id: id, protocol_version: 1 })
    second.send({ type: 'task_complete', task_id: id, generation, result: { status: 'success' }, protocol_version: 1 })
    await second.next(isAckComplete(id))
    t.equal(await taskStatus(hub, id), 'completed')
    results.push(`after_accept=${completions.get(id) ?? 0}`)
    t.equal(completions.get(id), 1, 'one completion')
    second.close()
    await second.waitClosed()
  })

  t.test('after complete was sent: the resent report is refused, the task completed once', async (t) => {
    const first = await simConnect(t, hub, 'phoenix', token)
    const id = await submit(hub, { description: 'killed after complete' })
    const assign = await first.nextOfType('task_assign')
    first.send({ type: 'task_accepted', task_id: id, protocol_version: 1 })
    await first.next((f) => f.type === 'task_ack' && f.status === 'accepted')
    const complete = { type: 'task_complete', task_id: id, generation: assign.generation, result: { status: 'success' }, protocol_version: 1 }
    first.send(complete)
    first.terminate() // dies before it could read the ack; its outbox still holds the report
    const second = await simConnect(t, hub, 'phoenix', token)
    second.send(complete) // the restarted sidecar replays its outbox
    const reply = await second.next((f) => (f.type === 'task_ack' && f.task_id === id) || f.type === 'error', 5000)
    t.ok(
      isAckComplete(id)(reply) || /^task_complete_failed: (invalid_state|stale_generation)$/.test(String(reply.error)),
      `the replay is acked once or refused: ${JSON.stringify(reply)}`,
    )
    await eventually(async () => (await taskStatus(hub, id)) === 'completed', 3000, 'completed')
    results.push(`after_complete=${completions.get(id) ?? 0}`)
    t.equal(completions.get(id), 1, 'one completion')
    second.close()
    await second.waitClosed()
  })

  t.teardown(() => t.comment(`sidecar kill (simulated): completions ${results.join(' ')}`))
})

t.test('real sidecar (agentcom sidecar, shell executor) killed -9 during execution: completes once', async (t) => {
  const hub = await startTestHub(t, kind)
  const completions = completionCounter(hub)
  const token = await createToken(hub, 'real-sc')
  const dir = tempDataDir(t)
  const marker = join(dir, 'runs.txt')
  const configPath = join(dir, 'config.json')
  writeFileSync(configPath, JSON.stringify({ agent_id: 'real-sc', token, hub_url: `ws://127.0.0.1:${hub.port}/ws`, data_dir: join(dir, 'data') }))
  const startSidecar = () => {
    const proc = spawn(process.execPath, [fullyBuiltCli(), 'sidecar', '--config', configPath], { env: { ...process.env, ...FULL_BUILD_ENV }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    proc.stdout.on('data', (c: Buffer) => (output += c.toString()))
    proc.stderr.on('data', (c: Buffer) => (output += c.toString()))
    const exited = new Promise<void>((ok) => proc.on('exit', () => ok()))
    t.teardown(async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
      await exited
    })
    return { proc, exited, output: () => output }
  }
  const first = startSidecar()
  const connected = () => /"message":"identified"/.test(first.output())
  await eventually(connected, 45_000, 'the sidecar identified').catch((e: Error) => {
    throw new Error(`${e.message}\n${first.output().slice(-2000)}`)
  })
  const id = await submit(hub, {
    description: 'long shell job',
    complexity_tier: 'trivial',
    skip_verification: true,
    metadata: { shell_command: `echo run >> ${marker}; sleep 2; echo finished` },
  })
  // kill while the command runs: the marker shows it started, the task is not complete yet
  await eventually(async () => {
    try {
      return require('node:fs').readFileSync(marker, 'utf8').length > 0
    } catch {
      return false
    }
  }, 30_000, 'the shell command started').catch(async (e: Error) => {
    const task = await http(hub.port, 'GET', `/api/tasks/${id}`, { token: hub.adminToken })
    throw new Error(`${e.message}; task ${task.text.slice(0, 400)}\n${first.output().slice(-2000)}`)
  })
  t.not(await taskStatus(hub, id), 'completed', 'not complete when killed')
  first.proc.kill('SIGKILL')
  await first.exited

  const second = startSidecar()
  t.teardown(() => second.proc.kill('SIGKILL'))
  await eventually(async () => (await taskStatus(hub, id)) === 'completed', 40_000, 'the task completed after the restart').catch(async (e: Error) => {
    const task = await http(hub.port, 'GET', `/api/tasks/${id}`, { token: hub.adminToken })
    throw new Error(`${e.message}; task ${task.text.slice(0, 600)}\n${second.output().slice(-2500)}`)
  })
  await new Promise((r) => setTimeout(r, 500)) // a late duplicate report would show by now
  const runs = require('node:fs').readFileSync(marker, 'utf8').trim().split('\n').length
  t.equal(completions.get(id), 1, 'completed exactly once')
  t.comment(`sidecar kill (real, during execution): completions=${completions.get(id)} command_runs=${runs}`)
})
