// The dashboard WebSocket `/ws/dashboard` (protocol.md §5, smart-pipeline.md §11.2) with the
// authentication of ui/README.md (the original had none):
//   - browsers send `{"type":"auth","token"}` as the first frame (5 s limit); scripts may send
//     `Authorization: Bearer <token>` on the upgrade instead and get the snapshot at once;
//   - admin tokens → role admin, agent tokens → role viewer (read-only: commands answered
//     `command_rejected` / forbidden);
//   - a failed auth gets `{"type":"auth_failed"}` and close 1008 `auth_failed`;
//   - the token is re-verified periodically and before every command; a revoked token closes the
//     session with 1008 (the page then returns to its login form).
// Frames of one socket are handled in arrival order.
import type { ActorSystem, Clock, TimerHandle } from '../../../actors/runtime'
import { parseDashboardCommand, type DashboardCommand } from '../../protocol'
import { presentedToken, verifyToken, type Principal } from '../http/auth-guard'
import type { HubContext } from '../hub-context'
import type { WsConnection, WsEndpoint, WsUpgradeInfo } from '../transport'
import { fetchSnapshot, runDashboardCommand } from './dashboard-commands'
import { DashboardFeed, EVENT_FLUSH_INTERVAL_MS } from './dashboard-feed'

export const AUTH_TIMEOUT_MS = 5_000
export const TOKEN_RECHECK_MS = 30_000
export const AUTH_FAILED = { code: 1008, reason: 'auth_failed' } as const
export const TOKEN_REVOKED = { code: 1008, reason: 'token revoked' } as const

export type DashboardRole = 'admin' | 'viewer'

/**
 * Bus topic on which a revocation closes live dashboard sessions at once:
 * `{type:'token_revoked', agent_id}`. Until the auth actor publishes it, the periodic re-check
 * (TOKEN_RECHECK_MS) and the check before every command catch revoked tokens.
 */
export const AUTH_TOPIC = 'auth'

export interface DashboardConnection {
  phase: 'awaiting_auth' | 'authenticating' | 'live' | 'closed'
  /** the token from the upgrade's Authorization header, if any (never from the URL) */
  headerToken: string | null
  token: string | null
  principal: Principal | null
  role: DashboardRole | null
  /** frames of this socket run one after another */
  chain: Promise<void>
  authTimer: TimerHandle | null
  recheckTimer: TimerHandle | null
  detach: (() => void) | null
  /** feed items that arrived while the initial snapshot was being built */
  early: object[] | null
}

export interface DashboardEndpointOptions {
  authTimeoutMs?: number
  tokenRecheckMs?: number
  flushIntervalMs?: number
}

/** Role of a verified principal: only admin tokens may command. */
export function dashboardRole(principal: Principal): DashboardRole {
  return principal.role === 'admin' ? 'admin' : 'viewer'
}

export class DashboardSocketEndpoint implements WsEndpoint<DashboardConnection> {
  readonly feed: DashboardFeed
  private readonly system: ActorSystem
  private readonly clock: Clock
  private readonly authTimeoutMs: number
  private readonly tokenRecheckMs: number
  private readonly live = new Set<WsConnection<DashboardConnection>>()
  private readonly stopRevocations: () => void

  constructor(
    private readonly hub: HubContext,
    options: DashboardEndpointOptions = {},
  ) {
    this.system = hub.system
    this.clock = hub.system.clock
    this.authTimeoutMs = options.authTimeoutMs ?? AUTH_TIMEOUT_MS
    this.tokenRecheckMs = options.tokenRecheckMs ?? TOKEN_RECHECK_MS
    this.feed = new DashboardFeed(this.system, this.clock, options.flushIntervalMs ?? EVENT_FLUSH_INTERVAL_MS)
    this.feed.start()
    this.stopRevocations = this.system.bus.subscribe(AUTH_TOPIC, (event: unknown) => this.onAuthEvent(event))
  }

