// What the LLM executors tell the model (sidecar.md §9.2–9.3): the task's context lines and
// the prompt layouts. File hints are `{path, reason?}` objects on the wire; the original joined
// them as strings and sent "[object Object]" — they are rendered as "path (reason)" here.
import type { ExecutionTask } from './execution-types'

export const EMPTY_TASK_PROMPT = 'Complete this task.'

export const CODING_ASSISTANT_PERSONA =
  'You are a careful software engineer working on a coding task. Answer with the changes or the result the task asks for.'

/** `path (reason)` for hint objects, the string itself for plain strings. */
export function renderFileHint(hint: unknown): string | null {
  if (typeof hint === 'string') return hint.trim() === '' ? null : hint
  if (hint && typeof hint === 'object') {
    const { path, reason } = hint as { path?: unknown; reason?: unknown }
    if (typeof path !== 'string' || path.trim() === '') return null
    return typeof reason === 'string' && reason.trim() !== '' ? `${path} (${reason})` : path
  }
  return null
}

function renderCriterion(criterion: unknown): string | null {
  if (typeof criterion === 'string') return criterion.trim() === '' ? null : criterion
  if (criterion === null || criterion === undefined) return null
  return JSON.stringify(criterion)
}

/** `Repository:`, `Branch:`, `Relevant files:`, `Success criteria:` lines — only those with content. */
export function contextLines(task: ExecutionTask): string[] {
  const lines: string[] = []
  if (task.repo) lines.push(`Repository: ${task.repo}`)
  if (task.branch) lines.push(`Branch: ${task.branch}`)
  const hints = (task.file_hints ?? []).map(renderFileHint).filter((h): h is string => h !== null)
  if (hints.length > 0) lines.push(`Relevant files: ${hints.join(', ')}`)
  const criteria = (task.success_criteria ?? []).map(renderCriterion).filter((c): c is string => c !== null)
  if (criteria.length > 0) {
    lines.push('Success criteria:')
    for (const c of criteria) lines.push(`- ${c}`)
  }
  return lines
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** The Ollama `/api/chat` messages: persona + context as system, the description as user. */
export function ollamaMessages(task: ExecutionTask): ChatMessage[] {
  const context = contextLines(task)
  const system = context.length > 0 ? `${CODING_ASSISTANT_PERSONA}\n\n${context.join('\n')}` : CODING_ASSISTANT_PERSONA
  const description = (task.description ?? '').trim()
  return [
    { role: 'system', content: system },
    { role: 'user', content: description === '' ? EMPTY_TASK_PROMPT : (task.description as string) },
  ]
}

/** The Claude Code prompt: description, blank line, `Context:` and the context lines. */
export function claudePrompt(task: ExecutionTask): string {
  const description = (task.description ?? '').trim() === '' ? '' : (task.description as string)
  const context = contextLines(task)
  const parts: string[] = []
  if (description) parts.push(description)
  if (context.length > 0) parts.push(`Context:\n${context.join('\n')}`)
  return parts.length > 0 ? parts.join('\n\n') : EMPTY_TASK_PROMPT
}
