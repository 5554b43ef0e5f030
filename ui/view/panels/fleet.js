// LLM endpoint registry with host resources, and the repository registry (smart-pipeline.md §4, §5, §8).
import { h, meter, pill, table } from '../dom.js'
import { formatBytes, formatNumber, formatPercent, formatRelative } from '../format.js'

const ENDPOINT_TONE = { healthy: 'good', unhealthy: 'bad', unknown: 'muted' }

function usageMeter(used, total) {
  if (!Number.isFinite(used) || !Number.isFinite(total) || total <= 0) return h('span', { class: 'cell-sub' }, '—')
  return meter((used / total) * 100, { label: `${formatBytes(used)} / ${formatBytes(total)}` })
}

export const llmFleetPanel = {
  mount: 'llm-body',
  deps: (s) => [s.snapshot, s.role, s.clock],
  render(s, { now, isAdmin }) {
    const registry = (s.snapshot && s.snapshot.llm_registry) || {}
    const endpoints = Array.isArray(registry.endpoints) ? registry.endpoints : []
    const resources = Object.entries(registry.resources || {})
    const fleetModels = Object.entries(registry.fleet_models || {}).sort((a, b) => b[1] - a[1])
    return h(
      'div',
      null,
      table(
        ['Endpoint', 'Status', 'Models', 'Source', 'Checked', ''],
        endpoints.map((endpoint) =>
          h(
            'tr',
            { testid: `llm-row-${endpoint.id}`, 'data-status': endpoint.status },
            h('td', null, h('div', { class: 'cell-title' }, endpoint.name || endpoint.id), h('div', { class: 'cell-sub mono' }, endpoint.id)),
            h('td', null, pill(endpoint.status || 'unknown', ENDPOINT_TONE[endpoint.status] || 'muted'), endpoint.consecutive_failures ? h('div', { class: 'cell-sub' }, `${endpoint.consecutive_failures} failed checks`) : null),
            h('td', { class: 'cell-sub' }, (endpoint.models || []).join(', ') || '—'),
            h('td', { class: 'cell-sub' }, endpoint.source || '—'),
            h('td', { class: 'cell-sub' }, endpoint.last_checked_at ? formatRelative(endpoint.last_checked_at, now) : 'never'),
            h('td', { class: 'actions' }, isAdmin ? h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-action': 'remove-llm', 'data-endpoint-id': endpoint.id, testid: `llm-remove-${endpoint.id}` }, 'Remove') : null),
          ),
        ),
        { testid: 'llm-table', empty: 'No LLM endpoints registered' },
      ),
      fleetModels.length ? h('div', { class: 'chips', testid: 'fleet-models' }, fleetModels.map(([model, count]) => h('span', { class: 'chip' }, model, ' ', h('b', null, `×${count}`)))) : null,
      h('h3', { class: 'subhead' }, 'Host resources'),
      table(
        ['Host (agent)', 'CPU', 'RAM', 'VRAM', 'Reported'],
        resources.map(([agentId, entry]) =>
          h(
            'tr',
            { testid: `resources-row-${agentId}` },
            h('td', { class: 'mono' }, agentId),
            h('td', null, Number.isFinite(entry.cpu_percent) ? meter(entry.cpu_percent, { label: formatPercent(entry.cpu_percent, 0) }) : '—'),
            h('td', null, usageMeter(entry.ram_used_bytes, entry.ram_total_bytes)),
            h('td', null, usageMeter(entry.vram_used_bytes, entry.vram_total_bytes)),
            h('td', { class: 'cell-sub' }, formatRelative(entry.reported_at, now)),
          ),
        ),
        { testid: 'resources-table', empty: 'No resource reports' },
      ),
    )
  },
}

export const repoPanel = {
  mount: 'repo-body',
  deps: (s) => [s.snapshot, s.role],
  render(s, { isAdmin }) {
    const repos = (s.snapshot && s.snapshot.repo_registry && s.snapshot.repo_registry.repos) || []
    return table(
      ['#', 'Repository', 'Status', ''],
      repos.map((repo, index) =>
        h(
          'tr',
          { testid: `repo-row-${repo.id}`, 'data-status': repo.status, 'data-position': String(index) },
          h('td', { class: 'num' }, formatNumber(index + 1)),
          h('td', null, h('div', { class: 'cell-title' }, repo.name || repo.id), h('div', { class: 'cell-sub mono' }, repo.url)),
          h('td', null, pill(repo.status, repo.status === 'active' ? 'good' : 'warn')),
          h(
            'td',
            { class: 'actions' },
            isAdmin
              ? [
                  h('button', { type: 'button', class: 'btn btn-icon', title: 'Move up', 'data-action': 'move_repo_up', 'data-repo-id': repo.id, testid: `repo-up-${repo.id}`, disabled: index === 0 }, '↑'),
                  h('button', { type: 'button', class: 'btn btn-icon', title: 'Move down', 'data-action': 'move_repo_down', 'data-repo-id': repo.id, testid: `repo-down-${repo.id}`, disabled: index === repos.length - 1 }, '↓'),
                  repo.status === 'paused'
                    ? h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'unpause_repo', 'data-repo-id': repo.id, testid: `repo-unpause-${repo.id}` }, 'Resume')
                    : h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'pause_repo', 'data-repo-id': repo.id, testid: `repo-pause-${repo.id}` }, 'Pause'),
                  h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-action': 'remove_repo', 'data-repo-id': repo.id, testid: `repo-remove-${repo.id}` }, 'Remove'),
                ]
              : null,
          ),
        ),
      ),
      { testid: 'repo-table', empty: 'No repositories registered' },
    )
  },
}
