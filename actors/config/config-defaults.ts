// The hub's runtime settings (task-pipeline.md §5, child 3 `Config`; protocol.md §4.7) and the
// value each one has until someone stores another. Keys are the original's, verbatim.
import { ALERT_THRESHOLD_DEFAULTS } from '../../relay/protocol'

/** JSON a config value may hold. */
export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [key: string]: ConfigValue }

export const CONFIG_DEFAULTS: Readonly<Record<string, ConfigValue>> = Object.freeze({
  heartbeat_interval_ms: 900_000,
  mailbox_ttl_ms: 604_800_000,
  default_repo: null,
  alert_thresholds: structuredClone(ALERT_THRESHOLD_DEFAULTS) as unknown as ConfigValue,
  // v1.2
  fallback_wait_ms: 5_000,
  task_ttl_ms: 600_000,
  tier_down_alert_threshold_ms: 60_000,
  default_ollama_model: 'qwen2.5-coder:7b',
})

export const CONFIG_TABLE = 'agentcom_config' as const

/** Bus topic of `{type:'config_changed', key, value}` events. */
export const CONFIG_TOPIC = 'config'

/** The default of `key`, or null for keys without one (e.g. `rate_limit_overrides`). */
export function defaultFor(key: string): ConfigValue {
  return Object.prototype.hasOwnProperty.call(CONFIG_DEFAULTS, key) ? structuredClone(CONFIG_DEFAULTS[key]!) : null
}
