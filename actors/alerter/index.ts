// The Alerter's pure logic (hardening.md §4.2–4.3, smart-pipeline.md §10): thresholds, rules,
// the fire / re-fire / clear lifecycle and acknowledgement. The actor shell adds the timer.
export * from './thresholds'
export * from './alert-rules'
export * from './evaluation'
