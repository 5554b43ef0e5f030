// The `repo-registry` actor (smart-pipeline.md §8): the priority-ordered repository list, stored
// whole under key `repos` of table `repo_registry` (the order is the priority). Operations are
// the pure functions of repo-operations.ts; a change is committed before it is answered.
//
// Every successful operation publishes `{type:'repo_registry_update', detail:'changed', op,
// repo_id}` on topic `repo_registry` and casts a `trigger` to the scheduler. Deviation: the
// original scheduler did not listen, so unpausing a repo left its tasks waiting until some
// other event started a pass.

import { Actor, replyError } from '../runtime'
import { ACTOR, TOPIC } from '../names'
import type { Storage, Table } from '../../storage'
import type { RepoEntry } from './repo-entry'
import {
  addRepo,
  moveRepoDown,
  moveRepoUp,
  pauseRepo,
  pausedRepoUrls,
  removeRepo,
  topActiveRepoUrl,
  unpauseRepo,
  type RepoError,
  type RepoResult,
} from './repo-operations'

export const REPO_REGISTRY_TABLE = 'repo_registry'
export const REPOS_KEY = 'repos'

export type RepoOp = 'add' | 'remove' | 'move_up' | 'move_down' | 'pause' | 'unpause'

export type RepoReply = { ok: true; repo: RepoEntry; repos: RepoEntry[]; changed: boolean } | { ok: false; error: RepoError; detail: string }

export type RepoRegistryCall =
  | { type: 'list' }
  | { type: 'get'; repo_id: string }
  | { type: 'add'; url: unknown; name?: unknown; added_by?: string }
  | { type: 'remove' | 'move_up' | 'move_down' | 'pause' | 'unpause'; repo_id: string }
  | { type: 'paused_repos' }
  | { type: 'top_active_repo' }

export interface RepoRegistryArgs {
  storage: Storage
}

export class RepoRegistryActor extends Actor<RepoRegistryCall, never, never, RepoRegistryArgs> {
  private table!: Table<string, RepoEntry[]>
  private repos: RepoEntry[] = []

  override init(args: RepoRegistryArgs): void {
    this.table = args.storage.table<string, RepoEntry[]>(REPO_REGISTRY_TABLE)
    const stored = this.table.get(REPOS_KEY)
    this.repos = Array.isArray(stored) ? stored.filter((r) => r && typeof r.id === 'string' && typeof r.url === 'string') : []
  }

  override handleCall(msg: RepoRegistryCall): unknown {
    switch (msg?.type) {
      case 'list':
        return [...this.repos]
      case 'get':
        return this.repos.find((r) => r.id === msg.repo_id) ?? null
      case 'paused_repos':
        return pausedRepoUrls(this.repos)
      case 'top_active_repo':
        return topActiveRepoUrl(this.repos)
      case 'add':
        return this.apply('add', addRepo(this.repos, { url: msg.url, name: msg.name, added_by: typeof msg.added_by === 'string' ? msg.added_by : undefined }, this.ctx.clock.now()))
      case 'remove':
        return this.apply('remove', removeRepo(this.repos, String(msg.repo_id)))
      case 'move_up':
        return this.apply('move_up', moveRepoUp(this.repos, String(msg.repo_id)))
      case 'move_down':
        return this.apply('move_down', moveRepoDown(this.repos, String(msg.repo_id)))
      case 'pause':
        return this.apply('pause', pauseRepo(this.repos, String(msg.repo_id)))
      case 'unpause':
        return this.apply('unpause', unpauseRepo(this.repos, String(msg.repo_id)))
      default:
        return replyError(new TypeError(`repo-registry: unknown call ${JSON.stringify((msg as { type?: unknown })?.type)}`))
    }
  }

  override snapshot(): unknown {
    return { repos: this.repos }
  }

  private async apply(op: RepoOp, result: RepoResult): Promise<RepoReply> {
    if (!result.ok) return result
    if (result.changed) {
      await this.table.put(REPOS_KEY, result.repos)
      this.repos = result.repos
    }
    this.ctx.publish(TOPIC.repoRegistry, { type: 'repo_registry_update', detail: 'changed', op, repo_id: result.entry.id })
    if (result.changed) this.ctx.system.whereis(ACTOR.scheduler)?.cast({ type: 'trigger', reason: `repo_${op}` })
    return { ok: true, repo: result.entry, repos: [...this.repos], changed: result.changed }
  }
}
