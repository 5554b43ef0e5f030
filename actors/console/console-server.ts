// The `console-server` actor: a unix socket in the data dir (mode 0600) where `agentcom console`
// attaches a REPL to the live hub, like `iex --remsh`. Admin token first, then JS expressions
// evaluated against the running ActorSystem (actors/console/helpers.ts). Connections are served
// outside the actor's mailbox, so `state('console-server')` works from the console itself.

import { createServer, type Server, type Socket } from 'node:net'
import { chmodSync, readFileSync, unlinkSync } from 'node:fs'
import { createHash, timingSafeEqual } from 'node:crypto'
import { Actor } from '../runtime'
import type { ChildSpec } from '../../supervisors'
import { ACTOR } from '../names'
import { consoleHelpers, HELPER_NAMES, type ConsoleHelpers } from './helpers'
import { Evaluator } from './evaluator'
import { LineSplitter } from './line-splitter'
import { MAX_LINE_BYTES, parseRequest, type ConsoleReply, type ConsoleRequest } from './protocol'
import { claimSocketPath } from './socket-path'
import { adminTokenPath, consoleSocketPath } from './paths'

/** An unauthenticated connection is closed after this long (clock time). */
export const AUTH_TIMEOUT_MS = 10_000

export interface ConsoleServerArgs {
  socketPath: string
  /** Read at each connection (a rotated token takes effect at once). One of tokenFile/adminToken. */
  tokenFile?: string
  adminToken?: string
  /** Extra names in every session's context (e.g. `storage`). */
  globals?: Record<string, unknown>
}

export class ConsoleServerActor extends Actor<never, never, never, ConsoleServerArgs> {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private args!: ConsoleServerArgs
  private sessionsServed = 0

  override async init(args: ConsoleServerArgs): Promise<void> {
    if (!args.tokenFile && !args.adminToken) throw new TypeError('console-server needs tokenFile or adminToken')
    this.args = args
    await claimSocketPath(args.socketPath)
    this.server = await listenPrivately(args.socketPath, (socket) => this.accept(socket))
  }

  override async terminate(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    const server = this.server
    this.server = undefined
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
    this.removeSocketFile()
  }

  /** Also after a 'kill' (no terminate): the replacement must find the socket path free. */
  override releaseOsResources(): void {
    if (!this.server) return // never listened (or terminate released it): the path is not ours
    for (const socket of this.sockets) socket.destroy()
    this.server.close()
    this.server = undefined
    this.removeSocketFile()
  }

  private removeSocketFile(): void {
    try {
      unlinkSync(this.args.socketPath)
    } catch {
      // already gone (Node removes it on close)
    }
  }

  override snapshot(): unknown {
    return { socketPath: this.args.socketPath, connections: this.sockets.size, sessionsServed: this.sessionsServed }
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    this.sessionsServed++
    const session = new ConsoleSession(socket, {
      checkToken: (token) => this.tokenMatches(token),
      helpers: consoleHelpers(this.ctx.system),
      globals: { system: this.ctx.system, ACTOR, ...this.args.globals },
      registered: () => this.ctx.system.registered(),
    })
    const timer = this.ctx.clock.schedule(AUTH_TIMEOUT_MS, () => {
      if (!session.authenticated) socket.destroy()
    })
    socket.on('close', () => this.ctx.clock.cancel(timer))
  }

  /** The admin.token file's token, or any admin-role token the `auth` actor knows (when it runs). */
  private async tokenMatches(given: string): Promise<boolean> {
    if (this.matchesConfiguredToken(given.trim())) return true
    const auth = this.ctx.system.whereis(ACTOR.auth)
    if (!auth || given.trim() === '') return false
    try {
      const principal = await auth.call<{ role?: string } | null>({ type: 'verify', token: given.trim() }, { timeoutMs: 2000 })
      return principal?.role === 'admin'
    } catch {
      return false
    }
  }

  private matchesConfiguredToken(given: string): boolean {
    let expected: string
    try {
      expected = this.args.adminToken ?? readFileSync(this.args.tokenFile as string, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.ctx.log.error('console: cannot read the admin token file', { file: this.args.tokenFile, error: String(err) })
      }
      return false
    }
    return sameSecret(given, expected.trim())
  }
}

function sameSecret(a: string, b: string): boolean {
  if (b === '') return false
  const digest = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(a), digest(b))
}

/** Binds with umask 0177 so the socket is never world-connectable, then chmods 0600 to be sure. */
function listenPrivately(path: string, onConnection: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onConnection)
    server.once('error', reject)
    const previous = process.umask(0o177)
    try {
      server.listen(path, () => {
        server.off('error', reject)
        server.on('error', () => undefined)
        try {
          chmodSync(path, 0o600)
          resolve(server)
        } catch (err) {
          server.close()
          reject(err)
        }
      })
    } finally {
      process.umask(previous)
    }
  })
}

