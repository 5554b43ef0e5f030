// All dashboard state and the reducers that apply hub frames to it. State is replaced, never
// mutated, one slice at a time: a panel re-renders only when a slice it reads changed identity.
import { completedLastHour, countTaskEvent, createCompletionCounter, resetFromSnapshot } from './completion-counter.js'
import { appendPoint, createMetricsSeries, pointFromMetrics, pointFromSnapshot } from './metrics-series.js'
import { trackSnapshot, trackTaskEvent } from './task-tracker.js'

export const TASK_EVENT_LIMIT = 200
export const STORAGE_ACTIVITY_LIMIT = 20
export const LOG_TEXT_LIMIT = 200000
export const LOG_TASK_LIMIT = 30

export function createDashboardState(now = Date.now()) {
  return {
    role: 'viewer',
    snapshot: null,
    agents: [],
    alerts: [],
    taskEvents: [],
    tracker: {},
    executionLogs: {},
    selectedLogTask: null,
    completions: createCompletionCounter(),
    metrics: createMetricsSeries(),
    latestMetrics: null,
    storageActivity: [],
    retryResults: {},
    notices: [],
    lastUpdate: null,
    clock: now,
  }
}

/** Derived: completions this hour, each task counted once. */
export function throughputNow(state, now) {
  return completedLastHour(state.completions, now)
}

let noticeSequence = 0
export function withNotice(state, level, text, now) {
  noticeSequence += 1
  return { ...state, notices: [...state.notices, { id: noticeSequence, level, text, at: now }].slice(-6) }
}

export function withoutExpiredNotices(state, now, lifetimeMs) {
  const notices = state.notices.filter((notice) => now - notice.at < lifetimeMs)
  return notices.length === state.notices.length ? state : { ...state, notices }
}

/**
 * Applies one server frame.
 * @returns {{state: object, refreshSnapshot: boolean}} refreshSnapshot: the frame changed
 *   something only a fresh snapshot shows completely (queue lists, agent tasks, storage…)
 */
export function applyServerFrame(state, frame, now) {
  const stamped = { ...state, lastUpdate: now }
  switch (frame.type) {
    case 'snapshot':
      return { state: applySnapshot(stamped, frame, now), refreshSnapshot: false }
    case 'events':
      return applyEventBatch(stamped, Array.isArray(frame.data) ? frame.data : [], now)
    case 'execution_event':
      return { state: applyExecutionEvent(stamped, frame, now), refreshSnapshot: false }
    case 'retry_result':
      return { state: applyRetryResult(stamped, frame, now), refreshSnapshot: true }
    case 'alert_ack_result':
      return { state: applyAlertAckResult(stamped, frame, now), refreshSnapshot: false }
    case 'llm_endpoint_registered':
      return { state: withNotice(stamped, 'ok', `LLM endpoint ${(frame.endpoint && frame.endpoint.id) || ''} registered`, now), refreshSnapshot: true }
    case 'llm_endpoint_removed':
      return { state: withNotice(stamped, 'ok', `LLM endpoint ${frame.id || ''} removed`, now), refreshSnapshot: true }
    case 'llm_endpoint_error':
      return { state: withNotice(stamped, 'error', `LLM endpoint: ${describeError(frame.error)}`, now), refreshSnapshot: false }
    case 'repo_error':
      return { state: withNotice(stamped, 'error', `Repository: ${describeError(frame.error)}`, now), refreshSnapshot: false }
    case 'command_rejected':
      return { state: withNotice(stamped, 'error', `${frame.command || 'Command'} rejected: ${describeError(frame.error)}`, now), refreshSnapshot: false }
    default:
      return { state, refreshSnapshot: false }
  }
}

function describeError(error) {
  if (typeof error === 'string') return error.replace(/_/g, ' ')
  if (error && typeof error === 'object') return JSON.stringify(error)
  return 'unknown error'
}

