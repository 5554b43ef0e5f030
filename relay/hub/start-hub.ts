// Starting and stopping the hub: storage (recovered) → actor system → supervision tree →
// transport. `close()` undoes it in reverse: transport (sockets get 1001, sessions end without
// reclaiming tasks), the tree (children in reverse order), then storage after its writes
// committed.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { ActorSystem, formatReason, type ActorRef, type Clock, type ExitReason, type Logger } from '../../actors/runtime'
import { ACTOR } from '../../actors/names'
import type { AdminBootstrap } from '../../actors/auth'
import { adminTokenPath } from '../../actors/auth'
import { recoverStorage, type RecoveryReport } from '../../storage'
import { startHubTree, type HubTreeDeps } from '../../supervisors/hub-tree'
import type { HubContext, HubOptions } from './hub-context'
import { registerRouteModules } from './routes'
import { HubRouter } from './routing'
import { createTransport, defaultTransportKind, type HubTransport, type TransportKind, type WsEndpoint } from './transport'
import { AgentSocketEndpoint } from './ws/agent-endpoint'
import { createDashboardEndpoint } from './dashboard/endpoint'
import { mergeFrameHandlers } from './ws/frame-handlers'

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

export interface StartHubOptions extends Partial<Omit<HubOptions, 'dataDir'>> {
  dataDir: string
  clock?: Clock
  logger?: Logger
  /** Tree knobs for tests (reaper timings, subtrees to skip). */
  tree?: Pick<HubTreeDeps, 'reaper' | 'maxSessions' | 'skipSlots'>
  /** Transport limits beyond the body/frame size (tests: a short idle timeout). */
  idleTimeoutMs?: number
}

export interface RunningHub {
  hub: HubContext
  port: number
  transport: TransportKind
  storageReport: RecoveryReport
  /** The admin token created by this start (print it once), or null when one existed. */
  newAdminToken: AdminBootstrap
  adminTokenFile: string
  /** The `/ws` endpoint (tests inspect it). */
  agentEndpoint: AgentSocketEndpoint
  /** Resolves once the hub stopped: after close(), or after the tree gave up (then `fatal`). */
  stopped: Promise<{ fatal: boolean; reason: string }>
  close(): Promise<void>
}

