// A small live "hub" for the console tests: a root supervisor over a config-like worker, the
// real `tasks` tree (LMDB in a temp dir) and the console server. (Fixture, no tests of its own.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { Actor, createTestSystem, type ActorSystem, type VirtualClock } from '../../actors/runtime'
import { startSupervisor, workerSpec, type ChildSpec } from '../../supervisors'
import { tasksTree } from '../../supervisors/trees/tasks-tree'
import { openStorage, type Storage } from '../../storage'
import { consoleServerSpec, consoleSocketPath } from '../../actors/console'
import { ConsoleClient } from '../../cli/console/console-client'

export const ADMIN_TOKEN = 'a'.repeat(64)

type CounterCall = { type: 'get' } | { type: 'add'; n: number } | { type: 'boom' }

/** A worker with visible state: `state('config')` shows `{ count }`. */
export class CounterActor extends Actor<CounterCall, { type: 'add'; n: number }, never, { start: number }> {
  count = 0
  override init(args: { start: number }): void {
    this.count = args.start
  }
  override handleCall(msg: CounterCall): unknown {
    if (msg.type === 'boom') throw new Error('boom requested')
    if (msg.type === 'add') this.count += msg.n
    return this.count
  }
  override handleCast(msg: { type: 'add'; n: number }): void {
    this.count += msg.n
  }
}

export interface LiveHub {
  system: ActorSystem
  storage: Storage | undefined
  clock: VirtualClock
  dataDir: string
  socketPath: string
  connect(token?: string): Promise<ConsoleClient>
}

export interface LiveHubOptions {
  /** the real tasks tree (LMDB); default true */
  tasks?: boolean
  /** open LMDB even without the tasks tree */
  storage?: boolean
  /** more children of the root, before the console server (given the storage when there is one) */
  extraChildren?: (storage: Storage | undefined) => ChildSpec[]
}

export async function startLiveHub(t: Test, opts: LiveHubOptions = {}): Promise<LiveHub> {
  // unix socket paths are limited to ~107 bytes: keep the temp dir short
  const dataDir = mkdtempSync(join(tmpdir(), 'c1-'))
  writeFileSync(join(dataDir, 'admin.token'), ADMIN_TOKEN + '\n', { mode: 0o600 })
  const { system, clock, shutdown } = createTestSystem()
  const storage = opts.tasks === false && !opts.storage ? undefined : openStorage({ dataDir })
  const clients: ConsoleClient[] = []
  t.teardown(async () => {
    for (const c of clients) c.close()
    await shutdown()
    await storage?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  await startSupervisor(system, {
    name: 'hub',
    children: [
      workerSpec(CounterActor, { start: 41 }, { name: 'config' }),
      ...(storage && opts.tasks !== false ? [tasksTree({ storage })] : []),
      ...(opts.extraChildren?.(storage) ?? []),
      consoleServerSpec({ dataDir }),
    ],
  })
  const socketPath = consoleSocketPath(dataDir)
  return {
    system,
    storage,
    clock,
    dataDir,
    socketPath,
    async connect(token = ADMIN_TOKEN) {
      const { client } = await ConsoleClient.open(socketPath, token)
      clients.push(client)
      return client
    },
  }
}