  private onAuthEvent(event: unknown): void {
    const e = event as { type?: unknown; agent_id?: unknown } | null
    if (e?.type !== 'token_revoked' || typeof e.agent_id !== 'string') return
    for (const conn of [...this.live]) {
      if (conn.data.principal?.agent_id === e.agent_id) this.enqueue(conn, async () => void (await this.stillValid(conn)))
    }
  }

  /** Live (authenticated) dashboard sockets. */
  get sessions(): number {
    return this.live.size
  }

  /** Stops the feed and every timer (the transport closes the sockets themselves). */
  close(): void {
    this.stopRevocations()
    this.feed.stop()
    for (const conn of this.live) this.cancelTimers(conn.data)
    this.live.clear()
  }

  createData(info: WsUpgradeInfo): DashboardConnection {
    return {
      phase: 'awaiting_auth',
      headerToken: presentedToken({ headers: info.headers, query: new URLSearchParams() }, 'bearer'),
      token: null,
      principal: null,
      role: null,
      chain: Promise.resolve(),
      authTimer: null,
      recheckTimer: null,
      detach: null,
      early: null,
    }
  }

  onOpen(conn: WsConnection<DashboardConnection>): void {
    const d = conn.data
    if (d.headerToken !== null) {
      this.enqueue(conn, () => this.authenticate(conn, d.headerToken!))
      return
    }
    d.authTimer = this.clock.schedule(this.authTimeoutMs, () => {
      d.authTimer = null
      if (d.phase === 'awaiting_auth') this.failAuth(conn)
    })
  }

  onMessage(conn: WsConnection<DashboardConnection>, text: string): void {
    this.enqueue(conn, () => this.process(conn, text))
  }

  onClose(conn: WsConnection<DashboardConnection>): void {
    const d = conn.data
    d.phase = 'closed'
    this.cancelTimers(d)
    d.detach?.()
    d.detach = null
    this.live.delete(conn)
  }

  // ---- per-socket processing ------------------------------------------------------------------

  private enqueue(conn: WsConnection<DashboardConnection>, step: () => Promise<void>): void {
    const d = conn.data
    d.chain = d.chain.then(step).catch((error: unknown) => {
      this.hub.log.error('dashboard socket step failed', { error: error instanceof Error ? error.message : String(error) })
      if (conn.isOpen) conn.close(1011, 'internal error')
    })
  }

  private async process(conn: WsConnection<DashboardConnection>, text: string): Promise<void> {
    const d = conn.data
    if (d.phase === 'closed' || d.phase === 'authenticating') return
    const parsed = parseJson(text)
    if (d.phase === 'awaiting_auth') {
      // nothing but the auth frame is read before auth succeeds
      const token = authToken(parsed)
      if (token === null) return this.failAuth(conn)
      return this.authenticate(conn, token)
    }
    if (parsed === undefined || typeof parsed !== 'object' || parsed === null) return // invalid JSON: ignored
    const type = (parsed as { type?: unknown }).type
    if (type === 'ping' || type === 'auth') return // keepalive; a later auth on a live socket is ignored
    const command = parseDashboardCommand(parsed)
    if (command === null) return // unknown or malformed: ignored (protocol.md §5.2)
    await this.runCommand(conn, command)
  }