interface SessionDeps {
  checkToken(token: string): Promise<boolean>
  helpers: ConsoleHelpers
  globals: Record<string, unknown>
  registered(): string[]
}

/** One attached console: auth, then eval / complete requests answered in order. */
class ConsoleSession {
  authenticated = false
  private evaluator: Evaluator | undefined
  private readonly splitter = new LineSplitter(MAX_LINE_BYTES)
  private queue: Promise<void> = Promise.resolve()

  constructor(private readonly socket: Socket, private readonly deps: SessionDeps) {
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => this.receive(chunk))
  }

  private receive(chunk: string): void {
    for (const event of this.splitter.push(chunk)) {
      if (event.type === 'overflow') {
        this.send({ type: 'error', error: 'line_too_long', message: `a line may hold at most ${MAX_LINE_BYTES} bytes` })
        this.socket.end()
        return
      }
      const parsed = parseRequest(event.line)
      // one queue for everything, so replies keep the order of the lines
      const next = parsed.ok ? () => this.handle(parsed.request) : () => this.refuseBadLine(parsed.message)
      this.queue = this.queue.then(next).catch(() => {
        this.socket.destroy()
      })
    }
  }

  private refuseBadLine(message: string): void {
    if (!this.authenticated) return this.refuseAuth()
    this.send({ type: 'error', error: 'bad_request', message })
  }

  private refuseAuth(): void {
    this.send({ type: 'error', error: 'unauthorized', message: 'the first line must be {"type":"auth","token":<admin token>}' })
    this.socket.end()
  }

  private async handle(request: ConsoleRequest): Promise<void> {
    if (this.socket.destroyed) return
    if (!this.authenticated) {
      if (request.type !== 'auth' || !(await this.deps.checkToken(request.token))) return this.refuseAuth()
      this.authenticated = true
      this.evaluator = new Evaluator(guardedGlobals(this.deps), { colors: request.colors })
      this.send({ type: 'ready', helpers: HELPER_NAMES, actors: this.deps.registered() })
      return
    }
    const evaluator = this.evaluator as Evaluator
    switch (request.type) {
      case 'auth':
        return this.send({ type: 'error', error: 'bad_request', message: 'already authenticated' })
      case 'complete':
        return this.send({ type: 'completions', id: request.id, helpers: HELPER_NAMES, actors: this.deps.registered(), globals: evaluator.definedNames() })
      case 'eval': {
        const outcome = await evaluator.evaluate(request.code, request.format)
        return this.send({ type: 'result', id: request.id, ...outcome })
      }
    }
  }

  private send(reply: ConsoleReply): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(JSON.stringify(reply) + '\n')
  }
}

/**
 * Helpers whose promises already have a handler attached: code like `call('x', m); 1` leaves
 * a promise nobody awaits, and an unhandled rejection would take the whole hub down.
 */
function guardedGlobals(deps: SessionDeps): Record<string, unknown> {
  const guarded: Record<string, unknown> = { ...deps.globals }
  for (const [name, fn] of Object.entries(deps.helpers)) {
    guarded[name] = (...args: never[]) => {
      const result = fn(...args)
      if (result instanceof Promise) result.catch(() => undefined)
      return result
    }
  }
  return guarded
}

/**
 * The hub tree's `console` slot: `supervisors/trees/console-tree.ts` can be
 * `export { consoleTree } from '../../actors/console'` (it takes the SubtreeDeps' dataDir).
 */
export function consoleTree(deps: { dataDir: string }): ChildSpec {
  return consoleServerSpec({ dataDir: deps.dataDir })
}

export interface ConsoleServerSpecOptions {
  dataDir: string
  /** default `<dataDir>/console.sock` */
  socketPath?: string
  /** default `<dataDir>/admin.token` */
  tokenFile?: string
  globals?: Record<string, unknown>
}

/** The hub tree's `console-server` child (registered as `console-server`). */
export function consoleServerSpec(opts: ConsoleServerSpecOptions): ChildSpec {
  const args: ConsoleServerArgs = {
    socketPath: opts.socketPath ?? consoleSocketPath(opts.dataDir),
    tokenFile: opts.tokenFile ?? adminTokenPath(opts.dataDir),
    globals: opts.globals,
  }
  return {
    id: ACTOR.console,
    restart: 'permanent',
    shutdown: 2000,
    start: (system) => system.spawn(ConsoleServerActor, args, { name: ACTOR.console }),
  }
}
