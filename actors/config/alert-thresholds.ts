// PUT /api/config/alert-thresholds is a partial update (validated by PutAlertThresholdsSchema):
// the stored map is the current one with the given keys replaced, `cooldowns` merged key by key.
// The original stored the body verbatim and then never read it (hardening.md §4.3).
import type { HttpBodyOf } from '../../relay/protocol'
import type { ConfigValue } from './config-defaults'

export type AlertThresholdsUpdate = HttpBodyOf<'put_alert_thresholds'>
type JsonObject = { [key: string]: ConfigValue }

function isObject(value: ConfigValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function mergeAlertThresholds(current: ConfigValue, update: AlertThresholdsUpdate): JsonObject {
  const base: JsonObject = isObject(current) ? structuredClone(current) : {}
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) continue
    if (key === 'cooldowns') {
      const cooldowns: JsonObject = isObject(base.cooldowns) ? { ...base.cooldowns } : {}
      for (const [rule, ms] of Object.entries(value as Record<string, number | undefined>)) {
        if (ms !== undefined) cooldowns[rule] = ms
      }
      base.cooldowns = cooldowns
    } else {
      base[key] = value as ConfigValue
    }
  }
  return base
}