function applySnapshot(state, frame, now) {
  const data = frame.data && typeof frame.data === 'object' ? frame.data : {}
  const completions = resetFromSnapshot(data)
  const alerts = Array.isArray(frame.alerts) ? frame.alerts : Array.isArray(data.active_alerts) ? data.active_alerts : state.alerts
  const role = frame.role === 'admin' || frame.role === 'viewer' ? frame.role : state.role
  const metrics = state.metrics.points.length ? state.metrics : appendPoint(state.metrics, pointFromSnapshot(data, completedLastHour(completions, now)))
  return {
    ...state,
    role,
    snapshot: data,
    agents: Array.isArray(data.agents) ? data.agents : [],
    alerts,
    completions,
    metrics,
    tracker: trackSnapshot(state.tracker, data, now),
  }
}

function applyEventBatch(state, events, now) {
  let next = state
  let refreshSnapshot = false
  for (const event of events) {
    if (!event || typeof event !== 'object') continue
    const applied = applyEvent(next, event, now)
    next = applied.state
    refreshSnapshot = refreshSnapshot || applied.refreshSnapshot
  }
  return { state: next, refreshSnapshot }
}

function applyEvent(state, event, now) {
  switch (event.type) {
    case 'task_event':
      return {
        state: {
          ...state,
          taskEvents: [{ task_id: event.task_id, event: event.event, agent_id: event.agent_id ?? null, timestamp: event.timestamp ?? now }, ...state.taskEvents].slice(0, TASK_EVENT_LIMIT),
          tracker: trackTaskEvent(state.tracker, event, now),
          completions: countTaskEvent(state.completions, event, now),
        },
        refreshSnapshot: true,
      }
    case 'agent_joined': {
      const joined = {
        agent_id: event.agent_id,
        name: event.name || event.agent_id,
        fsm_state: 'idle',
        current_task_id: null,
        capabilities: Array.isArray(event.capabilities) ? event.capabilities : [],
        connected_at: now,
        last_state_change: now,
      }
      return { state: { ...state, agents: [...state.agents.filter((agent) => agent.agent_id !== event.agent_id), joined] }, refreshSnapshot: true }
    }
    case 'agent_left':
      return { state: { ...state, agents: state.agents.filter((agent) => agent.agent_id !== event.agent_id) }, refreshSnapshot: true }
    case 'status_changed':
      return {
        state: { ...state, agents: state.agents.map((agent) => (agent.agent_id === event.agent_id ? { ...agent, status_text: event.status } : agent)) },
        refreshSnapshot: false,
      }
    case 'backup_complete':
      return storageEvent(state, now, event.timestamp, 'ok', `Backup complete: ${(event.tables_backed_up || []).length} tables`)
    case 'backup_failed':
      return storageEvent(state, now, event.timestamp, 'error', `Backup FAILED (${event.trigger || 'scheduled'}): ${event.reason}`)
    case 'compaction_complete':
      return storageEvent(state, now, event.timestamp, 'ok', `Compaction complete: ${(event.results || []).map((r) => `${r.table} ${r.status}`).join(', ') || 'nothing to do'}`)
    case 'compaction_failed':
      return storageEvent(state, now, event.timestamp, 'error', `Compaction failed: ${(event.failures || []).map((f) => `${f.table} (${f.reason})`).join(', ')}`)
    case 'recovery_complete':
      return storageEvent(state, now, event.timestamp, 'warning', `Restored ${event.table} from ${event.backup_used || 'backup'} (${event.trigger}, ${event.record_count ?? '?'} records)`)
    case 'recovery_failed':
      return storageEvent(state, now, event.timestamp, 'error', `Recovery of ${event.table} FAILED: ${event.reason}`)
    case 'metrics_snapshot': {
      const metrics = event.data && typeof event.data === 'object' ? event.data : null
      if (!metrics) return { state, refreshSnapshot: false }
      const point = pointFromMetrics(metrics, completedLastHour(state.completions, now))
      return { state: { ...state, latestMetrics: metrics, metrics: appendPoint(state.metrics, point) }, refreshSnapshot: false }
    }
    case 'alert_fired': {
      const alert = event.data && typeof event.data === 'object' ? event.data : null
      if (!alert || typeof alert.rule_id !== 'string') return { state, refreshSnapshot: false }
      return { state: { ...state, alerts: [...state.alerts.filter((a) => a.rule_id !== alert.rule_id), alert] }, refreshSnapshot: false }
    }
    case 'alert_cleared':
      return { state: { ...state, alerts: state.alerts.filter((a) => a.rule_id !== event.rule_id) }, refreshSnapshot: false }
    case 'alert_acknowledged':
      return { state: { ...state, alerts: markAcknowledged(state.alerts, event.rule_id) }, refreshSnapshot: false }
    case 'llm_registry_update':
    case 'repo_registry_update':
      return { state, refreshSnapshot: true }
    default:
      return { state, refreshSnapshot: false }
  }
}

