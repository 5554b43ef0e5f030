// `agentcom token create|list|revoke`: admin tokens and agent tokens, three ways —
//   --hub URL       through the HTTP API (protocol.md §4.3) with an admin Bearer token;
//   hub running     through its console socket (the `auth` actor, same rules as the API);
//   no hub          offline: the `auth` actor's own code against the data dir's LMDB.
// Whichever way, the `tokens` table is written by the auth actor's code only.

import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ActorSystem, silentLogger } from '../../actors/runtime'
import { AuthActor, type CreatedToken, type TokenListing, type TokenRole } from '../../actors/auth'
import { ACTOR } from '../../actors/names'
import { ADMIN_TOKEN_FILE, consoleSocketPath } from '../../actors/console/paths'
import { somebodyListens } from '../../actors/console/socket-path'
import { lmdbDirOf, openStorage } from '../../storage'
import { ConsoleClient } from '../console/console-client'

export interface TokenBackend {
  /** how the command reached the tokens: 'http' | 'console' | 'offline' */
  readonly via: 'http' | 'console' | 'offline'
  create(agentId: string, role: TokenRole): Promise<CreatedToken>
  list(): Promise<TokenListing[]>
  /** number revoked; null when the API does not say */
  revoke(agentId: string): Promise<number | null>
  close(): Promise<void>
}

export interface TokenTargetOptions {
  dataDir: string
  hub?: string
  token?: string
  tokenFile?: string
}

export class TokenCommandError extends Error {
  override readonly name = 'TokenCommandError'
}

/** Picks the way in: --hub → HTTP; a live console socket → console; else offline. */
export async function openTokenBackend(opts: TokenTargetOptions): Promise<TokenBackend> {
  const dataDir = resolve(opts.dataDir)
  if (opts.hub !== undefined) return httpBackend(opts.hub, adminToken(opts, dataDir))
  const socket = consoleSocketPath(dataDir)
  if (await somebodyListens(socket)) {
    const { client } = await ConsoleClient.open(socket, adminToken(opts, dataDir))
    return consoleBackend(client)
  }
  return offlineBackend(dataDir)
}

function adminToken(opts: TokenTargetOptions, dataDir: string): string {
  if (opts.token !== undefined) return opts.token.trim()
  const file = resolve(opts.tokenFile ?? join(dataDir, ADMIN_TOKEN_FILE))
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    throw new TokenCommandError(`no admin token: pass --token, or --token-file (${file} not readable)`)
  }
}

// ---- HTTP API ------------------------------------------------------------------------------

export function httpBackend(hubUrl: string, token: string): TokenBackend {
  let base: URL
  try {
    base = new URL(hubUrl)
  } catch {
    throw new TokenCommandError(`--hub ${hubUrl} is not a URL (e.g. http://127.0.0.1:4000)`)
  }
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response
    try {
      res = await fetch(new URL(path, base), {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      })
    } catch (err) {
      throw new TokenCommandError(`cannot reach the hub at ${base.origin}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`)
    }
    const text = await res.text()
    if (!res.ok) throw new TokenCommandError(`the hub answered ${res.status}: ${text.trim().slice(0, 300)}`)
    return JSON.parse(text) as T
  }
  return {
    via: 'http',
    create: (agentId, role) => request<CreatedToken>('POST', '/admin/tokens', role === 'admin' ? { agent_id: agentId, role } : { agent_id: agentId }),
    list: async () => (await request<{ tokens: TokenListing[] }>('GET', '/admin/tokens')).tokens,
    revoke: async (agentId) => {
      await request('DELETE', `/admin/tokens/${encodeURIComponent(agentId)}`)
      return null
    },
    close: async () => undefined,
  }
}

// ---- through the running hub's console -----------------------------------------------------

export function consoleBackend(client: ConsoleClient): TokenBackend {
  const callAuth = <T>(msg: object) => client.evaluateJson<T>(`call(${JSON.stringify(ACTOR.auth)}, ${JSON.stringify(msg)})`)
  return {
    via: 'console',
    create: (agentId, role) => callAuth<CreatedToken>({ type: 'create', agent_id: agentId, role }),
    list: () => callAuth<TokenListing[]>({ type: 'list' }),
    revoke: async (agentId) => (await callAuth<{ revoked: number }>({ type: 'revoke', agent_id: agentId })).revoked,
    close: async () => client.close(),
  }
}

// ---- offline -------------------------------------------------------------------------------

/** The auth actor in a private ActorSystem over the data dir's storage (no hub may be running). */
export async function offlineBackend(dataDir: string): Promise<TokenBackend> {
  if (!existsSync(join(lmdbDirOf(dataDir), 'CURRENT'))) {
    throw new TokenCommandError(`no hub data in ${dataDir} (start the hub once there, or pass --data-dir)`)
  }
  const storage = openStorage({ dataDir })
  const system = new ActorSystem({ logger: silentLogger })
  let auth
  try {
    auth = await system.spawn(AuthActor, { storage }, { name: ACTOR.auth })
  } catch (err) {
    await system.shutdown()
    await storage.close()
    throw err
  }
  return {
    via: 'offline',
    create: (agentId, role) => auth.call<CreatedToken>({ type: 'create', agent_id: agentId, role }),
    list: () => auth.call<TokenListing[]>({ type: 'list' }),
    revoke: async (agentId) => (await auth.call<{ revoked: number }>({ type: 'revoke', agent_id: agentId })).revoked,
    close: async () => {
      await system.shutdown()
      await storage.settled()
      await storage.close()
    },
  }
}

// ---- output --------------------------------------------------------------------------------

export function formatListing(tokens: TokenListing[]): string {
  if (tokens.length === 0) return '(no tokens)'
  const rows = tokens.map((t) => [t.agent_id, t.role ?? '-', t.token_prefix, t.created_at ? new Date(t.created_at).toISOString() : '-'])
  const header = ['AGENT', 'ROLE', 'TOKEN', 'CREATED']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n')
}

export interface TokenCliOptions extends TokenTargetOptions {
  json?: boolean
  role?: TokenRole
}

/** Runs one token action and prints its result; resolves with the exit code. */
export async function runTokenCommand(action: 'create' | 'list' | 'revoke', agentId: string | undefined, opts: TokenCliOptions): Promise<number> {
  const backend = await openTokenBackend(opts)
  try {
    switch (action) {
      case 'create': {
        const created = await backend.create(agentId as string, opts.role ?? 'agent')
        if (opts.json) print(JSON.stringify(created))
        else {
          print(created.token)
          process.stderr.write(`token for ${created.agent_id} (${opts.role ?? 'agent'}, ${backend.via}); it is not shown again\n`)
        }
        return 0
      }
      case 'list': {
        const tokens = await backend.list()
        print(opts.json ? JSON.stringify(tokens) : formatListing(tokens))
        return 0
      }
      case 'revoke': {
        const revoked = await backend.revoke(agentId as string)
        if (opts.json) print(JSON.stringify({ agent_id: agentId, revoked }))
        else print(revoked === null ? `revoked every token of ${agentId}` : `revoked ${revoked} token${revoked === 1 ? '' : 's'} of ${agentId}`)
        return 0
      }
    }
  } finally {
    await backend.close()
  }
}

function print(line: string): void {
  process.stdout.write(line + '\n')
}
