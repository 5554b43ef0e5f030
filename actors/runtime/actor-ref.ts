export interface CallOptions {
  /** Default 5000. `Infinity` waits forever. On expiry the call rejects with CallTimeout. */
  timeoutMs?: number
}

/**
 * The only way to talk to an actor. Refs are cheap handles; a ref to an exited actor stays
 * dead (a restarted actor has a new ref — look it up by name, or use system.byName(name)).
 */
export interface ActorRef<Call = unknown, Cast = unknown> {
  /** Pid-like, unique per process: `<0.42.0>`. */
  readonly id: string
  /** Registered name, if it was spawned with one. */
  readonly name: string | undefined
  /** Request/reply. Rejects with ActorExited (reason 'noproc' if already dead) or CallTimeout. */
  call<R = unknown>(msg: Call, opts?: CallOptions): Promise<R>
  /** Fire and forget; dropped silently if the actor is dead. */
  cast(msg: Cast): void
  isAlive(): boolean
}

export const DEFAULT_CALL_TIMEOUT_MS = 5000
