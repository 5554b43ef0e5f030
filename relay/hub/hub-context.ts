// What every part of the hub's front door is given: the actor system (to reach actors by
// name), storage (read-only use here; each table has one writing actor), options and a logger.
import type { ActorSystem, Logger } from '../../actors/runtime'
import type { Storage } from '../../storage'

export interface HubOptions {
  port: number
  host: string
  dataDir: string
  transport?: 'uws' | 'ws'
  openRegistration: boolean
  /** HTTP body and WS frame limit in bytes (default 1 MiB). */
  maxBodyBytes?: number
}

export interface HubContext {
  readonly system: ActorSystem
  readonly storage: Storage
  readonly options: HubOptions
  readonly log: Logger
  /** Milliseconds since the epoch from the system's clock (virtual in tests). */
  now(): number
}
