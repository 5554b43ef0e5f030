// The small JSON-over-HTTP client the operator CLIs (add-agent, remove-agent, submit) use against
// the hub's API: every call times out (15 s, spec sidecar.md §16), and every way it can go wrong
// becomes a HubCallError whose message is one line an operator can act on.

export const CLI_HTTP_TIMEOUT_MS = 15_000

export class HubCallError extends Error {
  override readonly name = 'HubCallError'
  constructor(
    message: string,
    /** the HTTP status, or undefined when the hub was not reached / did not answer in time */
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message)
  }
}

export interface HubReply<T> {
  status: number
  body: T
}

export interface HubClientOptions {
  baseUrl: string
  /** Bearer token sent with every call that asks for it */
  token?: string
  timeoutMs?: number
}

export class HubClient {
  readonly baseUrl: string
  private readonly token: string | undefined
  private readonly timeoutMs: number

  constructor(opts: HubClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '')
    this.token = opts.token
    this.timeoutMs = opts.timeoutMs ?? CLI_HTTP_TIMEOUT_MS
  }

  withToken(token: string): HubClient {
    return new HubClient({ baseUrl: this.baseUrl, token, timeoutMs: this.timeoutMs })
  }

  /** Any status comes back; only transport failures and timeouts throw. */
  async request<T = unknown>(method: string, path: string, body?: unknown, auth = true): Promise<HubReply<T>> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (auth && this.token !== undefined) headers.authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (err) {
      const e = err as Error & { cause?: Error }
      if (e.name === 'TimeoutError') throw new HubCallError(`the hub at ${this.baseUrl} did not answer ${method} ${path} within ${this.timeoutMs / 1000} s`)
      throw new HubCallError(`cannot reach the hub at ${this.baseUrl}: ${e.cause?.message ?? e.message}`)
    }
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text === '' ? null : JSON.parse(text)
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: res.status, body: parsed as T }
  }

  /** Like request, but a status outside `expected` throws with the hub's answer in the message. */
  async expect<T = unknown>(expected: number[], method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const reply = await this.request<T>(method, path, body, auth)
    if (!expected.includes(reply.status)) throw new HubCallError(describeRefusal(method, path, reply), reply.status, reply.body)
    return reply.body
  }
}

export function describeRefusal(method: string, path: string, reply: HubReply<unknown>): string {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
  const hint = reply.status === 401 ? ' (the token was not accepted)' : reply.status === 403 ? ' (the token lacks the role this needs)' : ''
  return `${method} ${path} answered ${reply.status}${hint}: ${(text ?? '').trim().slice(0, 300)}`
}
