// The `analytics` actor's contract (actors/names.ts ACTOR.analytics). Connections come from
// the `presence` topic; messages from the router's `record_message` cast.

export type AnalyticsCall =
  /** → AnalyticsSummary */
  | { type: 'summary' }
  /** → AgentStats[] sorted by agent_id */
  | { type: 'agents' }
  /** → HourlyBucket[] (24, oldest first) */
  | { type: 'hourly'; agent_id: string }

export type AnalyticsCast =
  /** `to`: recipient agent id, or null for broadcasts and channel messages */
  | { type: 'record_message'; from: string; to: string | null }
  /** only for hubs without presence events; presence's agent_joined/agent_left already count */
  | { type: 'record_connect'; agent_id: string }
  | { type: 'record_disconnect'; agent_id: string }
  | { type: 'record_activity'; agent_id: string }

export type AnalyticsInfo = { type: 'prune' }
