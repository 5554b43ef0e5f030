// The durable local queue as an actor: it opens `queue.json` in init (salvaging a damaged file)
// and, on the process's first start only, turns a task left active by a crash into the
// recovering task (spec §5.4). A restarted queue re-reads the file and changes nothing: the
// task it holds is then re-driven by the executor through the recovery handshake.
import { join } from 'node:path'
import { Actor } from '../../../actors/runtime'
import { LocalQueue } from '../local-queue'
import type { SidecarParts } from './sidecar-parts'

export type LocalQueueCall = { type: 'status' }

export interface LocalQueueStatus {
  active_task_id: string | null
  recovering_task_id: string | null
  orphans: number
  outbox: number
}

export function queueStatus(queue: LocalQueue): LocalQueueStatus {
  return {
    active_task_id: queue.active?.task_id ?? null,
    recovering_task_id: queue.recovering?.task_id ?? null,
    orphans: queue.orphans.length,
    outbox: queue.outbox.length,
  }
}

export class LocalQueueActor extends Actor<LocalQueueCall, never, never, { parts: SidecarParts }> {
  private parts!: SidecarParts
  private queue!: LocalQueue

  override init(args: { parts: SidecarParts }): void {
    this.parts = args.parts
    const { config, clock, log } = args.parts
    const probe = args.parts.o.onQueuePersisted
    let opened: LocalQueue | null = null
    this.queue = opened = LocalQueue.open(join(config.data_dir, 'queue'), {
      clock,
      log,
      onPersisted: probe ? (what) => probe(what, opened?.active ?? null) : undefined,
    })
    if (!this.parts.recoveredAtStart) {
      this.queue.recoverAfterRestart()
      this.parts.recoveredAtStart = true
    }
    this.parts.queue = this.queue
  }

  override handleCall(msg: LocalQueueCall): LocalQueueStatus {
    switch (msg.type) {
      case 'status':
        return queueStatus(this.queue)
    }
  }

  override terminate(): void {
    if (this.parts.queue === this.queue) this.parts.queue = null
  }

  override snapshot(): unknown {
    return queueStatus(this.queue)
  }
}
