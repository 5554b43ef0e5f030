// A stand-in for the hub's dashboard side, speaking the exact frames of protocol.md §5 and
// smart-pipeline.md §11.2 plus the auth contract of ui/README.md, on 127.0.0.1 port 0:
//   GET /dashboard, /ui/*, /ui/vendor/* (uPlot from node_modules), /sw.js  — static files
//   GET /api/dashboard/vapid-key, POST /api/dashboard/push-subscribe, POST /api/tasks — Bearer
//   WS  /ws/dashboard — first frame {"type":"auth","token"} → initial snapshot | auth_failed + 1008
// It keeps a small hub state so that `request_snapshot` answers agree with the events it sent,
// and records every HTTP request and socket command for the tests to inspect.
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, resolve, sep } from 'node:path'
import type { Duplex } from 'node:stream'
import webPush from 'web-push'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'

const REPO_ROOT = resolve(__dirname, '../..')
const UI_DIR = join(REPO_ROOT, 'ui')
const UPLOT_DIR = join(REPO_ROOT, 'node_modules/uplot/dist')
/** The policy ui/README.md recommends for /dashboard; the page must work under it. */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
}

// ---- wire shapes (protocol.md §5.3, hardening.md §4.1, smart-pipeline.md §4.4/§8.1) ----------

export type Role = 'admin' | 'viewer'
export interface AgentView {
  agent_id: string
  name: string
  fsm_state: 'idle' | 'assigned' | 'working' | 'blocked' | 'offline'
  current_task_id: string | null
  capabilities: Array<{ name: string }>
  connected_at: number
  last_state_change: number
}
export interface QueuedTaskView {
  id: string
  description: string
  priority: number
  submitted_by: string
  created_at: number
  complexity_tier: string | null
}
export interface DeadLetterView {
  id: string
  description: string
  last_error: string
  retry_count: number
  created_at: number
  priority: number
}
export interface CompletionView {
  task_id: string
  agent_id: string
  description: string
  duration_ms: number
  tokens_used: number
  completed_at: number
  verification_report: { status: string } | null
  routing_decision: Record<string, unknown> | null
  execution_meta: Record<string, unknown> | null
}
export interface Alert {
  rule_id: string
  severity: 'warning' | 'critical'
  message: string
  details: Record<string, unknown>
  fired_at: number
  acknowledged: boolean
}
export interface LlmEndpoint {
  id: string
  host: string
  port: number
  name: string | null
  source: 'auto' | 'manual'
  status: 'unknown' | 'healthy' | 'unhealthy'
  models: string[]
  registered_at: number
  last_checked_at: number | null
  consecutive_failures: number
}
export interface ResourceEntry {
  cpu_percent: number
  ram_used_bytes: number
  ram_total_bytes: number
  vram_used_bytes: number
  vram_total_bytes: number
  source_agent_id: null
  reported_at: number
}
export interface RepoEntry {
  id: string
  url: string
  name: string
  status: 'active' | 'paused'
  added_at: number
  added_by: 'admin'
}
export interface MetricsSnapshot {
  timestamp: number
  window_ms: number
  queue_depth: { current: number; trend: number[]; max_1h: number; avg_1h: number }
  task_latency: {
    window: { p50: number; p90: number; p99: number; count: number; min: number; max: number; mean: number }
    cumulative: { p50: number; p90: number; p99: number; count: number }
  }
  agent_utilization: {
    system: { total_agents: number; agents_online: number; agents_idle: number; agents_working: number; utilization_pct: number }
    per_agent: Array<{ agent_id: string; state: string; idle_pct_1h: number; working_pct_1h: number; blocked_pct_1h: number; tasks_completed_1h: number; avg_task_duration_ms: number }>
  }
  error_rates: {
    window: { total_tasks: number; failed: number; dead_letter: number; failure_rate_pct: number }
    cumulative: { total_tasks: number; failed: number; dead_letter: number; failure_rate_pct: number }
  }
}
export type DashboardEvent =
  | { type: 'task_event'; task_id: string; event: string; agent_id: string | null; timestamp: number }
  | { type: 'agent_joined'; agent_id: string; name: string; capabilities: Array<{ name: string }> }
  | { type: 'agent_left'; agent_id: string }
  | { type: 'status_changed'; agent_id: string; status: string }
  | { type: 'backup_complete'; timestamp: number; tables_backed_up: string[] }
  | { type: 'backup_failed'; timestamp: number; reason: string; backup_dir: string; trigger: string }
  | { type: 'metrics_snapshot'; data: MetricsSnapshot }
  | { type: 'alert_fired'; data: Alert }
  | { type: 'alert_cleared'; rule_id: string }
  | { type: 'alert_acknowledged'; rule_id: string }
  | { type: 'llm_registry_update'; detail: 'endpoint_changed' }
  | { type: 'repo_registry_update'; detail: 'changed' }

