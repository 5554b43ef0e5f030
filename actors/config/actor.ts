// The `config` actor: single writer of `agentcom_config`. Writes are rare, so a set simply awaits
// its commit before replying (and before anyone can read the new value through this actor).
import { Actor, replyError } from '../runtime'
import type { Storage, Table } from '../../storage'
import { CONFIG_DEFAULTS, CONFIG_TABLE, CONFIG_TOPIC, defaultFor, type ConfigValue } from './config-defaults'
import type { ConfigCall, ConfigChangedEvent, ConfigSetReply } from './messages'

export interface ConfigArgs {
  storage: Storage
}

export class ConfigActor extends Actor<ConfigCall, never, never, ConfigArgs> {
  private table!: Table<string, ConfigValue>
  private readonly stored = new Map<string, ConfigValue>()

  override init(args: ConfigArgs): void {
    this.table = args.storage.table<string, ConfigValue>(CONFIG_TABLE)
    for (const { key, value } of this.table.entries()) this.stored.set(key, value)
  }

  override handleCall(msg: ConfigCall): unknown {
    switch (msg.type) {
      case 'get':
        return this.effective(msg.key)
      case 'set':
        return isKey(msg.key) ? this.set(msg.key, msg.value) : replyError(new TypeError('config key must be a non-empty string'))
      case 'reset':
        return isKey(msg.key) ? this.reset(msg.key) : replyError(new TypeError('config key must be a non-empty string'))
      case 'all':
        return this.all()
    }
  }

  private effective(key: string): ConfigValue {
    return this.stored.has(key) ? structuredClone(this.stored.get(key)!) : defaultFor(key)
  }

  private async set(key: string, value: ConfigValue): Promise<ConfigSetReply> {
    const copy = structuredClone(value === undefined ? null : value)
    await this.table.put(key, copy)
    this.stored.set(key, copy)
    this.announce(key, copy)
    return { ok: true, key, value: copy }
  }

  private async reset(key: string): Promise<ConfigSetReply> {
    await this.table.remove(key)
    this.stored.delete(key)
    const value = defaultFor(key)
    this.announce(key, value)
    return { ok: true, key, value }
  }

  private all(): Record<string, ConfigValue> {
    const out: Record<string, ConfigValue> = {}
    for (const key of Object.keys(CONFIG_DEFAULTS)) out[key] = defaultFor(key)
    for (const [key, value] of this.stored) out[key] = structuredClone(value)
    return out
  }

  private announce(key: string, value: ConfigValue): void {
    const event: ConfigChangedEvent = { type: 'config_changed', key, value: structuredClone(value) }
    this.ctx.publish(CONFIG_TOPIC, event)
  }
}

function isKey(key: unknown): key is string {
  return typeof key === 'string' && key !== ''
}
