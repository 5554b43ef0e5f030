// Health reporting: `/health` liveness and the dashboard health heuristics (hardening.md §6, §7.3).
export * from './dashboard-health'
export * from './agent-departures'
export * from './liveness'
