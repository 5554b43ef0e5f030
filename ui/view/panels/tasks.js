// Task tracker (where each task stands), the raw task-event feed, and recent completions.
import { h, pill, table } from '../dom.js'
import { formatClock, formatCost, formatDuration, formatNumber, formatRelative } from '../format.js'

const STATUS_TONE = { queued: 'muted', assigned: 'info', working: 'accent', recovering: 'warn', reported: 'info', completed: 'good', failed: 'bad', dead_letter: 'bad' }
const STAGES = ['queued', 'assigned', 'working', 'completed']
const TRACKER_ROWS = 25

function stageIndex(status) {
  if (status === 'reported') return 2
  if (status === 'failed' || status === 'dead_letter') return -1
  return STAGES.indexOf(status)
}

function progressSteps(status) {
  const reached = stageIndex(status)
  return h(
    'div',
    { class: 'steps' },
    STAGES.map((stage, index) => h('span', { class: `step ${reached >= index ? 'step-done' : ''} ${status === 'failed' || status === 'dead_letter' ? 'step-failed' : ''}`, title: stage })),
  )
}

export const trackerPanel = {
  mount: 'tracker-body',
  deps: (s) => [s.tracker, s.clock],
  render(s, { now }) {
    const entries = Object.values(s.tracker)
      .sort((a, b) => b.updated_at - a.updated_at)
      .slice(0, TRACKER_ROWS)
    return table(
      ['Task', 'Progress', 'Status', 'Agent', 'Updated'],
      entries.map((entry) =>
        h(
          'tr',
          { testid: `task-status-${entry.task_id}`, 'data-status': entry.status },
          h('td', null, h('div', { class: 'cell-title clamp' }, entry.description || entry.task_id), entry.description ? h('div', { class: 'cell-sub mono' }, entry.task_id) : null),
          h('td', null, progressSteps(entry.status)),
          h('td', null, pill(entry.status.replace('_', ' '), STATUS_TONE[entry.status] || 'muted')),
          h('td', { class: 'mono cell-sub' }, entry.agent_id || '—'),
          h('td', { class: 'cell-sub' }, formatRelative(entry.updated_at, now)),
        ),
      ),
      { testid: 'tracker-table', empty: 'No task activity yet' },
    )
  },
}

export const taskEventsPanel = {
  mount: 'task-events-body',
  deps: (s) => [s.taskEvents],
  render(s) {
    if (!s.taskEvents.length) return h('p', { class: 'empty', testid: 'task-events-empty' }, 'Waiting for task events…')
    return h(
      'ol',
      { class: 'event-feed', testid: 'task-events' },
      s.taskEvents.slice(0, 60).map((event) =>
        h(
          'li',
          { class: 'event-line', 'data-event': event.event },
          h('span', { class: 'event-time' }, formatClock(event.timestamp)),
          h('span', { class: `event-name event-${event.event}` }, event.event.replace(/^task_/, '')),
          h('span', { class: 'mono' }, event.task_id),
          event.agent_id ? h('span', { class: 'cell-sub' }, `@ ${event.agent_id}`) : null,
        ),
      ),
    )
  },
}

function verificationPill(report) {
  if (!report || !report.status) return h('span', { class: 'cell-sub' }, '—')
  const tone = report.status === 'pass' || report.status === 'auto_pass' ? 'good' : report.status === 'skip' ? 'muted' : 'bad'
  return pill(report.status.replace('_', ' '), tone)
}

function routingText(decision) {
  if (!decision) return '—'
  return [decision.effective_tier, decision.target_type, decision.selected_model].filter(Boolean).join(' · ') + (decision.fallback_used ? ' (fallback)' : '')
}

export const completionsPanel = {
  mount: 'completions-body',
  deps: (s) => [s.snapshot, s.clock],
  render(s, { now }) {
    const completions = (s.snapshot && s.snapshot.recent_completions) || []
    const throughput = (s.snapshot && s.snapshot.throughput) || {}
    return h(
      'div',
      null,
      h(
        'div',
        { class: 'mini-stats' },
        h('span', null, 'avg duration ', h('b', null, formatDuration(throughput.avg_completion_ms))),
        h('span', null, 'tokens this hour ', h('b', null, formatNumber(throughput.total_tokens_hour ?? 0))),
      ),
      table(
        ['Task', 'Agent', 'Routing', 'Duration', 'Tokens', 'Cost', 'Verify', 'Completed'],
        completions.slice(0, 30).map((entry) => {
          const meta = entry.execution_meta || {}
          const tokens = entry.tokens_used || (Number.isFinite(meta.tokens_in) || Number.isFinite(meta.tokens_out) ? (meta.tokens_in || 0) + (meta.tokens_out || 0) : null)
          return h(
            'tr',
            { testid: `completion-row-${entry.task_id}` },
            h('td', null, h('div', { class: 'cell-title clamp' }, entry.description || entry.task_id), entry.description ? h('div', { class: 'cell-sub mono' }, entry.task_id) : null),
            h('td', { class: 'mono cell-sub' }, entry.agent_id || '—'),
            h('td', { class: 'cell-sub' }, routingText(entry.routing_decision)),
            h('td', { class: 'num' }, formatDuration(entry.duration_ms)),
            h('td', { class: 'num' }, formatNumber(tokens)),
            h('td', { class: 'num' }, formatCost(meta.estimated_cost_usd)),
            h('td', null, verificationPill(entry.verification_report)),
            h('td', { class: 'cell-sub' }, formatRelative(entry.completed_at, now)),
          )
        }),
        { testid: 'completions-table', empty: 'No completions yet' },
      ),
    )
  },
}
