// Failure: a victim agent (its own process) dies mid-task — its socket is cut, then the process
// is SIGKILLed. The hub reclaims the task on the disconnect and reschedules it at once; the
// survivor completes it, exactly once (the history shows one completion).
import t from 'tap'
import { spawn } from 'node:child_process'
import { completionsIn } from '../../bench/sim/hub-api'
import { plainNodeEnv } from '../../bench/sim/hub-process'
import { SimAgent } from '../../bench/sim/sim-agent'
import { allCompleted, eventually, startE2eHub } from './e2e-harness'
import { BUILD_ENV, builtScript } from './project-build'

t.test('a victim dies mid-task: its task completes on the survivor, exactly once', async (t) => {
  const hub = await startE2eHub(t)
  const victimToken = await hub.api.createToken('victim')
  const victim = spawn(process.execPath, [builtScript('test/e2e/bin/victim-agent.ts'), hub.url, 'victim', victimToken], {
    env: plainNodeEnv({ ...BUILD_ENV, AGENTCOM_E2E_VICTIM: '1' }),
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const victimExited = new Promise<NodeJS.Signals | null>((resolve) => victim.on('exit', (_code, signal) => resolve(signal)))
  t.teardown(() => {
    if (victim.exitCode === null && victim.signalCode === null) victim.kill('SIGKILL')
  })
  const events: Array<Record<string, unknown>> = []
  let buffered = ''
  victim.stdout!.on('data', (c: Buffer) => {
    buffered += c.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as Record<string, unknown>)
  })
  await eventually(() => events.some((e) => e.event === 'identified'), 20_000, 'victim identified')

  // the victim is the only agent: the task is its
  const taskId = await hub.api.submit({ description: 'work the victim will never finish' })
  await eventually(() => events.some((e) => e.event === 'assigned' && e.task_id === taskId), 5_000, 'task assigned to the victim')
  await eventually(async () => (await hub.api.task(taskId)).assigned_to === 'victim', 5_000, 'victim holds the task')

  const survivor = new SimAgent({ url: hub.url, agentId: 'survivor', token: await hub.api.createToken('survivor'), pingIntervalMs: 5_000 })
  t.teardown(() => survivor.stop())
  await survivor.start()
  t.same(survivor.assigned, [], 'the survivor gets nothing while the victim holds the task')

  const cutAt = Date.now()
  victim.stdin!.write('cut\n')
  await eventually(() => events.some((e) => e.event === 'cut'), 5_000, 'victim cut its socket')
  victim.kill('SIGKILL')
  t.equal(await victimExited, 'SIGKILL')

  const [view] = await allCompleted(hub.api, [taskId], 20_000)
  const elapsed = Date.now() - cutAt
  t.ok(elapsed < 60_000, `completed on the survivor ${elapsed} ms after the cut (within the 60 s acceptance window)`)
  t.equal(view.assigned_to, 'survivor')
  t.equal(completionsIn(view.history), 1, 'history shows one completion')
  t.ok(view.history.some((h: { event: string }) => h.event === 'reclaimed'), 'history shows the reclaim')
  const assignments = view.history.filter((h: { event: string }) => h.event === 'assigned').map((h: { details: { agent_id: string } }) => h.details.agent_id)
  t.same(assignments.reverse(), ['victim', 'survivor'], 'assigned to the victim, then to the survivor')
  t.same(survivor.completed, [taskId], 'the survivor completed it once')
  t.equal(view.generation, 3, 'generation: assign (1), reclaim (2), assign (3)')
})
