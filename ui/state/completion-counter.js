// Completed-tasks-this-hour without double counting. The original added a completion for the
// agent socket's `task_complete` AND the queue's `task_completed`; only the queue's event is
// authoritative (a socket report can be stale and rejected). Each task id counts once, and the
// ids already inside a snapshot are never counted again when their events arrive late.
export const HOUR_MS = 3600000

export function createCompletionCounter() {
  return { baseline: 0, seenTaskIds: new Set(), localCompletions: [] }
}

/** A fresh snapshot is authoritative: its count replaces everything counted locally. */
export function resetFromSnapshot(snapshot) {
  const throughput = (snapshot && snapshot.throughput) || {}
  const completions = Array.isArray(snapshot && snapshot.recent_completions) ? snapshot.recent_completions : []
  return {
    baseline: Number.isFinite(throughput.completed_last_hour) ? throughput.completed_last_hour : 0,
    seenTaskIds: new Set(completions.map((entry) => entry.task_id)),
    localCompletions: [],
  }
}

/** Returns the counter (a new one when the event counted, the same one otherwise). */
export function countTaskEvent(counter, event, now) {
  if (!event || event.event !== 'task_completed' || typeof event.task_id !== 'string') return counter
  if (counter.seenTaskIds.has(event.task_id)) return counter
  const seenTaskIds = new Set(counter.seenTaskIds)
  seenTaskIds.add(event.task_id)
  const at = Number.isFinite(event.timestamp) ? event.timestamp : now
  return { baseline: counter.baseline, seenTaskIds, localCompletions: [...counter.localCompletions, at] }
}

export function completedLastHour(counter, now) {
  return counter.baseline + counter.localCompletions.filter((at) => now - at < HOUR_MS).length
}
