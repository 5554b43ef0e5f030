// The four rolling charts (uPlot, loaded as the global `uPlot` from /ui/vendor/) and the metric
// summary cards above them. Charts are created once and fed with setData; the container's
// data-points attribute mirrors uPlot's own data length so tests can read it.
import { h, stat } from './dom.js'
import { formatDuration, formatNumber, formatPercent } from './format.js'
import { chartColumns } from '../state/metrics-series.js'

const CHART_HEIGHT = 170
const AXIS = { stroke: '#8b97a8', grid: { stroke: 'rgba(148,163,184,0.10)', width: 1 }, ticks: { stroke: 'rgba(148,163,184,0.18)', width: 1 }, font: '11px system-ui, sans-serif' }

const CHARTS = [
  { id: 'queue', title: 'Queue depth', keys: ['queueDepth'], series: [{ label: 'queued', stroke: '#60a5fa', fill: 'rgba(96,165,250,0.12)' }], unit: (v) => formatNumber(v) },
  {
    id: 'latency',
    title: 'Task latency (p50 / p90 / p99)',
    keys: ['p50', 'p90', 'p99'],
    series: [
      { label: 'p50', stroke: '#34d399' },
      { label: 'p90', stroke: '#fbbf24' },
      { label: 'p99', stroke: '#f87171' },
    ],
    unit: (v) => formatDuration(v),
  },
  {
    id: 'throughput',
    title: 'Throughput (tasks, last hour)',
    keys: ['completed', 'failed'],
    series: [
      { label: 'completed', stroke: '#a78bfa', fill: 'rgba(167,139,250,0.12)' },
      { label: 'failed', stroke: '#f87171' },
    ],
    unit: (v) => formatNumber(v),
  },
  { id: 'utilization', title: 'Agent utilisation', keys: ['utilization'], series: [{ label: 'busy %', stroke: '#2dd4bf', fill: 'rgba(45,212,191,0.12)' }], unit: (v) => formatPercent(v, 0), range: [0, 100] },
]

function chartOptions(spec, width) {
  return {
    width,
    height: CHART_HEIGHT,
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true }, y: spec.range ? { range: spec.range } : { range: (_u, min, max) => [0, Math.max(1, max === null ? 1 : max * 1.15)] } },
    axes: [
      { ...AXIS },
      { ...AXIS, size: 56, values: (_u, ticks) => ticks.map((tick) => spec.unit(tick)) },
    ],
    series: [{}, ...spec.series.map((series) => ({ ...series, width: 2, spanGaps: true, points: { size: 4 }, value: (_u, v) => (v === null || v === undefined ? '—' : spec.unit(v)) }))],
  }
}

export class MetricsCharts {
  constructor(container) {
    this.container = container
    this.charts = []
    this.series = null
    this.available = typeof globalThis.uPlot === 'function'
    this.build()
  }

  build() {
    this.container.replaceChildren()
    if (!this.available) {
      this.container.appendChild(h('p', { class: 'empty', testid: 'charts-unavailable' }, 'Charts unavailable: the uPlot library did not load.'))
      return
    }
    for (const spec of CHARTS) {
      const plotHost = h('div', { class: 'chart-plot' })
      const card = h('div', { class: 'chart-card', testid: `chart-${spec.id}`, 'data-points': '0' }, h('div', { class: 'chart-title' }, spec.title), plotHost)
      this.container.appendChild(card)
      const plot = new globalThis.uPlot(chartOptions(spec, this.widthFor(plotHost)), chartColumns({ points: [] }, spec.keys), plotHost)
      this.charts.push({ spec, plot, card, plotHost })
    }
    if (typeof ResizeObserver === 'function') {
      this.resizeObserver = new ResizeObserver(() => this.resize())
      this.resizeObserver.observe(this.container)
    }
  }

  widthFor(element) {
    return Math.max(240, Math.floor(element.getBoundingClientRect().width || 320))
  }

  resize() {
    for (const chart of this.charts) {
      const width = this.widthFor(chart.plotHost)
      if (Math.abs(width - chart.plot.width) > 2) chart.plot.setSize({ width, height: CHART_HEIGHT })
    }
  }

  update(series) {
    if (series === this.series) return
    this.series = series
    for (const chart of this.charts) {
      chart.plot.setData(chartColumns(series, chart.spec.keys))
      chart.card.setAttribute('data-points', String(chart.plot.data[0].length))
    }
  }
}

/** The four metric cards (hardening.md §7.1, Metrics tab). */
export const metricCards = {
  mount: 'metric-cards',
  deps: (s) => [s.latestMetrics],
  render(s) {
    const metrics = s.latestMetrics
    if (!metrics) return h('div', { class: 'stats-row stats-row-wide muted' }, h('p', { class: 'empty' }, 'Waiting for the first metrics snapshot (every 10 s)…'))
    const queue = metrics.queue_depth || {}
    const latency = (metrics.task_latency && metrics.task_latency.window) || {}
    const system = (metrics.agent_utilization && metrics.agent_utilization.system) || {}
    const errors = (metrics.error_rates && metrics.error_rates.window) || {}
    return h(
      'div',
      { class: 'stats-row stats-row-wide', testid: 'metric-cards' },
      stat('queue depth', formatNumber(queue.current), { testid: 'metric-queue-depth', hint: `1 h avg ${queue.avg_1h ?? '—'} · max ${queue.max_1h ?? '—'}` }),
      stat('latency p50', formatDuration(latency.p50), { testid: 'metric-latency', hint: `p90 ${formatDuration(latency.p90)} · p99 ${formatDuration(latency.p99)}` }),
      stat('utilisation', formatPercent(system.utilization_pct, 1), { testid: 'metric-utilization', hint: `${system.agents_online ?? 0} online · ${system.agents_idle ?? 0} idle` }),
      stat('failure rate', formatPercent(errors.failure_rate_pct, 1), { testid: 'metric-failure-rate', hint: `${errors.failed ?? 0} failed / ${errors.total_tasks ?? 0} tasks` }),
    )
  },
}
