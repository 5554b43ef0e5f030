// Agents: FSM state, current task, capabilities, utilisation and rate-limit usage.
import { h, meter, pill, table } from '../dom.js'
import { capabilityNames, formatDuration, formatPercent, formatRelative } from '../format.js'

export const FSM_TONE = { idle: 'good', assigned: 'info', working: 'accent', blocked: 'warn', offline: 'muted' }

/** Highest bucket usage across the socket and HTTP tiers (hardening.md §5.6). */
export function peakRateLimitUsage(perAgent) {
  if (!perAgent) return null
  let peak = 0
  for (const channel of [perAgent.ws, perAgent.http]) {
    for (const bucket of Object.values(channel || {})) {
      if (bucket && Number.isFinite(bucket.usage_pct)) peak = Math.max(peak, bucket.usage_pct)
    }
  }
  return peak
}

export const agentsPanel = {
  mount: 'agents-body',
  deps: (s) => [s.agents, s.snapshot, s.latestMetrics, s.clock],
  render(s, { now }) {
    const rateLimits = (s.snapshot && s.snapshot.rate_limits && s.snapshot.rate_limits.per_agent) || {}
    const utilisation = new Map(((s.latestMetrics && s.latestMetrics.agent_utilization && s.latestMetrics.agent_utilization.per_agent) || []).map((entry) => [entry.agent_id, entry]))
    const rows = [...s.agents]
      .sort((a, b) => String(a.name || a.agent_id).localeCompare(String(b.name || b.agent_id)))
      .map((agent) => {
        const limits = rateLimits[agent.agent_id]
        const usage = peakRateLimitUsage(limits)
        const util = utilisation.get(agent.agent_id)
        return h(
          'tr',
          { testid: `agent-row-${agent.agent_id}`, 'data-state': agent.fsm_state || 'unknown' },
          h('td', null, h('div', { class: 'cell-title' }, agent.name || agent.agent_id), h('div', { class: 'cell-sub mono' }, agent.agent_id)),
          h('td', null, pill(agent.fsm_state || 'unknown', FSM_TONE[agent.fsm_state] || 'muted', { testid: `agent-state-${agent.agent_id}` }), agent.status_text ? h('div', { class: 'cell-sub' }, agent.status_text) : null),
          h('td', { class: 'mono', testid: `agent-task-${agent.agent_id}` }, agent.current_task_id || '—'),
          h('td', { class: 'cell-sub' }, capabilityNames(agent.capabilities) || '—'),
          h('td', null, util ? `${formatPercent(util.working_pct_1h, 0)} busy · ${util.tasks_completed_1h ?? 0} done` : '—'),
          h('td', null, usage === null ? '—' : meter(usage, { label: `${Math.round(usage)}%${limits && limits.rate_limited ? ' limited' : ''}`, tone: limits && limits.rate_limited ? 'bad' : undefined })),
          h('td', { class: 'cell-sub', title: agent.connected_at ? new Date(agent.connected_at).toISOString() : '' }, `joined ${formatRelative(agent.connected_at, now)}`, h('br'), agent.last_state_change ? `state ${formatDuration(now - agent.last_state_change)}` : ''),
        )
      })
    return table(['Agent', 'State', 'Current task', 'Capabilities', 'Last hour', 'Rate limit', 'Seen'], rows, { testid: 'agents-table', empty: 'No agents connected' })
  },
}
