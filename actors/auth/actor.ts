// The `auth` actor (relay/hub/CONTRACTS.md): the only reader/writer of table `tokens`. Tokens
// are stored hashed; each has a role (`agent` | `admin`). On first start it creates the admin
// token and writes it to `<data-dir>/admin.token` (0600). Revoking closes the agent's live
// session (the original left revoked agents connected).
import { Actor, replyError } from '../runtime'
import { CLOSE } from '../../relay/protocol'
import type { Storage, Table } from '../../storage'
import { TOPIC, sessionName } from '../names'
import { adminTokenPath, readAdminTokenFile, writeAdminTokenFile } from './admin-token-file'
import { generateToken, hashToken, isTokenRole, tokenPrefix, type TokenRole } from './token-hash'
import { byCreation, isTokenRecord, listingOf, type TokenListing, type TokenRecord } from './token-record'

export const ADMIN_AGENT_ID = 'admin'

/** Bus topic of auth events: `{type:'token_revoked', agent_id}` after a revoke or reset (dashboard sockets re-check). */
export const AUTH_TOPIC = TOPIC.auth

export type AuthCall =
  | { type: 'verify'; token: string }
  | { type: 'create'; agent_id: string; role?: TokenRole }
  /** `POST /api/onboard/register`: a token only for an agent that holds none (serialised here, so two racing registrations cannot both win). */
  | { type: 'register'; agent_id: string }
  /** `reset-token`: revoke all and issue one, only for an agent that holds a token. */
  | { type: 'reset'; agent_id: string }
  | { type: 'list' }
  | { type: 'revoke'; agent_id: string }
  | { type: 'has_tokens'; agent_id: string }
  /** The admin token created at this start, handed out once (for the one-time print); null after. */
  | { type: 'take_new_admin_token' }

export type Principal = { agent_id: string; role: TokenRole }
export type CreatedToken = { agent_id: string; token: string }
export type RegisterReply = { ok: true; agent_id: string; token: string } | { ok: false; error: 'already_registered' }
export type ResetReply = { ok: true; agent_id: string; token: string } | { ok: false; error: 'not_found' }
export type AdminBootstrap = { token: string; file: string } | null

export interface AuthArgs {
  storage: Storage
  /** Where `admin.token` lives; absent → no admin token file (tests of the actor alone). */
  dataDir?: string
}

export class AuthActor extends Actor<AuthCall, never, never, AuthArgs> {
  private table!: Table<string, TokenRecord>
  private newAdmin: AdminBootstrap = null

  override async init(args: AuthArgs): Promise<void> {
    this.table = args.storage.table<string, TokenRecord>('tokens')
    if (args.dataDir !== undefined) await this.ensureAdminToken(adminTokenPath(args.dataDir))
  }

  override async handleCall(msg: AuthCall): Promise<unknown> {
    switch (msg?.type) {
      case 'verify':
        return this.verify(msg.token)
      case 'create': {
        const agentId = checkedAgentId(msg.agent_id)
        if (agentId === null) return replyError(new TypeError('auth create: agent_id must be a non-empty string'))
        const role = msg.role === undefined ? 'agent' : msg.role
        if (!isTokenRole(role)) return replyError(new TypeError("auth create: role must be 'agent' or 'admin'"))
        const token = await this.issue(agentId, role)
        return { agent_id: agentId, token } satisfies CreatedToken
      }
      case 'register': {
        const agentId = checkedAgentId(msg.agent_id)
        if (agentId === null) return replyError(new TypeError('auth register: agent_id must be a non-empty string'))
        if (this.hasTokens(agentId)) return { ok: false, error: 'already_registered' } satisfies RegisterReply
        return { ok: true, agent_id: agentId, token: await this.issue(agentId, 'agent') } satisfies RegisterReply
      }
      case 'reset': {
        const agentId = checkedAgentId(msg.agent_id)
        if (agentId === null || !this.hasTokens(agentId)) return { ok: false, error: 'not_found' } satisfies ResetReply
        const role = this.roleOf(agentId)
        await this.removeAll(agentId)
        const token = await this.issue(agentId, role)
        this.closeSession(agentId)
        return { ok: true, agent_id: agentId, token } satisfies ResetReply
      }
      case 'list':
        return this.list()
      case 'revoke': {
        const agentId = checkedAgentId(msg.agent_id)
        if (agentId === null) return { revoked: 0 }
        const revoked = await this.removeAll(agentId)
        // closed even when nothing was stored: a session can only exist with a token, and a
        // token removed by an earlier revoke may still be in use on an open socket
        this.closeSession(agentId)
        return { revoked }
      }
      case 'has_tokens':
        return typeof msg.agent_id === 'string' && this.hasTokens(msg.agent_id)
      case 'take_new_admin_token': {
        const taken = this.newAdmin
        this.newAdmin = null
        return taken
      }
      default:
        return replyError(new TypeError(`auth: unknown call ${JSON.stringify((msg as { type?: unknown })?.type)}`))
    }
  }

