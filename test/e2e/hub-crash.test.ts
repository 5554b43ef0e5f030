// Crash: the hub process is SIGKILLed under load (agents working, submissions in flight) and
// restarted on the same data dir and port. Every task whose submission was acknowledged (201)
// is still there and completes exactly once; the agents reconnect by themselves and resume or
// drop their in-flight task through task_recovering.
import t from 'tap'
import { completionsIn } from '../../bench/sim/hub-api'
import { startHubProcess, type HubProcess } from '../../bench/sim/hub-process'
import { allCompleted, eventually, startAgents, startE2eHub } from './e2e-harness'
import { BUILD_ENV, builtCliPath } from './project-build'

/**
 * The ws transport on both starts: after a SIGKILL of a uWS hub the port stays unbindable for
 * about a minute (uWS binds without SO_REUSEADDR and its killed connections linger), even for
 * the ws fallback. A supervisor restarting the hub (systemd Restart=, pm2) retries, as here.
 */
async function restartOnSamePort(dataDir: string, port: number): Promise<HubProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      const hub = await startHubProcess({ cliPath: builtCliPath(), dataDir, port, env: BUILD_ENV, transport: 'ws' })
      return hub
    } catch (error) {
      if (attempt >= 120 || !/EADDRINUSE|not bindable/.test(String(error))) throw error
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}

t.test('hub SIGKILLed under load and restarted: acknowledged tasks complete exactly once', async (t) => {
  const hub = await startE2eHub(t, { transport: 'ws' })
  const agents = await startAgents(t, hub, 'crash', 4, { workMs: 120, reconnectInitialMs: 500 })

  const acknowledged: string[] = []
  let submitting = true
  const submitter = (async () => {
    for (let i = 0; submitting; i++) {
      try {
        acknowledged.push(await hub.api.submit({ description: `load ${i}` }))
      } catch {
        // the hub is gone: this submission was never acknowledged
        return
      }
      await new Promise((r) => setTimeout(r, 25))
    }
  })()
  await eventually(() => acknowledged.length >= 20 && agents.every((a) => a.assigned.length > 0), 20_000, 'load running')
  const killed = await hub.process.stop('SIGKILL')
  t.equal(killed.signal, 'SIGKILL')
  submitting = false
  await submitter
  const beforeRestart = acknowledged.length
  t.ok(beforeRestart >= 20, `${beforeRestart} submissions acknowledged before the kill`)

  const restarted = await restartOnSamePort(hub.dataDir, hub.process.port)
  t.teardown(() => restarted.stop('SIGKILL'))
  await eventually(() => agents.every((a) => a.isIdentified && a.identifiedCount >= 2), 20_000, 'every agent reconnected by itself')

  const views = await allCompleted(hub.api, acknowledged, 40_000)
  for (const view of views) t.equal(completionsIn(view.history), 1, `${view.id}: one completion`)
  const acked = agents.flatMap((a) => a.completed)
  t.equal(new Set(acked).size, acked.length, 'no task acknowledged complete twice')
  const known = new Set(acknowledged)
  t.same(acked.filter((id) => !known.has(id)).length <= 1, true, 'at most the one unacknowledged in-flight submission completed besides')
  t.same(agents.flatMap((a) => a.errors).filter((e) => !String(e.error).startsWith('task_complete_failed')), [], 'no unexpected error frames')
})
