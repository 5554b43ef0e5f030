// Bus events → the event items of the dashboard's batched `events` frame (protocol.md §5.1,
// smart-pipeline.md §11.2). Pure; the dashboard feed batches what this returns.
import { TOPIC } from '../names'

export type DashboardEventItem =
  | { type: 'task_event'; task_id: string; event: string; agent_id: string | null; timestamp: number }
  | { type: 'agent_joined'; agent_id: string; name: string; capabilities: Array<{ name: string }> }
  | { type: 'agent_left'; agent_id: string }
  | { type: 'status_changed'; agent_id: string; status: string }
  | { type: 'backup_complete' | 'backup_failed' | 'compaction_complete' | 'compaction_failed' | 'recovery_complete' | 'recovery_failed'; [field: string]: unknown }
  | { type: 'metrics_snapshot'; data: unknown }
  | { type: 'alert_fired'; data: Record<string, unknown> }
  | { type: 'alert_cleared' | 'alert_acknowledged'; rule_id: string }
  | { type: 'llm_registry_update'; detail: string }
  | { type: 'repo_registry_update'; detail: string }

/** Topics whose events reach dashboards (the others only feed DashboardState). */
export const FEED_TOPICS = [TOPIC.tasks, TOPIC.presence, TOPIC.backups, TOPIC.metrics, TOPIC.alerts, TOPIC.llmRegistry, TOPIC.repoRegistry] as const

// backup_failed is ours: the original published no event when a backup failed
const STORAGE_EVENTS = new Set(['backup_complete', 'backup_failed', 'compaction_complete', 'compaction_failed', 'recovery_complete', 'recovery_failed'])

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/** The item for one bus event, or null when dashboards do not show it. */
export function dashboardEventItem(topic: string, event: unknown, now: number): DashboardEventItem | null {
  if (!isObject(event)) return null
  switch (topic) {
    case TOPIC.tasks:
      return taskItem(event, now)
    case TOPIC.presence:
      return presenceItem(event)
    case TOPIC.backups:
      return typeof event.type === 'string' && STORAGE_EVENTS.has(event.type) ? ({ ...event, timestamp: event.timestamp ?? now } as DashboardEventItem) : null
    case TOPIC.metrics:
      return event.type === 'metrics_snapshot' && isObject(event.data) ? { type: 'metrics_snapshot', data: event.data } : null
    case TOPIC.alerts:
      return alertItem(event)
    case TOPIC.llmRegistry:
      return { type: 'llm_registry_update', detail: str(event.detail) ?? 'endpoint_changed' }
    case TOPIC.repoRegistry:
      return { type: 'repo_registry_update', detail: str(event.detail) ?? 'changed' }
    default:
      return null
  }
}

function taskItem(event: Json, now: number): DashboardEventItem | null {
  const taskId = str(event.task_id)
  const name = str(event.event)
  if (event.type !== 'task_event' || taskId === null || name === null) return null
  return { type: 'task_event', task_id: taskId, event: name, agent_id: str(event.agent_id), timestamp: typeof event.timestamp === 'number' ? event.timestamp : now }
}

function presenceItem(event: Json): DashboardEventItem | null {
  const agent = isObject(event.agent) ? event.agent : event
  const agentId = str(agent.agent_id)
  if (agentId === null) return null
  switch (event.type) {
    case 'agent_joined':
      return { type: 'agent_joined', agent_id: agentId, name: str(agent.name) ?? agentId, capabilities: capabilityObjects(agent.capabilities) }
    case 'agent_left':
      return { type: 'agent_left', agent_id: agentId }
    case 'status_changed':
      return { type: 'status_changed', agent_id: agentId, status: str(agent.status) ?? '' }
    default:
      return null
  }
}

function alertItem(event: Json): DashboardEventItem | null {
  switch (event.type) {
    case 'alert_fired': {
      const alert = isObject(event.data) ? event.data : isObject(event.alert) ? event.alert : null
      return alert === null ? null : { type: 'alert_fired', data: alert }
    }
    case 'alert_cleared':
    case 'alert_acknowledged': {
      const ruleId = str(event.rule_id)
      return ruleId === null ? null : { type: event.type, rule_id: ruleId }
    }
    default:
      return null
  }
}

/** `["code"]` or `[{name:"code"}]` → `[{name:"code"}]` (the snapshot's agent shape). */
export function capabilityObjects(value: unknown): Array<{ name: string }> {
  if (!Array.isArray(value)) return []
  const out: Array<{ name: string }> = []
  for (const c of value) {
    if (typeof c === 'string') out.push({ name: c })
    else if (isObject(c) && typeof c.name === 'string') out.push({ name: c.name })
  }
  return out
}

/** The alert carried by an `alerts` topic event (either `{alert}` or the wire `{data}`). */
export function alertOf(event: unknown): Json | null {
  if (!isObject(event)) return null
  if (isObject(event.data)) return event.data
  if (isObject(event.alert)) return event.alert
  return null
}