function storageEvent(state, now, timestamp, level, text) {
  const entry = { at: Number.isFinite(timestamp) ? timestamp : now, level, text }
  return { state: { ...state, storageActivity: [entry, ...state.storageActivity].slice(0, STORAGE_ACTIVITY_LIMIT) }, refreshSnapshot: true }
}

function markAcknowledged(alerts, ruleId) {
  return alerts.map((alert) => (alert.rule_id === ruleId ? { ...alert, acknowledged: true } : alert))
}

function applyExecutionEvent(state, frame, now) {
  if (typeof frame.task_id !== 'string') return state
  const previous = state.executionLogs[frame.task_id] || { task_id: frame.task_id, entries: [], size: 0, model: null, tokens: null, started_at: now }
  const entry = { kind: typeof frame.event_type === 'string' ? frame.event_type : 'text', text: typeof frame.text === 'string' ? frame.text : '' }
  let entries = previous.entries
  const last = entries[entries.length - 1]
  // Consecutive text deltas merge into one run, so a long stream stays a handful of nodes.
  if (last && last.kind === entry.kind && (entry.kind === 'token' || entry.kind === 'stdout')) {
    entries = [...entries.slice(0, -1), { kind: last.kind, text: last.text + entry.text }]
  } else {
    entries = [...entries, entry]
  }
  let size = previous.size + entry.text.length
  while (size > LOG_TEXT_LIMIT && entries.length > 1) {
    size -= entries[0].text.length
    entries = entries.slice(1)
  }
  const log = {
    ...previous,
    entries,
    size,
    model: frame.model || previous.model,
    tokens: Number.isFinite(frame.tokens_so_far) ? frame.tokens_so_far : previous.tokens,
    last_event_type: entry.kind,
    updated_at: Number.isFinite(frame.timestamp) ? frame.timestamp : now,
  }
  let executionLogs = { ...state.executionLogs, [frame.task_id]: log }
  const ids = Object.keys(executionLogs)
  if (ids.length > LOG_TASK_LIMIT) {
    const oldest = ids.sort((a, b) => executionLogs[a].updated_at - executionLogs[b].updated_at)[0]
    const { [oldest]: _dropped, ...rest } = executionLogs
    executionLogs = rest
  }
  const selectedLogTask = state.selectedLogTask && executionLogs[state.selectedLogTask] ? state.selectedLogTask : frame.task_id
  return { ...state, executionLogs, selectedLogTask }
}

function applyRetryResult(state, frame, now) {
  const status = frame.status === 'requeued' ? 'requeued' : 'not_found'
  const next = { ...state, retryResults: { ...state.retryResults, [frame.task_id]: status } }
  return status === 'requeued'
    ? withNotice(next, 'ok', `Task ${frame.task_id} requeued`, now)
    : withNotice(next, 'error', `Task ${frame.task_id} not found in dead letter`, now)
}

// The spec's hub answers "acknowledged"; the original page looked for "ok". Both mean success.
function applyAlertAckResult(state, frame, now) {
  if (frame.status === 'acknowledged' || frame.status === 'ok') {
    return withNotice({ ...state, alerts: markAcknowledged(state.alerts, frame.rule_id) }, 'ok', `Alert ${frame.rule_id} acknowledged`, now)
  }
  return withNotice({ ...state, alerts: state.alerts.filter((a) => a.rule_id !== frame.rule_id) }, 'warning', `Alert ${frame.rule_id} no longer active`, now)
}

/** Marks a command as in flight (e.g. a Retry button waiting for its result). */
export function markRetryPending(state, taskId) {
  return { ...state, retryResults: { ...state.retryResults, [taskId]: 'pending' } }
}

export function selectLogTask(state, taskId) {
  return state.executionLogs[taskId] ? { ...state, selectedLogTask: taskId } : state
}

export function setRole(state, role) {
  return { ...state, role }
}
