// The dashboard's one socket to the hub (protocol.md §5 + the auth contract in ui/README.md).
//
// Browsers cannot put an Authorization header on a WebSocket, so the token travels in the first
// frame: {"type":"auth","token":…}. The hub answers with the initial snapshot (and the caller's
// role) or with {"type":"auth_failed"} and closes 1008. Any other drop reconnects with backoff;
// after a successful re-auth the client asks for a fresh snapshot, as the original did.
import { reconnectDelay } from './reconnect-backoff.js'

export const AUTH_ANSWER_TIMEOUT_MS = 10000
export const KEEPALIVE_INTERVAL_MS = 25000
const POLICY_VIOLATION = 1008

/** ws(s)://<this host>/ws/dashboard — never with a token in it. */
export function dashboardSocketUrl(location = globalThis.location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/ws/dashboard`
}

export class DashboardSocket {
  /**
   * @param {object} options
   * @param {string} options.url
   * @param {string} options.token
   * @param {(frame: object) => void} options.onFrame  every server frame after a successful auth
   * @param {(status: {state: string, detail?: string, retryInMs?: number, attempt?: number}) => void} options.onStatus
   */
  constructor({ url, token, onFrame, onStatus, WebSocketImpl = globalThis.WebSocket, timers = globalThis, random = Math.random }) {
    this.url = url
    this.token = token
    this.onFrame = onFrame
    this.onStatus = onStatus
    this.WebSocketImpl = WebSocketImpl
    this.timers = timers
    this.random = random
    this.socket = null
    this.attempt = 0
    this.authenticated = false
    this.hadSession = false
    this.stopped = false
    this.reconnectTimer = null
    this.authTimer = null
    this.keepaliveTimer = null
  }

  start() {
    this.stopped = false
    this.open()
  }

  /** Stops for good (logout, auth failure); no reconnect follows. */
  stop() {
    this.stopped = true
    this.clearTimers()
    if (this.socket) {
      const socket = this.socket
      this.socket = null
      try {
        socket.close(1000, 'client_closed')
      } catch {
        // already closing
      }
    }
  }

  get live() {
    return Boolean(this.socket && this.authenticated && this.socket.readyState === 1)
  }

  /** Sends a command when authenticated; false when it could not be sent. */
  send(frame) {
    if (!this.live) return false
    this.socket.send(JSON.stringify(frame))
    return true
  }

  open() {
    this.clearTimers()
    this.authenticated = false
    this.onStatus({ state: this.hadSession ? 'reconnecting' : 'connecting', attempt: this.attempt })
    let socket
    try {
      socket = new this.WebSocketImpl(this.url)
    } catch (error) {
      this.scheduleReconnect(String(error && error.message ? error.message : error))
      return
    }
    this.socket = socket
    socket.onopen = () => this.handleOpen(socket)
    socket.onmessage = (message) => this.handleMessage(socket, message)
    socket.onclose = (event) => this.handleClose(socket, event)
    socket.onerror = () => {
      // the close event that follows carries what matters
    }
  }

  handleOpen(socket) {
    if (socket !== this.socket) return
    socket.send(JSON.stringify({ type: 'auth', token: this.token }))
    this.onStatus({ state: 'authenticating' })
    this.authTimer = this.timers.setTimeout(() => {
      if (socket === this.socket && !this.authenticated) socket.close(4000, 'auth_timeout')
    }, AUTH_ANSWER_TIMEOUT_MS)
  }

  handleMessage(socket, message) {
    if (socket !== this.socket) return
    let frame
    try {
      frame = JSON.parse(typeof message.data === 'string' ? message.data : '')
    } catch {
      return
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') return
    if (this.authenticated) {
      this.onFrame(frame)
      return
    }
    if (frame.type === 'auth_failed') {
      this.failAuth(frame.error || frame.reason || 'auth_failed')
      return
    }
    if (frame.type !== 'snapshot') return
    this.authenticated = true
    this.timers.clearTimeout(this.authTimer)
    this.authTimer = null
    const reconnected = this.hadSession
    this.hadSession = true
    this.attempt = 0
    this.onStatus({ state: 'live' })
    this.onFrame(frame)
    if (reconnected) this.send({ type: 'request_snapshot' })
    this.startKeepalive(socket)
  }

  // The hub closes sockets that stay silent for 60 s; an unknown frame type is ignored by it
  // but counts as traffic.
  startKeepalive(socket) {
    this.keepaliveTimer = this.timers.setInterval(() => {
      if (socket === this.socket && socket.readyState === 1) socket.send(JSON.stringify({ type: 'ping' }))
    }, KEEPALIVE_INTERVAL_MS)
  }

  failAuth(detail) {
    this.stopped = true
    this.clearTimers()
    const socket = this.socket
    this.socket = null
    this.onStatus({ state: 'auth_failed', detail })
    if (socket) {
      try {
        socket.close(1000, 'auth_failed')
      } catch {
        // already closed by the hub
      }
    }
  }

  handleClose(socket, event) {
    if (socket !== this.socket) return
    this.socket = null
    this.clearTimers()
    if (this.stopped) return
    // 1008 is how the hub rejects a token (also a revoked one on a live session).
    if (event && event.code === POLICY_VIOLATION) {
      this.failAuth(event.reason || 'auth_failed')
      return
    }
    this.scheduleReconnect(event && event.reason ? event.reason : `closed (${event ? event.code : '?'})`)
  }

  scheduleReconnect(detail) {
    const delay = reconnectDelay(this.attempt, this.random)
    this.attempt += 1
    this.onStatus({ state: 'waiting', detail, retryInMs: delay, attempt: this.attempt })
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null
      if (!this.stopped) this.open()
    }, delay)
  }

  clearTimers() {
    if (this.reconnectTimer !== null) this.timers.clearTimeout(this.reconnectTimer)
    if (this.authTimer !== null) this.timers.clearTimeout(this.authTimer)
    if (this.keepaliveTimer !== null) this.timers.clearInterval(this.keepaliveTimer)
    this.reconnectTimer = null
    this.authTimer = null
    this.keepaliveTimer = null
  }
}
