// The hub connection as an actor: it opens the WebSocket in init and closes it (1000
// "shutdown") in terminate. Frames and link changes go to the executor's mailbox in socket
// order; the resource reporter is told directly. A restarted connection identifies again, and
// the identify triggers the recovery handshake for whatever the queue holds.
import { Actor } from '../../../actors/runtime'
import { HubConnection, identifyFrame } from '../connection'
import type { ExecutorCast, SidecarParts } from './sidecar-parts'

export type ConnectionCall = { type: 'status' }

export class ConnectionActor extends Actor<ConnectionCall, never, never, { parts: SidecarParts }> {
  private parts!: SidecarParts
  private connection!: HubConnection

  override init(args: { parts: SidecarParts }): void {
    this.parts = args.parts
    const { config, clock, log, o } = args.parts
    const connection = new HubConnection({
      url: config.hub_url,
      identify: identifyFrame(config),
      clock,
      log,
      // an explicit `random: undefined` would replace HubConnection's default and break reconnects
      ...(o.random ? { random: o.random } : {}),
      ...o.connection,
    })
    const toExecutor = (msg: ExecutorCast): void => this.parts.toExecutor(this.ctx.system, msg)
    // a stopped predecessor may still report its socket closing: only the current one speaks
    const isCurrent = (): boolean => this.parts.connection === connection
    connection.on('identified', () => {
      if (!isCurrent()) return
      this.parts.reporter?.onIdentified()
      toExecutor({ type: 'identified' })
    })
    connection.on('disconnected', () => {
      if (!isCurrent()) return
      this.parts.reporter?.onDisconnected()
      toExecutor({ type: 'disconnected' })
    })
    connection.on('frame', (frame) => {
      if (isCurrent()) toExecutor({ type: 'frame', frame })
    })
    connection.on('sent', (frame) => o.onFrameSent?.(frame))
    this.connection = connection
    this.parts.connection = connection
    connection.start()
  }

  override handleCall(msg: ConnectionCall): { identified: boolean; open: boolean } {
    switch (msg.type) {
      case 'status':
        return { identified: this.connection.isIdentified(), open: this.connection.isOpen() }
    }
  }

  override terminate(): void {
    if (this.parts.connection === this.connection) {
      this.parts.connection = null
      this.parts.reporter?.onDisconnected()
      this.parts.toExecutor(this.ctx.system, { type: 'disconnected' })
    }
    this.connection.stop()
  }

  override snapshot(): unknown {
    return { identified: this.connection.isIdentified(), open: this.connection.isOpen() }
  }
}
