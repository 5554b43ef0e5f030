// Reading a setting without going through the config actor: any actor may read the table
// (ARCHITECTURE.md §5), e.g. in its init before the config actor answers calls.
import type { Storage } from '../../storage'
import { CONFIG_TABLE, defaultFor, type ConfigValue } from './config-defaults'

export function readConfig(storage: Storage, key: string): ConfigValue {
  const stored = storage.table<string, ConfigValue>(CONFIG_TABLE).get(key)
  return stored === undefined ? defaultFor(key) : stored
}

/** A positive integer setting; falls back to the default when the stored value is unusable. */
export function readPositiveInteger(storage: Storage, key: string): number {
  const value = readConfig(storage, key)
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value
  const fallback = defaultFor(key)
  if (typeof fallback !== 'number') throw new Error(`config key ${key} has no integer default`)
  return fallback
}
