// Walking reply_to chains. A chain may be circular (a reply_to naming a later message): every
// walk keeps a visited set, so it ends; the original looped forever (protocol.md §3.6).
import type { StoredMessage } from '../../relay/protocol'

export type MessageLookup = (id: string) => StoredMessage | undefined
export type ChildrenLookup = (id: string) => readonly string[]

/** A thread larger than this is cut (oldest-first walk order); protects replies and memory. */
export const THREAD_MAX_MESSAGES = 10_000

/**
 * The root of `id`'s thread: follow reply_to until a message without one, or an id that is not
 * indexed (that id is the root, as in the original). On a cycle the root is the cycle's oldest
 * message (timestamp, then id), so every member of the cycle names the same root.
 */
export function findRoot(id: string, lookup: MessageLookup): string {
  const path: string[] = []
  const position = new Map<string, number>()
  let current = id
  for (;;) {
    const seenAt = position.get(current)
    if (seenAt !== undefined) return oldestOf(path.slice(seenAt), lookup)
    position.set(current, path.length)
    path.push(current)
    const parent = lookup(current)?.reply_to
    if (typeof parent !== 'string') return current
    current = parent
  }
}

function oldestOf(ids: string[], lookup: MessageLookup): string {
  let best = ids[0]!
  let bestAt = lookup(best)?.timestamp ?? Infinity
  for (const id of ids.slice(1)) {
    const at = lookup(id)?.timestamp ?? Infinity
    if (at < bestAt || (at === bestAt && id < best)) {
      best = id
      bestAt = at
    }
  }
  return best
}

/** Every indexed message reachable from `root` through replies, chronological (timestamp, then walk order). */
export function collectThread(root: string, lookup: MessageLookup, children: ChildrenLookup, max = THREAD_MAX_MESSAGES): StoredMessage[] {
  const visited = new Set<string>([root])
  const queue = [root]
  const found: StoredMessage[] = []
  while (queue.length > 0 && found.length < max) {
    const id = queue.shift()!
    const message = lookup(id)
    if (message) found.push(message)
    for (const child of children(id)) {
      if (visited.has(child)) continue
      visited.add(child)
      queue.push(child)
    }
  }
  return chronological(found)
}

/** Direct replies of `id` that are indexed, chronological. */
export function directReplies(id: string, lookup: MessageLookup, children: ChildrenLookup): StoredMessage[] {
  const seen = new Set<string>()
  const replies: StoredMessage[] = []
  for (const child of children(id)) {
    if (seen.has(child)) continue
    seen.add(child)
    const message = lookup(child)
    if (message) replies.push(message)
  }
  return chronological(replies)
}

function chronological(messages: StoredMessage[]): StoredMessage[] {
  return messages
    .map((message, order) => ({ message, order }))
    .sort((a, b) => a.message.timestamp - b.message.timestamp || a.order - b.order)
    .map(({ message }) => message)
}
