// The `config` actor's contract (actors/names.ts ACTOR.config).
import type { ConfigValue } from './config-defaults'

export type ConfigCall =
  /** → the stored value, else the default, else null */
  | { type: 'get'; key: string }
  /** → `{ok:true, key, value}` after the write committed; then `config_changed` is published */
  | { type: 'set'; key: string; value: ConfigValue }
  /** → `{ok:true, key, value}` with the default after the stored value was removed */
  | { type: 'reset'; key: string }
  /** → every known key (defaults and stored ones) with its effective value */
  | { type: 'all' }

export interface ConfigSetReply {
  ok: true
  key: string
  value: ConfigValue
}

/** Published on topic `config` after each committed change. */
export interface ConfigChangedEvent {
  type: 'config_changed'
  key: string
  value: ConfigValue
}
