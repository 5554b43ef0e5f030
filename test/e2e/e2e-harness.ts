// Shared by the end-to-end scenarios: a hub as a real child process (the project transpiled once,
// project-build.ts) on a temp data dir, simulated v1.2 agents (bench/sim/sim-agent.ts) and
// the hub's HTTP API. Everything is torn down with the test. (Fixture, no tests of its own.)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HubApi } from '../../bench/sim/hub-api'
import { startHubProcess, type HubProcess } from '../../bench/sim/hub-process'
import { SimAgent, type SimAgentOptions } from '../../bench/sim/sim-agent'
import { BUILD_ENV, builtCliPath } from './project-build'

interface Teardownable {
  teardown(fn: () => unknown): void
}

export function tempDir(t: Teardownable, prefix = 'agentcom-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface E2eHub {
  process: HubProcess
  api: HubApi
  dataDir: string
  url: string
}

/** `agentcom hub` as a child process; SIGKILLed at teardown if still running. */
export async function startE2eHub(t: Teardownable, opts: { dataDir?: string; port?: number; transport?: 'uws' | 'ws' } = {}): Promise<E2eHub> {
  const dataDir = opts.dataDir ?? tempDir(t, 'agentcom-e2e-hub-')
  const hub = await startHubProcess({ cliPath: builtCliPath(), dataDir, port: opts.port, env: BUILD_ENV, transport: opts.transport })
  t.teardown(() => hub.stop('SIGKILL'))
  const api = new HubApi(hub.port, hub.adminToken)
  t.teardown(() => api.close())
  return { process: hub, api, dataDir, url: `ws://127.0.0.1:${hub.port}/ws` }
}

/** Agents `<prefix>-1..n` with fresh tokens, identified; stopped at teardown. */
export async function startAgents(
  t: Teardownable,
  hub: E2eHub,
  prefix: string,
  n: number,
  opts: Partial<SimAgentOptions> = {},
): Promise<SimAgent[]> {
  const agents: SimAgent[] = []
  for (let i = 1; i <= n; i++) {
    const agentId = `${prefix}-${i}`
    const agent = new SimAgent({ url: hub.url, agentId, token: await hub.api.createToken(agentId), pingIntervalMs: 5_000, ...opts })
    t.teardown(() => agent.stop())
    agents.push(agent)
  }
  await Promise.all(agents.map((a) => a.start()))
  return agents
}

/** Polls `check` in real time until it holds. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Waits until every task is `completed`; returns their views. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TaskView
export async function allCompleted(api: HubApi, taskIds: readonly string[], timeoutMs: number): Promise<any[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let views: any[] = []
  await eventually(
    async () => {
      views = await Promise.all(taskIds.map((id) => api.task(id)))
      return views.every((v) => v.status === 'completed')
    },
    timeoutMs,
    `all ${taskIds.length} tasks completed`,
  )
  return views
}
