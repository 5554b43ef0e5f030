// Queue by priority, the queued tasks, and the dead-letter list with its Retry buttons.
import { h, pill, table } from '../dom.js'
import { formatNumber, formatRelative, priorityName, PRIORITY_NAMES } from '../format.js'

export const queuePanel = {
  mount: 'queue-body',
  deps: (s) => [s.snapshot, s.clock],
  render(s, { now }) {
    const queue = (s.snapshot && s.snapshot.queue) || {}
    const byPriority = queue.by_priority || {}
    const byStatus = queue.by_status || {}
    const queued = (s.snapshot && s.snapshot.queued_tasks) || []
    return h(
      'div',
      null,
      h(
        'div',
        { class: 'priority-cards' },
        PRIORITY_NAMES.map((name, index) =>
          h('div', { class: `priority-card priority-${name}` }, h('div', { class: 'priority-count', testid: `queue-count-${name}` }, formatNumber(byPriority[String(index)] ?? 0)), h('div', { class: 'priority-name' }, name)),
        ),
      ),
      h(
        'div',
        { class: 'queue-status-line' },
        `assigned ${formatNumber(byStatus.assigned ?? 0)} · completed ${formatNumber(byStatus.completed ?? 0)} · dead letter ${formatNumber(queue.dead_letter ?? 0)}`,
      ),
      table(
        ['Task', 'Priority', 'Created'],
        queued.slice(0, 50).map((task) =>
          h(
            'tr',
            { testid: `queued-task-${task.id}` },
            h(
              'td',
              null,
              h('div', { class: 'cell-title clamp' }, task.description || '(no description)'),
              h('div', { class: 'cell-sub' }, h('span', { class: 'mono' }, task.id), [task.submitted_by, task.complexity_tier].filter(Boolean).map((part) => ` · ${part}`).join('')),
            ),
            h('td', null, pill(priorityName(task.priority), task.priority === 0 ? 'bad' : task.priority === 1 ? 'warn' : 'muted')),
            h('td', { class: 'cell-sub nowrap' }, formatRelative(task.created_at, now)),
          ),
        ),
        { testid: 'queued-table', empty: 'Queue is empty' },
      ),
    )
  },
}

export const deadLetterPanel = {
  mount: 'dead-letter-body',
  deps: (s) => [s.snapshot, s.retryResults, s.role, s.clock],
  render(s, { now, isAdmin }) {
    const tasks = (s.snapshot && s.snapshot.dead_letter_tasks) || []
    return table(
      ['Task', 'Last error', 'Retries', 'Created', ''],
      tasks.map((task) => {
        const result = s.retryResults[task.id]
        return h(
          'tr',
          { testid: `dead-letter-row-${task.id}` },
          h('td', null, h('div', { class: 'cell-title clamp' }, task.description || '(no description)'), h('div', { class: 'cell-sub mono' }, task.id)),
          h('td', { class: 'error-text clamp' }, task.last_error || '—'),
          h('td', { class: 'num' }, formatNumber(task.retry_count ?? 0)),
          h('td', { class: 'cell-sub' }, formatRelative(task.created_at, now)),
          h(
            'td',
            { class: 'actions' },
            result && result !== 'pending' ? pill(result === 'requeued' ? 'requeued' : 'not found', result === 'requeued' ? 'good' : 'bad', { testid: `retry-result-${task.id}` }) : null,
            isAdmin
              ? h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'retry-task', 'data-task-id': task.id, testid: `retry-button-${task.id}`, disabled: result === 'pending' }, result === 'pending' ? 'Retrying…' : 'Retry')
              : null,
          ),
        )
      }),
      { testid: 'dead-letter-table', empty: 'No dead-letter tasks' },
    )
  },
}
