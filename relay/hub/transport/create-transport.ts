// Picks the adapter: uWebSockets.js when its native binary loads, ws + node:http otherwise.
import { resolveTransportOptions } from './resolved-options'
import type { HubTransport, TransportKind, TransportOptions } from './types'
import { UwsTransport } from './uws-adapter'
import { loadUwsNative, uwsLoadError } from './uws-loader'
import { WsLibTransport } from './ws-adapter'

export function createTransport(options: TransportOptions): HubTransport {
  const resolved = resolveTransportOptions(options)
  const kind = options.kind ?? defaultTransportKind()
  if (kind === 'ws') return new WsLibTransport(resolved)
  const uws = loadUwsNative()
  if (!uws) throw new Error(`transport "uws" requested but uWebSockets.js does not load here: ${uwsLoadError()}`)
  return new UwsTransport(uws, resolved)
}

export function defaultTransportKind(): TransportKind {
  return loadUwsNative() ? 'uws' : 'ws'
}

/** Kinds that can run on this machine, preferred first. */
export function availableTransportKinds(): TransportKind[] {
  return loadUwsNative() ? ['uws', 'ws'] : ['ws']
}

/** For `--transport uws|ws`: undefined stays undefined (auto), anything else must be a kind. */
export function parseTransportKind(value: string | undefined): TransportKind | undefined {
  if (value === undefined || value === '') return undefined
  if (value === 'uws' || value === 'ws') return value
  throw new RangeError(`unknown transport "${value}" (expected uws or ws)`)
}
