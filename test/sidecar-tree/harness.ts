// Shared set-up of the sidecar-tree tests: a protocol-true fake hub on 127.0.0.1, a config in a
// temp dir, an actor system on a virtual clock, and the assembled sidecar. Everything is torn
// down with the test. (Helper, no tests of its own.)
import type { Test } from 'tap'
import { join } from 'node:path'
import { createTestSystem, type ActorSystem, type VirtualClock } from '../../actors/runtime'
import { parseSidecarConfig, type SidecarConfig } from '../../relay/sidecar/config'
import { MemoryLog } from '../../relay/sidecar/event-log'
import { startSidecar, type Sidecar, type SidecarDeps } from '../../relay/sidecar/sidecar'
import type { RelayEvent } from '../../relay/sidecar/task-relay'
import { FakeHub } from '../sidecar/fake-hub'
import { tempDir } from '../sidecar/temp-dir'

export const AGENT = 'gcu-tree'

export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export interface TreeHarness {
  root: string
  hub: FakeHub
  config: SidecarConfig
  system: ActorSystem
  clock: VirtualClock
  log: MemoryLog
  events: RelayEvent[]
  sidecar: Sidecar
}

export async function startTreeHarness(
  t: Test,
  opts: { config?: Record<string, unknown>; deps?: SidecarDeps; root?: string } = {},
): Promise<TreeHarness> {
  const root = opts.root ?? tempDir(t, 'sidecar-tree-')
  const hub = await FakeHub.start()
  t.teardown(() => hub.close())
  const config = parseSidecarConfig(
    { agent_id: AGENT, token: 'tok-secret', hub_url: hub.url, data_dir: join(root, 'data'), results_dir: join(root, 'results'), ...opts.config },
    { baseDir: root, homeDir: root },
  )
  const { system, clock, shutdown } = createTestSystem()
  t.teardown(shutdown)
  const log = new MemoryLog()
  const events: RelayEvent[] = []
  const sidecar = await startSidecar(config, {
    system,
    log,
    workspaces: false,
    onEvent: (event) => events.push(event),
    ...opts.deps,
  })
  t.teardown(() => sidecar.stop())
  await until(() => hub.isConnected(AGENT), 'sidecar identified')
  return { root, hub, config, system, clock, log, events, sidecar }
}

/** The assignment fields of a task routed to the sidecar's own shell executor. */
export function shellTask(command: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { description: 'run a shell command', metadata: { shell_command: command }, routing_decision: { target_type: 'sidecar' }, ...extra }
}
