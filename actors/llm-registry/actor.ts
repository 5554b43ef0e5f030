// The `llm-registry` actor (smart-pipeline.md §4, §5): the LMDB-persisted Ollama endpoints,
// their health, and the in-memory host resources of the sidecars.
//
// Health: a round probes every endpoint concurrently (GET /api/tags + /api/ps, 5 s deadline)
// OUTSIDE the mailbox — readers (the scheduler's `routing_inputs`) are never blocked by a dead
// endpoint; the results come back as a `probe_results` cast and are applied to whatever records
// exist then. Rounds run at start-up, every 30 s, and a single-endpoint probe right after each
// registration (deviation: the original waited up to 30 s, leaving new endpoints un-routable).
// Every reply that reports a change is sent only after its LMDB write committed.
//
// Events on topic `llm_registry`: `{type:'llm_registry_update', detail:'endpoint_changed',
// reason, ids}` — on registration, removal, and a round that changed a status or model list.

import { Actor, noReply, replyError, type From, type SystemInfo } from '../runtime'
import { TOPIC } from '../names'
import type { Table } from '../../storage'
import type { Storage } from '../../storage'
import {
  endpointId,
  parseAgentRegistration,
  parseManualRegistration,
  registerEndpoint,
  resetForStartup,
  withoutHostAgent,
  type EndpointRecord,
  type EndpointRegistration,
} from './endpoint'
import { HEALTH_CHECK_INTERVAL_MS, HEALTH_PROBE_TIMEOUT_MS, applyProbeResult, probeAll, type Probe, type ProbeResult } from './health'
import { probeOllama } from './health-probe'
import { RESOURCE_SWEEP_INTERVAL_MS, resourceEntryFromReport, sweepStaleResources, withWorkspaceRepo, type HostResources } from './host-resources'
import { buildSnapshot, type LlmRegistrySnapshot } from './snapshot'

export const LLM_REGISTRY_TABLE = 'llm_registry'

export type LlmRegistryError = 'invalid_params' | 'invalid_ollama_url' | 'not_found'

export type RegisterReply = { ok: true; endpoint: EndpointRecord } | { ok: false; error: LlmRegistryError; detail: string }
export type RemoveReply = { ok: true; id: string } | { ok: false; error: 'not_found'; detail: string }

export interface RoutingInputs {
  endpoints: EndpointRecord[]
  resources: HostResources
}

export type LlmRegistryCall =
  /** HTTP POST /api/admin/llm-registry and dashboard `register_llm_endpoint` */
  | { type: 'register'; host: unknown; port?: unknown; name?: unknown; source?: 'manual' }
  /** identify.ollama_url and `ollama_report`; `peer_address` = the socket's remote address */
  | { type: 'register_local'; agent_id: string; ollama_url: unknown; peer_address?: string | null }
  | { type: 'remove'; id: string }
  | { type: 'get'; id: string }
  | { type: 'list' }
  | { type: 'snapshot' }
  | { type: 'routing_inputs' }
  /** runs a full health round now and answers after it was applied (tests, console) */
  | { type: 'check_now' }

export type LlmRegistryCast =
  | { type: 'resource_report'; agent_id: string; report: unknown }
  /** an agent was assigned a task of `repo`: its warm workspace (LoadScorer affinity) */
  | { type: 'workspace_repo'; agent_id: string; repo: string | null }
  /** internal: a round's or a registration probe's results */
  | { type: 'probe_results'; round: number; results: Array<[string, ProbeResult]> }

export type LlmRegistryInfo = { type: 'health_tick' } | { type: 'resource_sweep' }

export interface LlmRegistryArgs {
  storage: Storage
  /** default: the real HTTP probe with `probeTimeoutMs` */
  probe?: Probe
  probeTimeoutMs?: number
  healthIntervalMs?: number
  resourceSweepIntervalMs?: number
}

