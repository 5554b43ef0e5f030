// The sidecar's one WebSocket to the hub (spec sidecar.md §4): identify on open, heartbeat
// (ping every 30 s, terminate when no pong within 10 s), reconnect with exponential backoff
// (1 s doubling to 60 s, with jitter, reset once identified). Every timer goes through the
// injected Clock. Frames are parsed here; what they mean is the TaskRelay's business.
import WebSocket from 'ws'
import type { Clock, TimerHandle } from './clock'
import { errorMessage, type EventLog } from './event-log'
import { parseInboundFrame, PROTOCOL_VERSION, type IdentifyFrame, type InboundFrame, type OutboundFrame } from './frames'

export const CONNECTION_DEFAULTS = {
  pingIntervalMs: 30_000,
  pongTimeoutMs: 10_000,
  identifyTimeoutMs: 10_000,
  initialBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  /** each delay is shortened by up to this fraction at random, so a fleet does not reconnect in step */
  jitter: 0.2,
}

/** Identify errors after which staying on the socket is pointless (spec §4.1 stayed anyway). */
const IDENTIFY_REJECTIONS = new Set(['invalid_token', 'token_agent_mismatch'])

export interface HubConnectionOptions {
  url: string
  identify: IdentifyFrame
  clock: Clock
  log: EventLog
  random?: () => number
  createSocket?: (url: string) => WebSocket
  pingIntervalMs?: number
  pongTimeoutMs?: number
  identifyTimeoutMs?: number
  initialBackoffMs?: number
  maxBackoffMs?: number
  jitter?: number
}

export interface HubConnectionListeners {
  identified: () => void
  disconnected: (info: { code: number; reason: string; wasIdentified: boolean }) => void
  frame: (frame: InboundFrame) => void
  reconnectScheduled: (info: { delayMs: number; attempt: number }) => void
  sent: (frame: OutboundFrame) => void
}

type ListenerMap = { [K in keyof HubConnectionListeners]: Array<HubConnectionListeners[K]> }

/** The wait before reconnect attempt `attempt` (0-based): 1 s, 2 s, 4 s … capped, minus jitter. */
export function reconnectDelay(
  attempt: number,
  random: () => number,
  opts: { initialMs?: number; maxMs?: number; jitter?: number } = {},
): number {
  const initial = opts.initialMs ?? CONNECTION_DEFAULTS.initialBackoffMs
  const max = opts.maxMs ?? CONNECTION_DEFAULTS.maxBackoffMs
  const jitter = opts.jitter ?? CONNECTION_DEFAULTS.jitter
  const nominal = Math.min(max, initial * 2 ** Math.min(attempt, 30))
  return Math.round(nominal * (1 - jitter * Math.min(1, Math.max(0, random()))))
}

export class HubConnection {
  private socket: WebSocket | null = null
  private identified = false
  private stopped = true
  private attempt = 0
  private reconnectTimer: TimerHandle | null = null
  private pingTimer: TimerHandle | null = null
  private pongDeadline: TimerHandle | null = null
  private identifyDeadline: TimerHandle | null = null
  private lastPong: number | null = null
  private readonly listeners: ListenerMap = { identified: [], disconnected: [], frame: [], reconnectScheduled: [], sent: [] }
  private readonly o: Required<Omit<HubConnectionOptions, 'createSocket' | 'random'>> & {
    createSocket: (url: string) => WebSocket
    random: () => number
  }

  constructor(opts: HubConnectionOptions) {
    this.o = {
      pingIntervalMs: CONNECTION_DEFAULTS.pingIntervalMs,
      pongTimeoutMs: CONNECTION_DEFAULTS.pongTimeoutMs,
      identifyTimeoutMs: CONNECTION_DEFAULTS.identifyTimeoutMs,
      initialBackoffMs: CONNECTION_DEFAULTS.initialBackoffMs,
      maxBackoffMs: CONNECTION_DEFAULTS.maxBackoffMs,
      jitter: CONNECTION_DEFAULTS.jitter,
      random: Math.random,
      createSocket: (url) => new WebSocket(url, { handshakeTimeout: 15_000 }),
      ...opts,
    }
  }

  on<K extends keyof HubConnectionListeners>(event: K, listener: HubConnectionListeners[K]): this {
    ;(this.listeners[event] as Array<HubConnectionListeners[K]>).push(listener)
    return this
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.connect()
  }