  private async authenticate(conn: WsConnection<DashboardConnection>, token: string): Promise<void> {
    const d = conn.data
    d.phase = 'authenticating'
    this.cancelAuthTimer(d)
    let principal: Principal | null
    try {
      principal = await verifyToken(this.hub, token)
    } catch (error) {
      this.hub.log.warn('dashboard auth: auth actor unavailable', { error: String(error) })
      principal = null
    }
    if (!conn.isOpen || isClosed(d)) return
    if (principal === null) return this.failAuth(conn)
    d.token = token
    d.principal = principal
    d.role = dashboardRole(principal)
    d.early = []
    d.detach = this.feed.attach({
      events: (items) => (d.early !== null ? d.early.push({ type: 'events', data: items }) : conn.send(JSON.stringify({ type: 'events', data: items }))),
      execution: (frame) => (d.early !== null ? d.early.push(frame) : conn.send(JSON.stringify(frame))),
    })
    const data = await fetchSnapshot(this.system, this.hub.now())
    if (!conn.isOpen || isClosed(d)) return
    const alerts = Array.isArray(data.active_alerts) ? data.active_alerts : []
    conn.send(JSON.stringify({ type: 'snapshot', data, alerts, role: d.role }))
    d.phase = 'live'
    this.live.add(conn)
    const early = d.early
    d.early = null
    for (const frame of early) conn.send(JSON.stringify(frame))
    this.scheduleRecheck(conn)
  }

  private failAuth(conn: WsConnection<DashboardConnection>): void {
    const d = conn.data
    this.cancelTimers(d)
    d.phase = 'closed'
    if (!conn.isOpen) return
    conn.send(JSON.stringify({ type: 'auth_failed' }))
    conn.close(AUTH_FAILED.code, AUTH_FAILED.reason)
  }

  private async runCommand(conn: WsConnection<DashboardConnection>, command: DashboardCommand): Promise<void> {
    const d = conn.data
    if (command.type !== 'request_snapshot') {
      if (d.role !== 'admin') {
        conn.send(JSON.stringify({ type: 'command_rejected', command: command.type, error: 'forbidden' }))
        return
      }
      // a revoked admin token must not run one more command
      if (!(await this.stillValid(conn))) return
    }
    const frames = await runDashboardCommand(this.system, command, { agent_id: d.principal?.agent_id ?? 'dashboard' }, this.hub.now())
    for (const frame of frames) if (conn.isOpen) conn.send(JSON.stringify(frame))
  }

  /** Re-verifies the session's token; closes with 1008 when it is no longer accepted. */
  private async stillValid(conn: WsConnection<DashboardConnection>): Promise<boolean> {
    const d = conn.data
    if (d.token === null) return false
    let principal: Principal | null
    try {
      principal = await verifyToken(this.hub, d.token)
    } catch {
      return true // auth actor restarting: keep the session, check again later
    }
    if (principal !== null) return true
    if (conn.isOpen) conn.close(TOKEN_REVOKED.code, TOKEN_REVOKED.reason)
    return false
  }

  private scheduleRecheck(conn: WsConnection<DashboardConnection>): void {
    const d = conn.data
    if (this.tokenRecheckMs <= 0) return
    d.recheckTimer = this.clock.schedule(this.tokenRecheckMs, () => {
      d.recheckTimer = null
      if (d.phase !== 'live') return
      this.enqueue(conn, async () => {
        if (await this.stillValid(conn)) this.scheduleRecheck(conn)
      })
    })
  }

  private cancelAuthTimer(d: DashboardConnection): void {
    if (d.authTimer !== null) this.clock.cancel(d.authTimer)
    d.authTimer = null
  }

  private cancelTimers(d: DashboardConnection): void {
    this.cancelAuthTimer(d)
    if (d.recheckTimer !== null) this.clock.cancel(d.recheckTimer)
    d.recheckTimer = null
  }
}

/** The `/ws/dashboard` endpoint for the transport's `websockets` map. Call `close()` at hub stop. */
export function createDashboardEndpoint(hub: HubContext, options: DashboardEndpointOptions = {}): DashboardSocketEndpoint {
  return new DashboardSocketEndpoint(hub, options)
}

/** Re-read after an await (the socket may have closed meanwhile). */
function isClosed(d: DashboardConnection): boolean {
  return d.phase === 'closed'
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** The token of a valid first frame `{"type":"auth","token":"…"}`, or null. */
export function authToken(frame: unknown): string | null {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return null
  const f = frame as Record<string, unknown>
  if (f.type !== 'auth' || typeof f.token !== 'string' || f.token.trim() === '') return null
  return f.token.trim()
}
