// The client side of the console line protocol (actors/console/protocol.ts): connect to the
// hub's console socket, authenticate, evaluate, ask for completions.

import { connect, type Socket } from 'node:net'
import { LineSplitter } from '../../actors/console/line-splitter'
import {
  MAX_LINE_BYTES,
  type CompletionReply,
  type ConsoleReply,
  type EvalReply,
  type ReadyReply,
} from '../../actors/console/protocol'

export class ConsoleConnectError extends Error {
  override readonly name = 'ConsoleConnectError'
}

type Waiter = { resolve(reply: ConsoleReply): void; reject(err: Error): void }

export class ConsoleClient {
  private readonly splitter = new LineSplitter(MAX_LINE_BYTES)
  private readonly waiting = new Map<number, Waiter>()
  private authWaiter: Waiter | undefined
  private nextId = 1
  private closedError: Error | undefined
  private readonly closeListeners: Array<(err: Error) => void> = []

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => this.receive(chunk))
    socket.on('error', (err) => this.closed(err))
    socket.on('close', () => this.closed(new ConsoleConnectError('the hub closed the console connection')))
  }

  /** Connects and authenticates; rejects with ConsoleConnectError (no hub, bad token). */
  static async open(socketPath: string, token: string, opts: { colors?: boolean } = {}): Promise<{ client: ConsoleClient; ready: ReadyReply }> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(socketPath)
      s.once('connect', () => resolve(s))
      s.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'no hub is listening there' : err.message
        reject(new ConsoleConnectError(`cannot connect to ${socketPath}: ${why}`))
      })
    })
    const client = new ConsoleClient(socket)
    const reply = await client.authenticate(token, opts.colors ?? false)
    if (reply.type !== 'ready') {
      client.close()
      const why = reply.type === 'error' ? reply.message : `unexpected ${reply.type}`
      throw new ConsoleConnectError(reply.type === 'error' && reply.error === 'unauthorized' ? 'the hub refused the admin token' : why)
    }
    return { client, ready: reply }
  }

  evaluate(code: string, format: 'inspect' | 'json' = 'inspect'): Promise<EvalReply> {
    return this.request<EvalReply>({ type: 'eval', code, format })
  }

  /** Evaluates and parses the JSON result; rejects with the error text when the code threw. */
  async evaluateJson<T = unknown>(code: string): Promise<T> {
    const reply = await this.evaluate(code, 'json')
    if (!reply.ok) throw new Error(reply.text.replace(/^Uncaught /, ''))
    return JSON.parse(reply.text) as T
  }

  completions(): Promise<CompletionReply> {
    return this.request<CompletionReply>({ type: 'complete' })
  }

  onClose(listener: (err: Error) => void): void {
    this.closeListeners.push(listener)
  }

  close(): void {
    this.socket.end()
    this.socket.destroy()
  }

  private authenticate(token: string, colors: boolean): Promise<ConsoleReply> {
    return new Promise((resolve, reject) => {
      this.authWaiter = { resolve, reject }
      this.write({ type: 'auth', token, colors })
    })
  }

  private request<R extends ConsoleReply>(body: { type: 'eval'; code: string; format: 'inspect' | 'json' } | { type: 'complete' }): Promise<R> {
    if (this.closedError) return Promise.reject(this.closedError)
    const id = this.nextId++
    return new Promise<R>((resolve, reject) => {
      this.waiting.set(id, { resolve: (r) => resolve(r as R), reject })
      this.write({ ...body, id })
    })
  }

  private write(message: object): void {
    this.socket.write(JSON.stringify(message) + '\n')
  }

  private receive(chunk: string): void {
    for (const event of this.splitter.push(chunk)) {
      if (event.type === 'overflow') {
        this.closed(new ConsoleConnectError('the hub sent an over-long line'))
        this.socket.destroy()
        return
      }
      let reply: ConsoleReply
      try {
        reply = JSON.parse(event.line) as ConsoleReply
      } catch {
        continue
      }
      this.dispatch(reply)
    }
  }

  private dispatch(reply: ConsoleReply): void {
    if (this.authWaiter && (reply.type === 'ready' || (reply.type === 'error' && reply.id === undefined))) {
      const waiter = this.authWaiter
      this.authWaiter = undefined
      return waiter.resolve(reply)
    }
    const id = 'id' in reply ? reply.id : undefined
    if (id === undefined) return
    const waiter = this.waiting.get(id)
    this.waiting.delete(id)
    if (reply.type === 'error') waiter?.reject(new Error(reply.message))
    else waiter?.resolve(reply)
  }

  private closed(err: Error): void {
    if (this.closedError) return
    this.closedError = err
    this.authWaiter?.reject(err)
    this.authWaiter = undefined
    for (const waiter of this.waiting.values()) waiter.reject(err)
    this.waiting.clear()
    for (const listener of this.closeListeners) listener(err)
  }
}