export async function startHub(input: StartHubOptions): Promise<RunningHub> {
  const options: HubOptions = {
    port: input.port ?? 4000,
    host: input.host ?? '127.0.0.1',
    dataDir: resolve(input.dataDir),
    transport: input.transport,
    openRegistration: input.openRegistration ?? false,
    maxBodyBytes: input.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  }
  mkdirSync(options.dataDir, { recursive: true })
  const system = new ActorSystem({ clock: input.clock, logger: input.logger })
  const log = system.logger
  const now = () => system.clock.now()

  // 1. storage first: everything else rebuilds from it
  const { storage, report } = await recoverStorage({ dataDir: options.dataDir, now })
  logStorageReport(log, report)
  const hub: HubContext = { system, storage, options, log, now }

  let tree: ActorRef | null = null
  let transport: HubTransport | null = null
  let dashboard: WsEndpoint<unknown> | null = null
  const cleanup = async () => {
    await transport?.close().catch(() => undefined)
    closeEndpoint(dashboard, log)
    storage.beginClose()
    if (tree) await system.stop(tree, 'shutdown', Number.POSITIVE_INFINITY).catch(() => undefined)
    await system.shutdown().catch(() => undefined)
    await storage.settled().catch(() => undefined)
    await storage.close().catch(() => undefined)
  }

  try {
    // 2. the supervision tree
    tree = await startHubTree(system, { storage, dataDir: options.dataDir, options, ...input.tree })
    const newAdminToken = await system.byName(ACTOR.auth).call<AdminBootstrap>({ type: 'take_new_admin_token' })

    // 3. the endpoint: routes, /ws, /ws/dashboard
    const router = new HubRouter({ logger: log })
    registerRouteModules(router, hub)
    const agentEndpoint = new AgentSocketEndpoint(hub, mergeFrameHandlers())
    dashboard = createDashboardEndpoint(hub) as WsEndpoint<unknown>
    const websockets: Record<string, WsEndpoint<unknown>> = {
      '/ws': agentEndpoint as WsEndpoint<unknown>,
      '/ws/dashboard': dashboard,
    }
    const limits = { maxBodyBytes: options.maxBodyBytes, maxFrameBytes: options.maxBodyBytes, ...(input.idleTimeoutMs ? { idleTimeoutMs: input.idleTimeoutMs } : {}) }
    const listening = await listenWithFallback(options, (kind) => createTransport({ kind, http: router.handle, websockets, limits, logger: log }), log)
    transport = listening.transport
    options.port = listening.port

    let closing: Promise<void> | null = null
    let settle: (outcome: { fatal: boolean; reason: string }) => void = () => undefined
    const stopped = new Promise<{ fatal: boolean; reason: string }>((ok) => (settle = ok))
    const close = (fatal = false, reason = 'closed'): Promise<void> => {
      if (closing) return closing
      agentEndpoint.beginShutdown()
      closing = cleanup().then(() => settle({ fatal, reason }))
      return closing
    }
    system.monitor(tree, (exit: ExitReason) => {
      if (closing) return
      log.error('the hub supervision tree stopped; shutting the hub down', { reason: formatReason(exit) })
      void close(true, formatReason(exit))
    })
    log.info('hub started', { host: options.host, port: listening.port, transport: transport.kind, data_dir: options.dataDir })
    return {
      hub,
      port: listening.port,
      transport: transport.kind,
      storageReport: report,
      newAdminToken,
      adminTokenFile: adminTokenPath(options.dataDir),
      agentEndpoint,
      stopped,
      close: () => close(),
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}

/**
 * uWS binds without SO_REUSEADDR: a restart on the same port fails for ~60 s (TIME_WAIT). When
 * no transport was asked for, the ws adapter (which reuses the address) takes over, with a
 * warning; an explicitly requested transport fails with its own clear error.
 */
async function listenWithFallback(
  options: HubOptions,
  create: (kind: TransportKind) => HubTransport,
  log: Logger,
): Promise<{ transport: HubTransport; port: number }> {
  const kind = options.transport ?? defaultTransportKind()
  const first = create(kind)
  try {
    return { transport: first, port: await first.listen({ host: options.host, port: options.port }) }
  } catch (error) {
    await first.close().catch(() => undefined)
    if (options.transport !== undefined || kind !== 'uws') throw error
    log.warn('uWebSockets.js could not bind; falling back to the ws transport', { host: options.host, port: options.port, error: String(error) })
    const second = create('ws')
    try {
      return { transport: second, port: await second.listen({ host: options.host, port: options.port }) }
    } catch (fallbackError) {
      await second.close().catch(() => undefined)
      throw fallbackError
    }
  }
}

/** An endpoint with its own timers or subscriptions (the dashboard feed) releases them here. */
function closeEndpoint(endpoint: WsEndpoint<unknown> | null, log: Logger): void {
  const close = (endpoint as { close?: unknown } | null)?.close
  if (typeof close !== 'function') return
  try {
    close.call(endpoint)
  } catch (error) {
    log.warn('endpoint close failed', { error: String(error) })
  }
}

function logStorageReport(log: Logger, report: RecoveryReport): void {
  if (report.dataLost) {
    // loud on purpose: the operator must see this (hardening.md §1.4 degraded mode)
    log.error(`CRITICAL: ${report.message}`, { outcome: report.outcome, data_file: report.dataFile })
  } else if (report.outcome === 'restored' || report.outcome === 'unverified') {
    log.warn(`storage: ${report.message}`, { outcome: report.outcome, backup_used: report.backupUsed })
  } else {
    log.info(`storage: ${report.message}`, { outcome: report.outcome })
  }
}