export interface RecordedRequest {
  method: string
  url: string
  authorization: string | null
  body: string
}
export interface RecordedCommand {
  connection: number
  role: Role
  frame: Record<string, unknown>
}
export interface FakeHubState {
  startedAt: number
  agents: AgentView[]
  queued: QueuedTaskView[]
  assigned: Map<string, { task: QueuedTaskView; agent_id: string; assigned_at: number }>
  deadLetter: DeadLetterView[]
  completions: CompletionView[]
  completedThisHour: number
  tokensThisHour: number
  alerts: Alert[]
  health: { status: 'ok' | 'warning' | 'critical'; conditions: string[] }
  llmEndpoints: LlmEndpoint[]
  resources: Record<string, ResourceEntry>
  repos: RepoEntry[]
  lastBackupAt: number | null
}
export interface FakeDashboardKnobs {
  /** false: `request_snapshot` goes unanswered (tests that must see event handling alone) */
  answerSnapshotRequests: boolean
}

export interface FakeDashboard {
  url: string
  tokens: Record<Role, string>
  state: FakeHubState
  knobs: FakeDashboardKnobs
  requests: RecordedRequest[]
  commands: RecordedCommand[]
  /** sockets that were accepted (authenticated) so far */
  authenticatedConnections(): number
  /** a command of `type` recorded at index ≥ `fromIndex`; waits up to `timeoutMs` */
  waitForCommand(type: string, options?: { fromIndex?: number; timeoutMs?: number }): Promise<RecordedCommand>
  snapshot(): Record<string, unknown>
  emit(event: DashboardEvent): void
  agentJoins(agent: { agent_id: string; name: string; capabilities?: string[] }): void
  submitTask(task: { id: string; description: string; priority?: number }): void
  assignTask(taskId: string, agentId: string): void
  completeTask(taskId: string, result: { tokens: number; durationMs: number; model?: string }): void
  streamExecution(taskId: string, event: { event_type: string; text: string; tokens_so_far?: number | null; model?: string | null }): void
  publishMetrics(metrics: MetricsSnapshot): void
  fireAlert(alert: Alert): void
  /** terminates every dashboard socket (as a crashed hub or dropped network would) */
  dropConnections(): void
  close(): Promise<void>
}

// ---- the fake ----------------------------------------------------------------------------

const PRIORITY_BY_NAME: Readonly<Record<string, number>> = { urgent: 0, high: 1, normal: 2, low: 3 }

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) })
  res.end(payload)
}

async function sendFile(res: ServerResponse, root: string, relative: string, headers: Record<string, string> = {}): Promise<void> {
  const target = resolve(root, relative)
  if (relative.includes('\0') || !target.startsWith(root + sep)) return sendJson(res, 404, { error: 'not_found' })
  try {
    const body = await readFile(target)
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(target)] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...headers })
    res.end(body)
  } catch {
    sendJson(res, 404, { error: 'not_found' })
  }
}

