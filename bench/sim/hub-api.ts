// The HTTP side of a hub as the scenarios and benchmarks use it: submit tasks, read them,
// create tokens, whitelist agents from rate limiting. Keep-alive connections so a benchmark
// measures the hub, not TCP handshakes. (No tests here.)
import { Agent, request } from 'node:http'

export interface ApiResult {
  status: number
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of any route
  body: any
  text: string
}

export interface TaskSubmission {
  description: string
  priority?: 'urgent' | 'high' | 'normal' | 'low'
  needed_capabilities?: string[]
  metadata?: Record<string, unknown>
  [field: string]: unknown
}

export interface HistoryEntry {
  event: string
  timestamp: number
  details?: unknown
}

export class HubApi {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 })

  constructor(
    public port: number,
    readonly adminToken: string,
  ) {}

  request(method: string, path: string, body?: unknown, token = this.adminToken): Promise<ApiResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string> = { authorization: `Bearer ${token}` }
    if (payload !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = String(Buffer.byteLength(payload))
    }
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: unknown
          try {
            parsed = JSON.parse(text)
          } catch {
            parsed = undefined
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text })
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      if (payload !== undefined) req.write(payload)
      req.end()
    })
  }

  /** Submits a task; resolves with its id once the hub acknowledged it (201 = durable). */
  async submit(task: TaskSubmission): Promise<string> {
    const res = await this.request('POST', '/api/tasks', task)
    if (res.status !== 201) throw new Error(`submit: ${res.status} ${res.text}`)
    return res.body.task_id as string
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TaskView
  async task(taskId: string): Promise<any> {
    const res = await this.request('GET', `/api/tasks/${taskId}`)
    if (res.status !== 200) throw new Error(`task ${taskId}: ${res.status} ${res.text}`)
    return res.body
  }

  /** A fresh token; a 503 (the auth actor overloaded, e.g. on a shared machine) is retried a few times. */
  async createToken(agentId: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.request('POST', '/admin/tokens', { agent_id: agentId })
      if (res.status === 201) return res.body.token as string
      if (res.status !== 503 || attempt >= 5) throw new Error(`token for ${agentId}: ${res.status} ${res.text}`)
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt))
    }
  }

  /** Tokens for many agents, `parallel` requests at a time. */
  async createTokens(agentIds: readonly string[], parallel = 16): Promise<Map<string, string>> {
    const tokens = new Map<string, string>()
    let next = 0
    const worker = async () => {
      while (next < agentIds.length) {
        const id = agentIds[next++]!
        tokens.set(id, await this.createToken(id))
      }
    }
    await Promise.all(Array.from({ length: Math.min(parallel, agentIds.length) }, worker))
    return tokens
  }

  /** Exempts agents from rate limiting (a benchmark's agents accept far more than 60 tasks a minute). */
  async whitelist(agentIds: readonly string[]): Promise<void> {
    const res = await this.request('PUT', '/api/admin/rate-limits/whitelist', { agent_ids: agentIds })
    if (res.status !== 200) throw new Error(`whitelist: ${res.status} ${res.text}`)
  }

  async health(): Promise<number> {
    return (await this.request('GET', '/health')).status
  }

  close(): void {
    this.agent.destroy()
  }
}

/** How many `completed` events a task's history holds (history is newest first). */
export function completionsIn(history: readonly HistoryEntry[]): number {
  return history.filter((h) => h.event === 'completed').length
}
