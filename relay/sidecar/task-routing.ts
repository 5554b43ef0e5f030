// Which path a task takes (spec sidecar.md §1): the legacy wake path when the assignment has no
// routing decision or its `target_type` is absent, null or "wake"; the direct executors otherwise.
import type { TaskRecord } from './local-queue'

export function isWakeTask(task: Pick<TaskRecord, 'routing_decision'>): boolean {
  const target = (task.routing_decision as { target_type?: unknown } | null)?.target_type
  return target === undefined || target === null || target === 'wake'
}