function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization
  const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header) : null
  return match ? match[1].trim() : null
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function repoIdFor(url: string): string {
  return url.replace(/\/+$/, '').replace(/\.git$/, '').replace(/^https?:\/\/[^/]+\//, '').replace(/\//g, '-')
}

export function initialHubState(now: number): FakeHubState {
  return {
    startedAt: now - 3 * 3600000 - 17 * 60000,
    agents: [],
    queued: [],
    assigned: new Map(),
    deadLetter: [],
    completions: [],
    completedThisHour: 0,
    tokensThisHour: 0,
    alerts: [],
    health: { status: 'ok', conditions: [] },
    llmEndpoints: [],
    resources: {},
    repos: [],
    lastBackupAt: null,
  }
}

export async function startFakeDashboardServer(options: { flushIntervalMs?: number; authTimeoutMs?: number } = {}): Promise<FakeDashboard> {
  const flushIntervalMs = options.flushIntervalMs ?? 100
  const authTimeoutMs = options.authTimeoutMs ?? 5000
  const tokens: Record<Role, string> = { admin: randomHex(32), viewer: randomHex(32) }
  const state = initialHubState(Date.now())
  const knobs: FakeDashboardKnobs = { answerSnapshotRequests: true }
  const requests: RecordedRequest[] = []
  const commands: RecordedCommand[] = []
  const vapid = webPush.generateVAPIDKeys()
  const sessions = new Map<WebSocket, { connection: number; role: Role }>()
  const commandWaiters: Array<() => void> = []
  let pending: DashboardEvent[] = []
  let connectionSequence = 0
  let authenticated = 0

  const roleFor = (token: unknown): Role | null => (token === tokens.admin ? 'admin' : token === tokens.viewer ? 'viewer' : null)

  function snapshot(): Record<string, unknown> {
    const now = Date.now()
    const byPriority: Record<string, number> = { '0': 0, '1': 0, '2': 0, '3': 0 }
    for (const task of state.queued) byPriority[String(task.priority)] += 1
    const durations = state.completions.map((entry) => entry.duration_ms)
    return {
      uptime_ms: now - state.startedAt,
      timestamp: now,
      health: state.health,
      agents: state.agents,
      queue: {
        by_status: { queued: state.queued.length, assigned: state.assigned.size, completed: state.completions.length },
        by_priority: byPriority,
        dead_letter: state.deadLetter.length,
      },
      dead_letter_tasks: state.deadLetter,
      queued_tasks: state.queued,
      recent_completions: state.completions.slice(0, 100),
      throughput: {
        completed_last_hour: state.completedThisHour,
        avg_completion_ms: durations.length ? Math.floor(durations.reduce((a, b) => a + b, 0) / durations.length) : 0,
        total_tokens_hour: state.tokensThisHour,
      },
      dets_health: {
        tables: [
          { table: 'task_queue', record_count: state.queued.length + state.assigned.size + state.completions.length, file_size_bytes: 2_621_440, fragmentation_ratio: 0.12, status: 'ok' },
          { table: 'task_dead_letter', record_count: state.deadLetter.length, file_size_bytes: 65_536, fragmentation_ratio: 0.04, status: 'ok' },
          { table: 'repo_registry', record_count: 1, file_size_bytes: 8_192, fragmentation_ratio: 0, status: 'ok' },
          { table: 'llm_registry', record_count: state.llmEndpoints.length, file_size_bytes: 12_288, fragmentation_ratio: 0.61, status: 'ok' },
        ],
        last_backup_at: state.lastBackupAt,
        last_backup_results: [],
        last_compaction_at: now - 5 * 3600000,
        compaction_history: [],
      },
      compaction_history: [],
      validation: {
        recent_failures: [{ agent_id: 'agent-gamma', message_type: 'task_progress', error_count: 2, timestamp: now - 240000 }],
        failure_counts_by_agent: { 'agent-gamma': 2 },
        recent_disconnects: [],
        total_failures_this_hour: 2,
      },
      active_alerts: state.alerts,
      rate_limits: {
        summary: { total_violations_1h: 3, active_rate_limited: 0, exempt_count: 1, top_offenders: [{ agent_id: 'agent-gamma', count: 3, rate_limited: false }] },
        per_agent: Object.fromEntries(
          state.agents.map((agent, index) => [
            agent.agent_id,
            {
              ws: { light: { remaining: 110, capacity: 120, usage_pct: 8.3 }, normal: { remaining: 60 - index * 21, capacity: 60, usage_pct: index * 35 }, heavy: { remaining: 10, capacity: 10, usage_pct: 0 } },
              http: { light: { remaining: 120, capacity: 120, usage_pct: 0 }, normal: { remaining: 60, capacity: 60, usage_pct: 0 }, heavy: { remaining: 10, capacity: 10, usage_pct: 0 } },
              violations: { consecutive: 0, total_in_window: 0 },
              rate_limited: false,
              exempt: false,
            },
          ]),
        ),
      },
      llm_registry: {
        endpoints: state.llmEndpoints,
        resources: state.resources,
        fleet_models: state.llmEndpoints.reduce<Record<string, number>>((models, endpoint) => {
          for (const model of endpoint.models) models[model] = (models[model] ?? 0) + 1
          return models
        }, {}),
      },
      repo_registry: { repos: state.repos },
      routing_stats: { total_routed: state.completions.length, by_tier: { standard: state.completions.length }, by_target: { ollama: state.completions.length }, fallback_count: 0 },
    }
  }

  function sendTo(socket: WebSocket, frame: unknown): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame))
  }

  function broadcast(frame: unknown): void {
    for (const socket of sessions.keys()) sendTo(socket, frame)
  }

  function emit(event: DashboardEvent): void {
    pending.push(event)
  }

  // Events batch every 100 ms, only when something is pending (protocol.md §5.1).
  const flushTimer = setInterval(() => {
    if (!pending.length) return
    const batch = pending
    pending = []
    broadcast({ type: 'events', data: batch })
  }, flushIntervalMs)

  function taskEvent(taskId: string, event: string, agentId: string | null): void {
    emit({ type: 'task_event', task_id: taskId, event, agent_id: agentId, timestamp: Date.now() })
  }

  function setAgent(agentId: string, fields: Partial<AgentView>): void {
    state.agents = state.agents.map((agent) => (agent.agent_id === agentId ? { ...agent, ...fields, last_state_change: Date.now() } : agent))
  }

  function handleCommand(socket: WebSocket, session: { connection: number; role: Role }, frame: Record<string, unknown>): void {
    commands.push({ connection: session.connection, role: session.role, frame })
    for (const wake of commandWaiters.splice(0)) wake()
    const type = frame.type
    if (type === 'request_snapshot') {
      if (knobs.answerSnapshotRequests) sendTo(socket, { type: 'snapshot', data: snapshot() })
      return
    }
    if (type === 'ping') return
    if (session.role !== 'admin') {
      if (typeof type === 'string') sendTo(socket, { type: 'command_rejected', command: type, error: 'forbidden' })
      return
    }
    switch (type) {
      case 'retry_task': {
        const task = state.deadLetter.find((entry) => entry.id === frame.task_id)
        if (!task) {
          sendTo(socket, { type: 'retry_result', task_id: frame.task_id, status: 'not_found' })
          return
        }
        state.deadLetter = state.deadLetter.filter((entry) => entry !== task)
        state.queued.push({ id: task.id, description: task.description, priority: task.priority, submitted_by: 'dashboard', created_at: task.created_at, complexity_tier: null })
        sendTo(socket, { type: 'retry_result', task_id: task.id, status: 'requeued' })
        taskEvent(task.id, 'task_retried', null)
        return
      }
      case 'acknowledge_alert': {
        const alert = state.alerts.find((entry) => entry.rule_id === frame.rule_id)
        if (!alert) {
          sendTo(socket, { type: 'alert_ack_result', rule_id: frame.rule_id, status: 'not_found' })
          return
        }
        alert.acknowledged = true
        sendTo(socket, { type: 'alert_ack_result', rule_id: alert.rule_id, status: 'acknowledged' })
        emit({ type: 'alert_acknowledged', rule_id: alert.rule_id })
        return
      }
      case 'register_llm_endpoint': {
        if (typeof frame.host !== 'string' || !frame.host) {
          sendTo(socket, { type: 'llm_endpoint_error', error: 'invalid_params' })
          return
        }
        const host = frame.host.replace(/^https?:\/\//, '').replace(/\/$/, '')
        const port = typeof frame.port === 'number' ? frame.port : 11434
        const endpoint: LlmEndpoint = {
          id: `${host}:${port}`,
          host,
          port,
          name: typeof frame.name === 'string' ? frame.name : `${frame.host}:${port}`,
          source: 'manual',
          status: 'unknown',
          models: [],
          registered_at: Date.now(),
          last_checked_at: null,
          consecutive_failures: 0,
        }
        state.llmEndpoints = [...state.llmEndpoints.filter((entry) => entry.id !== endpoint.id), endpoint]
        sendTo(socket, { type: 'llm_endpoint_registered', endpoint })
        emit({ type: 'llm_registry_update', detail: 'endpoint_changed' })
        return
      }
      case 'remove_llm_endpoint':
        state.llmEndpoints = state.llmEndpoints.filter((entry) => entry.id !== frame.id)
        sendTo(socket, { type: 'llm_endpoint_removed', id: frame.id })
        emit({ type: 'llm_registry_update', detail: 'endpoint_changed' })
        return
      case 'add_repo': {
        if (typeof frame.url !== 'string') return
        const id = repoIdFor(frame.url)
        if (state.repos.some((repo) => repo.id === id)) {
          sendTo(socket, { type: 'repo_error', error: 'repo_already_exists' })
          return
        }
        state.repos.push({ id, url: frame.url.replace(/\/+$/, '').replace(/\.git$/, ''), name: typeof frame.name === 'string' ? frame.name : id, status: 'active', added_at: Date.now(), added_by: 'admin' })
        sendTo(socket, { type: 'snapshot', data: snapshot() })
        return
      }
      case 'remove_repo':
      case 'move_repo_up':
      case 'move_repo_down':
      case 'pause_repo':
      case 'unpause_repo':
        applyRepoCommand(type, frame.repo_id)
        sendTo(socket, { type: 'snapshot', data: snapshot() })
        return
      default:
        return // unknown commands are ignored, as in the original
    }
  }

  function applyRepoCommand(type: string, repoId: unknown): void {
    const index = state.repos.findIndex((repo) => repo.id === repoId)
    if (index < 0) return
    const repos = [...state.repos]
    if (type === 'remove_repo') repos.splice(index, 1)
    else if (type === 'move_repo_up' && index > 0) [repos[index - 1], repos[index]] = [repos[index], repos[index - 1]]
    else if (type === 'move_repo_down' && index < repos.length - 1) [repos[index + 1], repos[index]] = [repos[index], repos[index + 1]]
    else if (type === 'pause_repo') repos[index] = { ...repos[index], status: 'paused' }
    else if (type === 'unpause_repo') repos[index] = { ...repos[index], status: 'active' }
    state.repos = repos
  }

  // ---- sockets: auth first frame, then commands ----
  const wss = new WebSocketServer({ noServer: true })
  wss.on('connection', (socket: WebSocket) => {
    connectionSequence += 1
    const connection = connectionSequence
    const authTimer = setTimeout(() => socket.close(1008, 'auth_timeout'), authTimeoutMs)
    socket.on('message', (data: RawData) => {
      let frame: unknown
      try {
        frame = JSON.parse(data.toString())
      } catch {
        frame = null
      }
      const session = sessions.get(socket)
      if (session) {
        if (isObject(frame)) handleCommand(socket, session, frame)
        return
      }
      clearTimeout(authTimer)
      const role = isObject(frame) && frame.type === 'auth' ? roleFor(frame.token) : null
      if (!role) {
        commands.push({ connection, role: 'viewer', frame: isObject(frame) ? { ...frame, token: '<redacted>' } : { type: '<invalid>' } })
        sendTo(socket, { type: 'auth_failed' })
        socket.close(1008, 'auth_failed')
        return
      }
      sessions.set(socket, { connection, role })
      authenticated += 1
      commands.push({ connection, role, frame: { type: 'auth', token: '<redacted>' } })
      for (const wake of commandWaiters.splice(0)) wake()
      sendTo(socket, { type: 'snapshot', data: snapshot(), alerts: state.alerts, role })
    })
    socket.on('close', () => {
      clearTimeout(authTimer)
      sessions.delete(socket)
    })
    socket.on('error', () => sessions.delete(socket))
  })

  // ---- HTTP ----
  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '', authorization: req.headers.authorization ?? null, body })
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (req.method === 'GET' && path === '/dashboard') return sendFile(res, UI_DIR, 'index.html', { 'content-security-policy': DASHBOARD_CSP, 'referrer-policy': 'no-referrer' })
    if (req.method === 'GET' && path === '/sw.js') return sendFile(res, UI_DIR, 'sw.js', { 'service-worker-allowed': '/' })
    if (req.method === 'GET' && path.startsWith('/ui/vendor/')) return sendFile(res, UPLOT_DIR, decodeURIComponent(path.slice('/ui/vendor/'.length)))
    if (req.method === 'GET' && path.startsWith('/ui/')) return sendFile(res, UI_DIR, decodeURIComponent(path.slice('/ui/'.length)))
    if (path.startsWith('/api/')) {
      const role = roleFor(bearerToken(req))
      if (!role) return sendJson(res, 401, { error: 'unauthorized', hint: 'provide Authorization: Bearer <token>' })
      if (req.method === 'GET' && path === '/api/dashboard/vapid-key') return sendJson(res, 200, { vapid_public_key: vapid.publicKey })
      if (req.method === 'POST' && path === '/api/dashboard/push-subscribe') {
        const parsed: unknown = JSON.parse(body || 'null')
        if (!isObject(parsed) || typeof parsed.endpoint !== 'string') return sendJson(res, 422, { error: 'validation_failed', errors: [{ field: 'endpoint', error: 'required' }] })
        return sendJson(res, 200, { status: 'subscribed' })
      }
      if (req.method === 'POST' && path === '/api/tasks') {
        if (role !== 'admin') return sendJson(res, 403, { error: 'forbidden' })
        const parsed: unknown = JSON.parse(body || 'null')
        if (!isObject(parsed) || typeof parsed.description !== 'string' || !parsed.description) {
          return sendJson(res, 422, { error: 'validation_failed', errors: [{ field: 'description', error: 'required' }] })
        }
        const id = `task-${randomHex(8)}`
        const priority = PRIORITY_BY_NAME[String(parsed.priority)] ?? 2
        fake.submitTask({ id, description: parsed.description, priority })
        return sendJson(res, 201, { status: 'queued', task_id: id, priority, created_at: Date.now() })
      }
    }
    sendJson(res, 404, { error: 'not_found' })
  }

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch(() => sendJson(res, 400, { error: 'invalid_json' }))
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    requests.push({ method: 'UPGRADE', url: req.url ?? '', authorization: req.headers.authorization ?? null, body: '' })
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/ws/dashboard') {
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen))
  const { port } = server.address() as AddressInfo

  const fake: FakeDashboard = {
    url: `http://127.0.0.1:${port}`,
    tokens,
    state,
    knobs,
    requests,
    commands,
    authenticatedConnections: () => authenticated,
    snapshot,
    emit,
    waitForCommand(type, { fromIndex = 0, timeoutMs = 5000 } = {}) {
      return new Promise((resolveCommand, reject) => {
        const deadline = setTimeout(() => {
          reject(new Error(`no "${type}" command within ${timeoutMs} ms; saw ${commands.slice(fromIndex).map((c) => String(c.frame.type)).join(', ') || 'nothing'}`))
        }, timeoutMs)
        const check = (): void => {
          const found = commands.slice(fromIndex).find((command) => command.frame.type === type)
          if (found) {
            clearTimeout(deadline)
            resolveCommand(found)
          } else {
            commandWaiters.push(check)
          }
        }
        check()
      })
    },
    agentJoins({ agent_id, name, capabilities = [] }) {
      const now = Date.now()
      const caps = capabilities.map((capability) => ({ name: capability }))
      state.agents = [...state.agents.filter((agent) => agent.agent_id !== agent_id), { agent_id, name, fsm_state: 'idle', current_task_id: null, capabilities: caps, connected_at: now, last_state_change: now }]
      emit({ type: 'agent_joined', agent_id, name, capabilities: caps })
    },
    submitTask({ id, description, priority = 2 }) {
      state.queued.push({ id, description, priority, submitted_by: 'dashboard', created_at: Date.now(), complexity_tier: 'standard' })
      taskEvent(id, 'task_submitted', null)
    },
    assignTask(taskId, agentId) {
      const task = state.queued.find((entry) => entry.id === taskId)
      if (!task) throw new Error(`fake: ${taskId} is not queued`)
      state.queued = state.queued.filter((entry) => entry !== task)
      state.assigned.set(taskId, { task, agent_id: agentId, assigned_at: Date.now() })
      setAgent(agentId, { fsm_state: 'assigned', current_task_id: taskId })
      taskEvent(taskId, 'task_assigned', agentId)
      setAgent(agentId, { fsm_state: 'working' })
      taskEvent(taskId, 'task_accepted', agentId)
    },
    // The hub publishes both the agent socket's report and the queue's completion on the task
    // topic; a dashboard that counted both would count this completion twice.
    completeTask(taskId, { tokens, durationMs, model = 'qwen2.5-coder:7b' }) {
      const assignment = state.assigned.get(taskId)
      if (!assignment) throw new Error(`fake: ${taskId} is not assigned`)
      state.assigned.delete(taskId)
      taskEvent(taskId, 'task_complete', assignment.agent_id)
      taskEvent(taskId, 'task_completed', assignment.agent_id)
      state.completions.unshift({
        task_id: taskId,
        agent_id: assignment.agent_id,
        description: assignment.task.description,
        duration_ms: durationMs,
        tokens_used: tokens,
        completed_at: Date.now(),
        verification_report: { status: 'pass' },
        routing_decision: { effective_tier: 'standard', target_type: 'ollama', selected_model: model, fallback_used: false },
        execution_meta: { model_used: model, tokens_in: Math.floor(tokens / 3), tokens_out: tokens - Math.floor(tokens / 3), estimated_cost_usd: 0, equivalent_claude_cost_usd: 0.012, execution_ms: durationMs },
      })
      state.completedThisHour += 1
      state.tokensThisHour += tokens
      setAgent(assignment.agent_id, { fsm_state: 'idle', current_task_id: null })
    },
    streamExecution(taskId, event) {
      broadcast({ type: 'execution_event', task_id: taskId, event_type: event.event_type, text: event.text, tokens_so_far: event.tokens_so_far ?? null, model: event.model ?? null, timestamp: Date.now() })
    },
    publishMetrics(metrics) {
      emit({ type: 'metrics_snapshot', data: metrics })
    },
    fireAlert(alert) {
      state.alerts = [...state.alerts.filter((entry) => entry.rule_id !== alert.rule_id), alert]
      emit({ type: 'alert_fired', data: alert })
    },
    dropConnections() {
      for (const socket of [...sessions.keys()]) socket.terminate()
      sessions.clear()
    },
    async close() {
      clearInterval(flushTimer)
      for (const wake of commandWaiters.splice(0)) wake()
      for (const socket of wss.clients) socket.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()))
    },
  }
  return fake
}

