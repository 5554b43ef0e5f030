export { AnalyticsActor } from './actor'
export {
  ActivityCounters,
  ACTIVE_WINDOW_MS,
  HOUR_MS,
  DAY_MS,
  hourBucket,
  hourLabel,
  type AgentStats,
  type AnalyticsSummary,
  type HourlyBucket,
  type AgentActivityStatus,
} from './activity-counters'
export type { AnalyticsCall, AnalyticsCast } from './messages'