export class LlmRegistryActor extends Actor<LlmRegistryCall, LlmRegistryCast, LlmRegistryInfo, LlmRegistryArgs> {
  private table!: Table<string, EndpointRecord>
  private probe!: Probe
  private readonly endpoints = new Map<string, EndpointRecord>()
  private resources: HostResources = {}
  /** agent → the endpoint its host runs (to move it when the agent reports another URL) */
  private readonly agentEndpoint = new Map<string, string>()
  private roundSeq = 0
  /** the full round whose results are still out (the 30 s tick skips while one is) */
  private fullRound: number | null = null
  private readonly waitingForRound = new Map<number, From[]>()

  override init(args: LlmRegistryArgs): void {
    this.table = args.storage.table<string, EndpointRecord>(LLM_REGISTRY_TABLE)
    const timeoutMs = args.probeTimeoutMs ?? HEALTH_PROBE_TIMEOUT_MS
    const clock = this.ctx.clock
    this.probe = args.probe ?? ((e) => probeOllama(e, { timeoutMs, now: () => clock.now() }))
    for (const { key, value } of this.table.entries()) {
      if (!value || typeof value !== 'object') continue
      const record = resetForStartup({ ...value, host_agents: value.host_agents ?? [], loaded_models: value.loaded_models ?? [], last_error: value.last_error ?? null })
      this.endpoints.set(key, record)
      for (const agent of record.host_agents) this.agentEndpoint.set(agent, key)
    }
    this.ctx.interval({ type: 'health_tick' }, args.healthIntervalMs ?? HEALTH_CHECK_INTERVAL_MS)
    this.ctx.interval({ type: 'resource_sweep' }, args.resourceSweepIntervalMs ?? RESOURCE_SWEEP_INTERVAL_MS)
    this.startRound()
  }

  override handleCall(msg: LlmRegistryCall, from: From): unknown {
    switch (msg?.type) {
      case 'register':
        return this.register(parseManualRegistration(msg))
      case 'register_local': {
        if (typeof msg.agent_id !== 'string' || msg.agent_id === '') return { ok: false, error: 'invalid_params', detail: 'agent_id is required' }
        return this.register(parseAgentRegistration(msg.agent_id, msg.ollama_url, { peerAddress: msg.peer_address ?? null }))
      }
      case 'remove':
        return this.remove(msg.id)
      case 'get':
        return this.endpoints.get(String(msg.id)) ?? null
      case 'list':
        return this.sortedEndpoints()
      case 'snapshot':
        return this.snapshotView()
      case 'routing_inputs':
        return { endpoints: this.sortedEndpoints(), resources: this.resources } satisfies RoutingInputs
      case 'check_now':
        return this.checkNow(from)
      default:
        return replyError(new TypeError(`llm-registry: unknown call ${JSON.stringify((msg as { type?: unknown })?.type)}`))
    }
  }

  override async handleCast(msg: LlmRegistryCast): Promise<void> {
    switch (msg?.type) {
      case 'resource_report':
        if (typeof msg.agent_id === 'string' && msg.agent_id !== '') {
          const now = this.ctx.clock.now()
          this.resources = { ...this.resources, [msg.agent_id]: resourceEntryFromReport(msg.report, msg.agent_id, now, this.resources[msg.agent_id]) }
        }
        return
      case 'workspace_repo':
        if (typeof msg.agent_id === 'string') this.resources = withWorkspaceRepo(this.resources, msg.agent_id, msg.repo ?? null)
        return
      case 'probe_results':
        return this.applyResults(msg.round, msg.results)
    }
  }

  override handleInfo(msg: LlmRegistryInfo | SystemInfo): void {
    if (msg.type === 'health_tick') {
      if (this.fullRound === null) this.startRound()
    } else if (msg.type === 'resource_sweep') {
      this.resources = sweepStaleResources(this.resources, this.ctx.clock.now()).resources
    }
  }

  override snapshot(): unknown {
    return { ...this.snapshotView(), round_in_flight: this.fullRound !== null, rounds: this.roundSeq }
  }

  // ---- registration ------------------------------------------------------------------------

