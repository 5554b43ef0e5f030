import { formatReason, type ExitReason } from './exit-reason'

/** The actor a call went to has exited (or never existed: reason 'noproc'). */
export class ActorExited extends Error {
  override readonly name = 'ActorExited'
  constructor(readonly actor: string, readonly reason: ExitReason) {
    super(`actor ${actor} exited: ${formatReason(reason)}`, reason instanceof Error ? { cause: reason } : undefined)
  }
}

/** No reply within the call's timeout; a late reply is dropped. */
export class CallTimeout extends Error {
  override readonly name = 'CallTimeout'
  constructor(readonly actor: string, readonly timeoutMs: number, readonly messageType?: string) {
    super(`call to ${actor}${messageType ? ` (${messageType})` : ''} timed out after ${timeoutMs} ms`)
  }
}

/** spawn/register with a name that another live actor holds. */
export class NameTaken extends Error {
  override readonly name = 'NameTaken'
  constructor(readonly actorName: string, readonly holder: string) {
    super(`name ${actorName} is already registered to ${holder}`)
  }
}

/** The actor system was shut down; no new actors. */
export class SystemStopped extends Error {
  override readonly name = 'SystemStopped'
  constructor() {
    super('actor system is shut down')
  }
}