/** A metrics snapshot (hardening.md §4.1 shape) with the given headline figures. */
export function metricsSnapshot(at: number, figures: { queue: number; p50: number; p90: number; p99: number; utilization: number; failed?: number; agents?: string[] }): MetricsSnapshot {
  const agents = figures.agents ?? []
  const completed = 12
  const failed = figures.failed ?? 0
  return {
    timestamp: at,
    window_ms: 3600000,
    queue_depth: { current: figures.queue, trend: [figures.queue], max_1h: figures.queue, avg_1h: figures.queue },
    task_latency: {
      window: { p50: figures.p50, p90: figures.p90, p99: figures.p99, count: completed, min: Math.floor(figures.p50 / 2), max: figures.p99, mean: figures.p50 },
      cumulative: { p50: figures.p50, p90: figures.p90, p99: figures.p99, count: completed },
    },
    agent_utilization: {
      system: { total_agents: agents.length, agents_online: agents.length, agents_idle: Math.max(0, agents.length - 1), agents_working: Math.min(1, agents.length), utilization_pct: figures.utilization },
      per_agent: agents.map((agent_id, index) => ({ agent_id, state: index === 0 ? 'working' : 'idle', idle_pct_1h: 100 - figures.utilization, working_pct_1h: figures.utilization, blocked_pct_1h: 0, tasks_completed_1h: 6 - index, avg_task_duration_ms: figures.p50 })),
    },
    error_rates: {
      window: { total_tasks: completed + failed, failed, dead_letter: 0, failure_rate_pct: completed + failed ? Math.round((failed / (completed + failed)) * 1000) / 10 : 0 },
      cumulative: { total_tasks: completed + failed, failed, dead_letter: 0, failure_rate_pct: 0 },
    },
  }
}
