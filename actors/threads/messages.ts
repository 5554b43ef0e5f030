// The `threads` actor's contract (actors/names.ts ACTOR.threads).
import type { StoredMessage } from '../../relay/protocol'

export type ThreadsCall =
  /** → `{ok:true}` after the index write committed */
  | { type: 'index'; message: StoredMessage }
  /** → ThreadView */
  | { type: 'thread'; message_id: string }
  /** → StoredMessage[] (direct replies, chronological) */
  | { type: 'replies'; message_id: string }
  /** → root message id */
  | { type: 'root'; message_id: string }

export interface ThreadView {
  root: string
  messages: StoredMessage[]
  count: number
}
