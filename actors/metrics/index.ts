// Telemetry events, the metrics aggregation over rolling windows (hardening.md §4.1) and the
// Prometheus exposition of its snapshot. Pure logic; the actor shell adds the 10 s timer.
export * from './telemetry-events'
export * from './percentiles'
export * from './minute-counts'
export * from './metrics-aggregator'
export * from './prometheus'