  private async register(parsed: ReturnType<typeof parseManualRegistration>): Promise<RegisterReply> {
    if (!parsed.ok) return { ok: false, error: parsed.error, detail: parsed.detail }
    const reg: EndpointRegistration = parsed.value
    const id = endpointId(reg.host, reg.port)
    const writes: Array<Promise<void>> = []
    if (reg.agent_id !== null) {
      const previous = this.agentEndpoint.get(reg.agent_id)
      if (previous !== undefined && previous !== id) {
        const old = this.endpoints.get(previous)
        if (old) {
          const moved = withoutHostAgent(old, reg.agent_id)
          this.endpoints.set(previous, moved)
          writes.push(this.table.put(previous, moved))
        }
      }
      this.agentEndpoint.set(reg.agent_id, id)
    }
    const record = registerEndpoint(this.endpoints.get(id), reg, this.ctx.clock.now())
    this.endpoints.set(id, record)
    writes.push(this.table.put(id, record))
    await Promise.all(writes)
    this.announce('registered', [id])
    this.probeOne(record)
    return { ok: true, endpoint: record }
  }

  private async remove(id: unknown): Promise<RemoveReply> {
    const key = String(id)
    if (!this.endpoints.has(key)) return { ok: false, error: 'not_found', detail: `no endpoint ${JSON.stringify(key)}` }
    this.endpoints.delete(key)
    for (const [agent, endpoint] of this.agentEndpoint) if (endpoint === key) this.agentEndpoint.delete(agent)
    await this.table.remove(key)
    this.announce('removed', [key])
    return { ok: true, id: key }
  }

  // ---- health --------------------------------------------------------------------------------

  private startRound(): number {
    const round = ++this.roundSeq
    this.fullRound = round
    this.launch(round, this.sortedEndpoints())
    return round
  }

  private probeOne(record: EndpointRecord): void {
    this.launch(++this.roundSeq, [record])
  }

  /** Probes outside the mailbox; the results come back as a cast. */
  private launch(round: number, targets: EndpointRecord[]): void {
    const self = this.ctx.self
    const targetsView = targets.map(({ id, host, port }) => ({ id, host, port }))
    probeAll(targetsView, this.probe).then(
      (results) => self.cast({ type: 'probe_results', round, results: [...results] }),
      () => self.cast({ type: 'probe_results', round, results: [] }),
    )
  }

  private checkNow(from: From): typeof noReply {
    const round = this.startRound()
    this.waitingForRound.set(round, [...(this.waitingForRound.get(round) ?? []), from])
    return noReply
  }

  private async applyResults(round: number, results: Array<[string, ProbeResult]>): Promise<void> {
    const now = this.ctx.clock.now()
    const changed: string[] = []
    const writes: Array<Promise<void>> = []
    for (const [id, result] of results) {
      const current = this.endpoints.get(id)
      if (!current) continue // removed during the round
      const t = applyProbeResult(current, result, now)
      this.endpoints.set(id, t.record)
      writes.push(this.table.put(id, t.record))
      if (t.status_changed || modelsDiffer(current.models, t.record.models)) changed.push(id)
    }
    if (round === this.fullRound) this.fullRound = null
    try {
      await Promise.all(writes)
    } catch (error) {
      this.ctx.log.warn('llm-registry: persisting health failed', { error: String(error) })
    }
    if (changed.length > 0) this.announce('health', changed)
    const waiting = this.waitingForRound.get(round)
    if (waiting) {
      this.waitingForRound.delete(round)
      const endpoints = this.sortedEndpoints()
      for (const f of waiting) f.reply(endpoints)
    }
  }

  // ---- views -----------------------------------------------------------------------------------

  private sortedEndpoints(): EndpointRecord[] {
    return [...this.endpoints.values()].sort((a, b) => a.registered_at - b.registered_at || a.id.localeCompare(b.id))
  }

  private snapshotView(): LlmRegistrySnapshot {
    return buildSnapshot(this.sortedEndpoints(), this.resources)
  }

  private announce(reason: 'registered' | 'removed' | 'health', ids: string[]): void {
    this.ctx.publish(TOPIC.llmRegistry, { type: 'llm_registry_update', detail: 'endpoint_changed', reason, ids })
  }
}

function modelsDiffer(a: readonly string[], b: readonly string[]): boolean {
  return a.length !== b.length || a.some((m, i) => m !== b[i])
}
