// Shared by the observability tests: an actor system on a virtual clock over real LMDB in a
// temp dir, reopenable on the same dir (restart tests).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestSystem, type ActorSystem, type MemoryLogger, type VirtualClock } from '../../actors/runtime'
import { openStorage, type Storage } from '../../storage'

interface Teardownable {
  teardown(fn: () => unknown): void
}

export const T0 = Date.parse('2026-01-05T10:00:00Z')

export interface World {
  system: ActorSystem
  clock: VirtualClock
  log: MemoryLogger
  storage: Storage
  dataDir: string
  stop(): Promise<void>
}

export function tempDir(t: Teardownable, prefix = 'agentcom-obs-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function world(t: Teardownable, options: { dataDir?: string; start?: number } = {}): World {
  const dataDir = options.dataDir ?? tempDir(t)
  const { system, clock, log } = createTestSystem({ start: options.start ?? T0 })
  const storage = openStorage({ dataDir })
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await system.shutdown()
    await storage.settled().catch(() => undefined)
    await storage.close()
  }
  t.teardown(stop)
  return { system, clock, log, storage, dataDir, stop }
}
