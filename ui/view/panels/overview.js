// Header figures, the health banner, the routing bar and the alert list.
import { h, pill } from '../dom.js'
import { formatDuration, formatNumber, formatRelative } from '../format.js'
import { throughputNow } from '../../state/dashboard-store.js'

const HEALTH_TONE = { ok: 'good', warning: 'warn', critical: 'bad' }

export const headerStats = {
  mount: 'header-stats',
  deps: (s) => [s.snapshot, s.agents, s.completions, s.clock],
  render(s, { now }) {
    const snapshot = s.snapshot || {}
    const queued = snapshot.queue && snapshot.queue.by_status ? snapshot.queue.by_status.queued : null
    const throughput = snapshot.throughput || {}
    return h(
      'div',
      { class: 'header-stats' },
      headerFigure('Uptime', formatDuration(snapshot.uptime_ms), 'uptime'),
      headerFigure('Agents', formatNumber(s.agents.length), 'agent-count'),
      headerFigure('Queued', formatNumber(queued ?? 0), 'queued-count'),
      headerFigure('Completed / h', formatNumber(throughputNow(s, now)), 'throughput-count', throughput.avg_completion_ms ? `avg ${formatDuration(throughput.avg_completion_ms)}` : null),
    )
  },
}

function headerFigure(label, value, testid, hint) {
  return h('div', { class: 'header-figure', title: hint || label }, h('span', { class: 'header-figure-value', testid }, value), h('span', { class: 'header-figure-label' }, label))
}

export const healthBadge = {
  mount: 'health-badge-slot',
  deps: (s) => [s.snapshot],
  render(s) {
    const health = (s.snapshot && s.snapshot.health) || { status: 'unknown', conditions: [] }
    const tone = HEALTH_TONE[health.status] || 'muted'
    return h(
      'button',
      { type: 'button', class: `health-badge tone-${tone}`, testid: 'health-badge', 'data-status': health.status, 'data-action': 'toggle-health', title: 'Show health conditions' },
      h('span', { class: 'dot' }),
      health.status === 'unknown' ? 'Health unknown' : `Health ${health.status}`,
    )
  },
}

export const healthBanner = {
  mount: 'health-banner-slot',
  deps: (s) => [s.snapshot, s.healthExpanded],
  render(s) {
    const health = s.snapshot && s.snapshot.health
    if (!health || (health.status === 'ok' && !s.healthExpanded)) return h('div', { testid: 'health-banner', 'data-status': health ? health.status : 'unknown', hidden: true })
    const conditions = Array.isArray(health.conditions) ? health.conditions : []
    const tone = HEALTH_TONE[health.status] || 'muted'
    return h(
      'section',
      { class: `banner banner-${tone}`, testid: 'health-banner', 'data-status': health.status },
      h('strong', null, health.status === 'ok' ? 'All systems healthy' : `Hub health: ${health.status}`),
      conditions.length ? h('ul', { class: 'banner-list' }, conditions.map((condition) => h('li', null, condition))) : null,
    )
  },
}

export const routingBar = {
  mount: 'routing-slot',
  deps: (s) => [s.snapshot],
  render(s) {
    const stats = s.snapshot && s.snapshot.routing_stats
    if (!stats || !stats.total_routed) return h('div', { testid: 'routing-stats', hidden: true })
    const parts = (map) => Object.entries(map || {}).map(([key, count]) => h('span', { class: 'chip' }, `${key} `, h('b', null, formatNumber(count))))
    return h(
      'div',
      { class: 'routing-bar', testid: 'routing-stats' },
      h('span', { class: 'routing-title' }, 'Routing'),
      h('span', { class: 'chip' }, 'routed ', h('b', null, formatNumber(stats.total_routed))),
      h('span', { class: 'routing-sep' }, 'tiers'),
      parts(stats.by_tier),
      h('span', { class: 'routing-sep' }, 'targets'),
      parts(stats.by_target),
      h('span', { class: `chip ${stats.fallback_count ? 'chip-warn' : ''}` }, 'fallbacks ', h('b', null, formatNumber(stats.fallback_count || 0))),
    )
  },
}

export const alertsPanel = {
  mount: 'alerts-slot',
  deps: (s) => [s.alerts, s.role, s.clock],
  render(s, { now, isAdmin }) {
    if (!s.alerts.length) return h('div', { testid: 'alerts-panel', 'data-count': '0', hidden: true })
    const sorted = [...s.alerts].sort((a, b) => (a.severity === b.severity ? (b.fired_at || 0) - (a.fired_at || 0) : a.severity === 'critical' ? -1 : 1))
    return h(
      'section',
      { class: 'alerts', testid: 'alerts-panel', 'data-count': String(s.alerts.length) },
      sorted.map((alert) =>
        h(
          'div',
          { class: `alert alert-${alert.severity === 'critical' ? 'critical' : 'warning'} ${alert.acknowledged ? 'alert-acked' : ''}`, testid: `alert-row-${alert.rule_id}`, 'data-acknowledged': String(Boolean(alert.acknowledged)) },
          pill(alert.severity || 'warning', alert.severity === 'critical' ? 'bad' : 'warn'),
          h('span', { class: 'alert-rule' }, alert.rule_id),
          h('span', { class: 'alert-message' }, alert.message || ''),
          h('span', { class: 'alert-time' }, `fired ${formatRelative(alert.fired_at, now)}`),
          alert.acknowledged
            ? h('span', { class: 'alert-ack', testid: `ack-state-${alert.rule_id}` }, 'Acknowledged')
            : isAdmin
              ? h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'ack-alert', 'data-rule-id': alert.rule_id, testid: `ack-button-${alert.rule_id}` }, 'Acknowledge')
              : null,
        ),
      ),
    )
  },
}