  /** Closes the socket (1000 "shutdown") and stops reconnecting. */
  stop(): void {
    this.stopped = true
    this.o.clock.clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    this.stopTimers()
    const socket = this.socket
    if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) {
      try {
        socket.close(1000, 'shutdown')
      } catch {
        socket.terminate()
      }
    }
  }

  isIdentified(): boolean {
    return this.identified
  }

  /** Clock time of the last `pong`, or null. */
  lastPongAt(): number | null {
    return this.lastPong
  }

  isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN
  }

  /** Sends a frame (with protocol_version) if the socket is open; false if it was not sent. */
  send(frame: OutboundFrame): boolean {
    const socket = this.socket
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      this.o.log.log('debug', 'send_failed', { type: frame.type, reason: 'socket_not_open' })
      return false
    }
    socket.send(JSON.stringify({ ...frame, protocol_version: PROTOCOL_VERSION }), (err) => {
      if (err) this.o.log.log('warning', 'send_failed', { type: frame.type, error: err.message })
    })
    this.emit('sent', frame)
    return true
  }

  private connect(): void {
    this.reconnectTimer = null
    if (this.stopped) return
    let socket: WebSocket
    try {
      socket = this.o.createSocket(this.o.url)
    } catch (err) {
      this.o.log.log('error', 'ws_connect_error', { error: errorMessage(err) })
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.on('open', () => this.onOpen(socket))
    socket.on('message', (data, isBinary) => {
      if (socket !== this.socket) return
      if (isBinary) {
        this.o.log.log('warning', 'ws_binary_frame_ignored', {})
        return
      }
      this.onText(socket, data.toString())
    })
    socket.on('pong', () => undefined)
    socket.on('error', (err) => this.o.log.log('warning', 'ws_error', { error: err.message }))
    socket.on('close', (code, reason) => this.onClose(socket, code, reason.toString()))
  }

  private onOpen(socket: WebSocket): void {
    if (socket !== this.socket) return
    this.o.log.log('info', 'ws_open', { url: this.o.url })
    this.send(this.o.identify)
    this.identifyDeadline = this.o.clock.setTimeout(() => {
      this.o.log.log('warning', 'identify_timeout', { timeout_ms: this.o.identifyTimeoutMs })
      socket.terminate()
    }, this.o.identifyTimeoutMs)
    this.schedulePing(socket)
  }

  private onText(socket: WebSocket, text: string): void {
    const parsed = parseInboundFrame(text)
    if (!parsed.ok) {
      this.o.log.log('warning', 'ws_message_parse_error', { error: parsed.error })
      return
    }
    const frame = parsed.frame
    if (frame.type === 'pong') {
      this.lastPong = this.o.clock.now()
      this.o.clock.clearTimeout(this.pongDeadline)
      this.pongDeadline = null
      return
    }
    if (frame.type === 'identified') {
      this.o.clock.clearTimeout(this.identifyDeadline)
      this.identifyDeadline = null
      this.identified = true
      this.attempt = 0
      this.o.log.log('info', 'identified', {})
      this.emit('identified')
      return
    }
    if (frame.type === 'error' && !this.identified && IDENTIFY_REJECTIONS.has(frame.error)) {
      this.o.log.log('error', 'identify_rejected', { error: frame.error })
      socket.close(1008, frame.error)
      return
    }
    this.emit('frame', frame)
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return
    const wasIdentified = this.identified
    this.identified = false
    this.socket = null
    this.stopTimers()
    this.o.log.log('info', 'ws_closed', { code, reason })
    this.emit('disconnected', { code, reason, wasIdentified })
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return
    const delayMs = reconnectDelay(this.attempt, this.o.random, {
      initialMs: this.o.initialBackoffMs,
      maxMs: this.o.maxBackoffMs,
      jitter: this.o.jitter,
    })
    const attempt = this.attempt
    this.attempt += 1
    this.o.log.log('info', 'reconnect_scheduled', { delay_ms: delayMs, attempt })
    this.reconnectTimer = this.o.clock.setTimeout(() => this.connect(), delayMs)
    this.emit('reconnectScheduled', { delayMs, attempt })
  }

  private schedulePing(socket: WebSocket): void {
    this.pingTimer = this.o.clock.setTimeout(() => {
      if (socket !== this.socket || socket.readyState !== WebSocket.OPEN) return
      this.send({ type: 'ping' })
      if (!this.pongDeadline) {
        this.pongDeadline = this.o.clock.setTimeout(() => {
          this.o.log.log('warning', 'heartbeat_timeout', { timeout_ms: this.o.pongTimeoutMs })
          socket.terminate()
        }, this.o.pongTimeoutMs)
      }
      this.schedulePing(socket)
    }, this.o.pingIntervalMs)
  }

  private stopTimers(): void {
    for (const timer of [this.pingTimer, this.pongDeadline, this.identifyDeadline]) this.o.clock.clearTimeout(timer)
    this.pingTimer = this.pongDeadline = this.identifyDeadline = null
  }

  private emit<K extends keyof HubConnectionListeners>(event: K, ...args: Parameters<HubConnectionListeners[K]>): void {
    for (const listener of this.listeners[event]) {
      try {
        ;(listener as (...a: Parameters<HubConnectionListeners[K]>) => void)(...args)
      } catch (err) {
        this.o.log.log('error', 'ws_message_handler_error', { event, error: errorMessage(err), stack: (err as Error).stack })
      }
    }
  }
}

/** The identify frame of spec §4.1 built from the config. */
export function identifyFrame(cfg: { agent_id: string; token: string; capabilities: string[]; ollama_url: string | null }): IdentifyFrame {
  return {
    type: 'identify',
    agent_id: cfg.agent_id,
    token: cfg.token,
    name: cfg.agent_id,
    status: 'idle',
    capabilities: cfg.capabilities,
    client_type: 'sidecar',
    protocol_version: PROTOCOL_VERSION,
    ...(cfg.ollama_url ? { ollama_url: cfg.ollama_url } : {}),
  }
}
