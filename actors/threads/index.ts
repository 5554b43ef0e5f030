export { ThreadsActor, THREAD_MESSAGES_TABLE, THREAD_REPLIES_TABLE, type ThreadsArgs } from './actor'
export { findRoot, collectThread, directReplies, THREAD_MAX_MESSAGES, type MessageLookup, type ChildrenLookup } from './thread-walk'
export type { ThreadsCall, ThreadView } from './messages'