  /** Never the tokens, never the hashes. */
  override snapshot(): unknown {
    const byRole = { agent: 0, admin: 0 }
    for (const record of this.records()) byRole[record.role]++
    return { tokens: byRole, admin_token_pending_print: this.newAdmin !== null }
  }

  // ---- operations --------------------------------------------------------------------------

  private verify(token: unknown): Principal | null {
    if (typeof token !== 'string' || token === '') return null
    const record = this.table.get(hashToken(token))
    return isTokenRecord(record) ? { agent_id: record.agent_id, role: record.role } : null
  }

  private async issue(agentId: string, role: TokenRole): Promise<string> {
    const token = generateToken()
    await this.store(token, agentId, role)
    return token
  }

  private async store(token: string, agentId: string, role: TokenRole): Promise<void> {
    const record: TokenRecord = { agent_id: agentId, role, created_at: this.ctx.clock.now(), prefix: tokenPrefix(token) }
    await this.table.put(hashToken(token), record) // resolves after the commit: durable before the reply
  }

  private async removeAll(agentId: string): Promise<number> {
    const keys: string[] = []
    for (const { key, value } of this.table.entries()) if (isTokenRecord(value) && value.agent_id === agentId) keys.push(key)
    if (keys.length === 0) return 0
    await Promise.all(keys.map((key) => this.table.remove(key))) // one event-loop turn → one transaction
    return keys.length
  }

  private list(): TokenListing[] {
    return [...this.records()].sort(byCreation).map(listingOf)
  }

  private hasTokens(agentId: string): boolean {
    for (const record of this.records()) if (record.agent_id === agentId) return true
    return false
  }

  private roleOf(agentId: string): TokenRole {
    for (const record of this.records()) if (record.agent_id === agentId && record.role === 'admin') return 'admin'
    return 'agent'
  }

  private *records(): Iterable<TokenRecord> {
    for (const value of this.table.values()) if (isTokenRecord(value)) yield value
  }

  private closeSession(agentId: string): void {
    this.ctx.system.whereis(sessionName(agentId))?.cast({ type: 'close', ...CLOSE.tokenRevoked })
    this.ctx.publish(AUTH_TOPIC, { type: 'token_revoked', agent_id: agentId })
  }

  // ---- first start -------------------------------------------------------------------------

  private async ensureAdminToken(file: string): Promise<void> {
    for (const record of this.records()) if (record.role === 'admin') return
    const fromFile = readAdminTokenFile(file)
    if (fromFile !== null) {
      // the store lost its tokens (fresh or degraded): keep the operator's token working
      await this.store(fromFile, ADMIN_AGENT_ID, 'admin')
      this.ctx.log.warn('auth: no admin token in the store; re-registered the one in admin.token', { file })
      return
    }
    const token = generateToken()
    writeAdminTokenFile(file, token)
    await this.store(token, ADMIN_AGENT_ID, 'admin')
    this.newAdmin = { token, file }
    this.ctx.log.info('auth: created the admin token', { file })
  }
}

function checkedAgentId(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null
}
