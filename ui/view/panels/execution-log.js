// Live execution output per task, from `execution_event` frames (smart-pipeline.md §11.2).
import { h } from '../dom.js'
import { formatNumber, formatRelative } from '../format.js'

export const executionLogPanel = {
  mount: 'execution-body',
  deps: (s) => [s.executionLogs, s.selectedLogTask],
  render(s, { now }) {
    const logs = Object.values(s.executionLogs).sort((a, b) => b.updated_at - a.updated_at)
    if (!logs.length) return h('p', { class: 'empty', testid: 'execution-empty' }, 'No execution output yet. Streams appear here while agents work.')
    const selected = s.executionLogs[s.selectedLogTask] || logs[0]
    return h(
      'div',
      { class: 'exec' },
      h(
        'div',
        { class: 'exec-tabs', role: 'tablist' },
        logs.map((log) =>
          h(
            'button',
            { type: 'button', role: 'tab', class: `exec-tab ${log === selected ? 'exec-tab-active' : ''}`, 'aria-selected': String(log === selected), 'data-action': 'select-log', 'data-task-id': log.task_id, testid: `exec-log-tab-${log.task_id}` },
            log.task_id,
          ),
        ),
      ),
      h(
        'div',
        { class: 'exec-meta' },
        h('span', null, 'model ', h('b', null, selected.model || '—')),
        h('span', null, 'chars so far ', h('b', { testid: 'exec-log-tokens' }, formatNumber(selected.tokens))),
        h('span', null, 'last event ', h('b', null, `${selected.last_event_type} · ${formatRelative(selected.updated_at, now)}`)),
      ),
      h(
        'pre',
        { class: 'exec-output', testid: 'exec-log-text', 'data-task-id': selected.task_id },
        selected.entries.map((entry) =>
          entry.kind === 'token' || entry.kind === 'stdout' ? h('span', { class: `exec-${entry.kind}` }, entry.text) : h('span', { class: `exec-line exec-${entry.kind}` }, `[${entry.kind}] ${entry.text}`),
        ),
      ),
    )
  },
  // Keep following the stream unless the reader scrolled up.
  afterRender(container, previous) {
    const output = container.querySelector('.exec-output')
    if (!output) return
    if (!previous || previous.atBottom || previous.taskId !== output.dataset.taskId) output.scrollTop = output.scrollHeight
    else output.scrollTop = previous.scrollTop
  },
  beforeRender(container) {
    const output = container.querySelector('.exec-output')
    if (!output) return null
    return { taskId: output.dataset.taskId, scrollTop: output.scrollTop, atBottom: output.scrollHeight - output.scrollTop - output.clientHeight < 24 }
  },
}
