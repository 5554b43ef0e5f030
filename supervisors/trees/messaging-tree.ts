// The messaging subtree (ARCHITECTURE.md §3): config first (the others read its table),
// then mailbox, channels, message history, threads, analytics. one_for_one: each rebuilds its
// own state from LMDB on restart, none depends on another's process.
// Presence and the reaper belong to the sessions side (hub-tree).
import { ConfigActor } from '../../actors/config'
import { MailboxActor } from '../../actors/mailbox'
import { ChannelsActor } from '../../actors/channels'
import { MessageHistoryActor } from '../../actors/message-history'
import { ThreadsActor } from '../../actors/threads'
import { AnalyticsActor } from '../../actors/analytics'
import { ACTOR } from '../../actors/names'
import type { Storage } from '../../storage'
import { supervisorSpec, workerSpec, type ChildSpec } from '..'

export interface MessagingTreeDeps {
  storage: Storage
  /** mailbox TTL sweep period, default hourly */
  mailboxEvictionIntervalMs?: number
  /** supervisor name, default 'messaging' */
  name?: string
}

export function messagingTree(deps: MessagingTreeDeps): ChildSpec {
  const { storage } = deps
  return supervisorSpec({
    name: deps.name ?? 'messaging',
    strategy: 'one_for_one',
    children: [
      workerSpec(ConfigActor, { storage }, { name: ACTOR.config }),
      workerSpec(MailboxActor, { storage, evictionIntervalMs: deps.mailboxEvictionIntervalMs }, { name: ACTOR.mailbox }),
      workerSpec(ChannelsActor, { storage }, { name: ACTOR.channels }),
      workerSpec(MessageHistoryActor, { storage }, { name: ACTOR.messageHistory }),
      workerSpec(ThreadsActor, { storage }, { name: ACTOR.threads }),
      workerSpec(AnalyticsActor, undefined, { name: ACTOR.analytics }),
    ],
  })
}
