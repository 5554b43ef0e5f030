// The `message-history` actor's contract (actors/names.ts ACTOR.messageHistory).
import type { StoredMessage } from '../../relay/protocol'
import type { HistoryQuery } from './history-query'

export type MessageHistoryCall =
  /** → `{seq}` after the write committed */
  | { type: 'append'; message: StoredMessage }
  /** → HistoryPage */
  | { type: 'query'; query: HistoryQuery }
  /** → `{count, first_seq, last_seq}` */
  | { type: 'stats' }
