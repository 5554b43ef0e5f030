// Test harness for the messaging actors: a real LMDB environment in a temp dir, an actor system
// on a VirtualClock, the real `messaging` supervision tree, and recording session actors
// registered as `agent:<id>` (what the real session would put on the socket, or do).
import type { Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Actor, createTestSystem, type ActorRef, type ActorSystem, type MemoryLogger, type VirtualClock } from '../../actors/runtime'
import { openStorage, type Storage } from '../../storage'
import { messagingTree } from '../../supervisors/trees/messaging-tree'
import { sessionName } from '../../actors/names'

export type SessionCast =
  | { type: 'push'; frame: { type: string; [key: string]: unknown } }
  | { type: 'join_channel'; channel: string }
  | { type: 'leave_channel'; channel: string }

export class RecordingSession extends Actor<{ type: 'log' }, SessionCast, never, { log: SessionCast[] }> {
  private log!: SessionCast[]
  override init(args: { log: SessionCast[] }): void {
    this.log = args.log
  }
  override handleCall(): unknown {
    return this.log
  }
  override handleCast(msg: SessionCast): void {
    this.log.push(msg)
  }
}

export interface MessagingWorld {
  system: ActorSystem
  clock: VirtualClock
  log: MemoryLogger
  storage: Storage
  dataDir: string
  /** the messaging supervisor */
  tree: ActorRef
  /** Registers a recording session `agent:<id>`; returns what it receives. */
  online(agentId: string): Promise<{ log: SessionCast[]; ref: ActorRef }>
  /** Stops the system and closes storage (the data dir stays for the next world). */
  stop(): Promise<void>
}

export function tempDataDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentcom-messaging-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface WorldOptions {
  dataDir?: string
  start?: number
  mailboxEvictionIntervalMs?: number
}

/** A started messaging tree over LMDB in `dataDir` (a fresh temp dir by default). */
export async function messagingWorld(t: Test, options: WorldOptions = {}): Promise<MessagingWorld> {
  const dataDir = options.dataDir ?? tempDataDir(t)
  const { system, clock, log } = createTestSystem({ start: options.start ?? Date.parse('2025-03-04T12:00:00Z') })
  const storage = openStorage({ dataDir })
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await system.shutdown()
    await storage.close()
  }
  t.teardown(stop)
  const tree = await messagingTree({ storage, mailboxEvictionIntervalMs: options.mailboxEvictionIntervalMs }).start(system)
  return {
    system,
    clock,
    log,
    storage,
    dataDir,
    tree,
    stop,
    async online(agentId) {
      const received: SessionCast[] = []
      const ref = await system.spawn(RecordingSession, { log: received }, { name: sessionName(agentId) })
      return { log: received, ref }
    },
  }
}

/** Lets casts and bus deliveries settle (virtual time does not move). */
export async function settle(world: Pick<MessagingWorld, 'clock'>): Promise<void> {
  await world.clock.advance(0)
}
