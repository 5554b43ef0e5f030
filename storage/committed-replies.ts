// "Durable before acknowledged" for an actor that owns tables: its writes run as transactions in
// the order they were started, each reply goes out only after its transaction committed, and a
// read waits for every write started before it (so it never shows what was not acknowledged).
// A failed commit fails the caller and ends the actor: its memory is then ahead of the disk, and
// its restart rebuilds from what did commit.
import type { Storage } from './environment'

/** The caller to answer: the runtime's `From` fits. */
export interface Replier {
  reply(value: unknown): void
  fail(error: Error): void
}

export class CommittedReplies {
  /** Settles when every write started so far has committed (or failed). */
  private settled: Promise<void> = Promise.resolve()

  constructor(
    private readonly storage: Pick<Storage, 'transaction'>,
    /** The owner stops with this reason (memory is ahead of disk). */
    private readonly onCommitFailed: (reason: Error) => void,
  ) {}

  /**
   * Runs `fn`'s writes as one transaction; after the commit `then` runs, then `from` gets
   * `reply`. `settle` runs once the transaction committed or failed (release pending state).
   */
  write(from: Replier | null, reply: unknown, fn: () => void, hooks: { then?: () => void; settle?: () => void } = {}): Promise<void> {
    const committed = this.storage.transaction(fn)
    const settle = () => hooks.settle?.()
    this.settled = committed.then(settle, settle)
    committed.then(
      () => {
        hooks.then?.()
        from?.reply(reply)
      },
      (error: unknown) => {
        const reason = asError(error)
        from?.fail(reason)
        this.onCommitFailed(reason)
      },
    )
    return committed
  }

  /** Answers `from` with `read()` once every write started so far has settled. */
  afterWrites(from: Replier, read: () => unknown): void {
    void this.settled.then(() => {
      try {
        from.reply(read())
      } catch (error) {
        from.fail(asError(error))
      }
    })
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
