// What a session actor holds of its socket: send a frame, close, ask whether it is open. Keeps
// the actor independent of the transport adapter.
import type { WsConnection } from '../transport'

export interface SocketPort {
  /** The transport's connection id (logs, tests). */
  readonly connectionId: number
  readonly isOpen: boolean
  /** Serialises and sends one frame; false when the socket is closed (or was closed for backpressure). */
  send(frame: object): boolean
  /** Sends an already serialised frame (one JSON text shared by many sockets). */
  sendText(text: string): boolean
  close(code: number, reason: string): void
}

export function socketPortOf(conn: WsConnection<unknown>): SocketPort {
  return {
    connectionId: conn.id,
    get isOpen() {
      return conn.isOpen
    },
    send: (frame) => conn.send(JSON.stringify(frame)),
    sendText: (text) => conn.send(text),
    close: (code, reason) => conn.close(code, reason),
  }
}
