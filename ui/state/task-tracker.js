// Where each recently seen task stands (queued → assigned → working → completed), merged from
// snapshots and task events. Kept small: the newest TRACKER_LIMIT tasks by last change.
export const TRACKER_LIMIT = 200

// Socket `task_complete` is the agent's report; the queue's `task_completed` is the fact.
const STATUS_BY_EVENT = {
  task_submitted: 'queued',
  task_retried: 'queued',
  task_reclaimed: 'queued',
  task_assigned: 'assigned',
  task_accepted: 'working',
  task_progress: 'working',
  task_recovering: 'recovering',
  task_complete: 'reported',
  task_completed: 'completed',
  task_failed: 'failed',
  task_dead_letter: 'dead_letter',
}

export function statusForTaskEvent(event) {
  return STATUS_BY_EVENT[event] || null
}

function trimmed(tracker) {
  const entries = Object.values(tracker)
  if (entries.length <= TRACKER_LIMIT) return tracker
  entries.sort((a, b) => b.updated_at - a.updated_at)
  return Object.fromEntries(entries.slice(0, TRACKER_LIMIT).map((entry) => [entry.task_id, entry]))
}

function upsert(tracker, taskId, fields) {
  const previous = tracker[taskId] || { task_id: taskId, description: null, agent_id: null, priority: null }
  return { ...previous, ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) }
}

export function trackTaskEvent(tracker, event, now) {
  const status = statusForTaskEvent(event.event)
  if (!status || typeof event.task_id !== 'string') return tracker
  const next = { ...tracker }
  next[event.task_id] = upsert(tracker, event.task_id, {
    status,
    agent_id: event.agent_id || (tracker[event.task_id] && tracker[event.task_id].agent_id) || null,
    updated_at: Number.isFinite(event.timestamp) ? event.timestamp : now,
  })
  return trimmed(next)
}

/** What the snapshot says about each task it lists wins over older local knowledge. */
export function trackSnapshot(tracker, snapshot, now) {
  const next = { ...tracker }
  const at = Number.isFinite(snapshot.timestamp) ? snapshot.timestamp : now
  for (const task of snapshot.queued_tasks || []) {
    next[task.id] = upsert(next, task.id, { status: 'queued', description: task.description, priority: task.priority, updated_at: Math.max(task.created_at || 0, next[task.id] ? next[task.id].updated_at : 0) })
  }
  for (const agent of snapshot.agents || []) {
    if (!agent.current_task_id) continue
    const status = agent.fsm_state === 'working' ? 'working' : 'assigned'
    next[agent.current_task_id] = upsert(next, agent.current_task_id, { status, agent_id: agent.agent_id, updated_at: next[agent.current_task_id] ? next[agent.current_task_id].updated_at : at })
  }
  for (const done of snapshot.recent_completions || []) {
    next[done.task_id] = upsert(next, done.task_id, { status: 'completed', agent_id: done.agent_id, description: done.description || undefined, updated_at: done.completed_at || at })
  }
  for (const dead of snapshot.dead_letter_tasks || []) {
    next[dead.id] = upsert(next, dead.id, { status: 'dead_letter', description: dead.description, updated_at: next[dead.id] ? next[dead.id].updated_at : dead.created_at || at })
  }
  return trimmed(next)
}
