// Parent-side stand-in for an actor running in a forked child process. Calls are pipelined
// (replied later through `from`), so the parent mailbox never waits on IPC; order is kept by
// the IPC channel and the child's own mailbox. The child's process ending becomes this
// actor's exit, so monitors, links and supervisors see a forked actor like any other.

import { Actor, noReply, type From } from './actor'
import type { ComedySubstrate, ForkedHandle, ForkedProcessEnd } from './comedy-substrate'
import { FINALIZE } from './cell'
import { type ExitReason } from './exit-reason'

export interface ForkedProxyArgs {
  substrate: ComedySubstrate
  module: string
  exportName: string
  args: unknown
  name: string | undefined
}

/** The reason a forked actor exits with when its process ends without a normal notice. */
export class ForkedProcessExited extends Error {
  override readonly name = 'ForkedProcessExited'
  constructor(
    readonly code: number | null,
    readonly signal: string | null,
    readonly childReason: string | undefined,
  ) {
    super(
      `forked process ${signal ? `killed by ${signal}` : `exited with code ${code}`}` +
        (childReason ? `: ${childReason}` : ''),
    )
  }
}

export class ForkedProxy extends Actor<unknown, unknown, never, ForkedProxyArgs> {
  private handle: ForkedHandle | undefined
  private ended: ForkedProcessEnd | undefined
  pid: number | undefined

  override async init(a: ForkedProxyArgs): Promise<void> {
    const params = { module: a.module, exportName: a.exportName, args: a.args, name: a.name }
    this.handle = await a.substrate.fork(params, (end) => this.processEnded(end))
    this.pid = this.handle.pid
  }

  override handleCall(msg: unknown, from: From): unknown {
    this.live().call(msg).then(
      (value) => from.reply(value),
      (err: unknown) => {
        // A dead child rejects everything at once; the exit procedure answers with ActorExited.
        if (!this.ended) from.fail(err instanceof Error ? err : new Error(String(err)))
      },
    )
    return noReply
  }

  override handleCast(msg: unknown): void {
    this.live().cast(msg)
  }

  override async terminate(reason: ExitReason): Promise<void> {
    if (!this.handle || this.handle.hasExited()) return
    await this.handle.stop(reason)
  }

  [FINALIZE](): void {
    this.handle?.kill()
  }

  override snapshot(): unknown {
    return { pid: this.pid, comedyId: this.handle?.comedyId, ended: this.ended ?? null }
  }

  private live(): ForkedHandle {
    if (!this.handle) throw new Error('forked actor not started')
    return this.handle
  }

  private processEnded(end: ForkedProcessEnd): void {
    this.ended = end
    this.ctx.stop(reasonFromProcessEnd(end))
  }
}

function reasonFromProcessEnd(end: ForkedProcessEnd): ExitReason {
  if (end.notice?.normal && end.code === 0) return end.notice.reason === 'shutdown' ? 'shutdown' : 'normal'
  return new ForkedProcessExited(end.code, end.signal, end.notice?.reason)
}
