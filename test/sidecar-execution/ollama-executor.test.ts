import t, { type Test } from 'tap'
import { createServer } from 'node:net'
import { OllamaExecutor, resolveOllamaEndpoint } from '../../relay/sidecar/executors/ollama-executor'
import { systemExecutionClock } from '../../relay/sidecar/executors/execution-clock'
import { ollamaMessages } from '../../relay/sidecar/executors/task-prompt'
import type { ExecutionContext, ExecutionTask, ExecutorEvent } from '../../relay/sidecar/executors/execution-types'
import { startFakeOllama, type FakeOllama } from '../fakes/ollama-server'
import { ManualClock } from '../fakes/manual-clock'

async function fakeOllama(t: Test, knobs: Parameters<typeof startFakeOllama>[0] = {}): Promise<FakeOllama> {
  const fake = await startFakeOllama(knobs)
  t.teardown(() => fake.close())
  return fake
}

function context(clock: ExecutionContext['clock'] = systemExecutionClock, extra: Partial<ExecutionContext> = {}) {
  const events: ExecutorEvent[] = []
  const ctx: ExecutionContext = { workspaceDir: null, clock, onEvent: (e) => events.push(e), ...extra }
  return { ctx, events }
}

function ollamaTask(fake: FakeOllama, extra: Partial<ExecutionTask> = {}): ExecutionTask {
  return {
    task_id: 'task-ollama',
    description: 'Write a haiku about queues',
    routing_decision: { target_type: 'ollama', selected_endpoint: fake.endpointId, selected_model: 'llama3.2:latest' },
    ...extra,
  }
}

t.test('endpoint resolution: host:port on the last colon, IPv6, config URL, default', async (t) => {
  t.same(resolveOllamaEndpoint('10.0.0.5:11500', null), { host: '10.0.0.5', port: 11500 })
  t.same(resolveOllamaEndpoint('[::1]:11434', null), { host: '::1', port: 11434 })
  t.same(resolveOllamaEndpoint('gpu-box', null), { host: 'gpu-box', port: 11434 })
  t.same(resolveOllamaEndpoint('gpu-box:notaport', null), { host: 'gpu-box:notaport', port: 11434 })
  t.same(resolveOllamaEndpoint(null, 'http://127.0.0.1:9999'), { host: '127.0.0.1', port: 9999 })
  t.same(resolveOllamaEndpoint(null, 'http://ollama.lan'), { host: 'ollama.lan', port: 11434 })
  t.same(resolveOllamaEndpoint(null, null), { host: 'localhost', port: 11434 })
})

t.test('messages: persona + context as system (file hints rendered, not [object Object])', async (t) => {
  const msgs = ollamaMessages({
    task_id: 'x',
    description: 'Fix the bug',
    repo: 'https://example.com/r.git',
    branch: 'main',
    file_hints: [{ path: 'src/a.ts', reason: 'the bug' }, { path: 'src/b.ts' }, 'c.ts', { nope: 1 }],
    success_criteria: ['tests pass', 'no lint errors'],
  })
  t.equal(msgs.length, 2)
  t.equal(msgs[0].role, 'system')
  t.match(msgs[0].content, 'Repository: https://example.com/r.git\nBranch: main\nRelevant files: src/a.ts (the bug), src/b.ts, c.ts\nSuccess criteria:\n- tests pass\n- no lint errors')
  t.notMatch(msgs[0].content, /object Object/)
  t.same(msgs[1], { role: 'user', content: 'Fix the bug' })
  t.equal(ollamaMessages({ task_id: 'y', description: '  ' })[1].content, 'Complete this task.')
})

t.test('streams tokens from /api/chat and takes token counts from the done line', async (t) => {
  const fake = await fakeOllama(t, { reply: 'one two three', promptEvalCount: 42, evalCount: 3 })
  const { ctx, events } = context()
  const result = await new OllamaExecutor().execute(ollamaTask(fake), ctx)
  t.equal(result.status, 'success')
  t.equal(result.output, 'one two three')
  t.equal(result.tokens_in, 42)
  t.equal(result.tokens_out, 3)
  t.equal(result.model_used, 'llama3.2:latest')
  const tokens = events.filter((e) => e.type === 'token')
  t.same(tokens.map((e) => e.text), ['one ', 'two ', 'three'])
  t.same(tokens.map((e) => e.tokens_so_far), [4, 8, 13], 'characters so far')
  t.equal(tokens[0].model, 'llama3.2:latest')
  const req = fake.chatRequests()[0].body
  t.equal(req?.model, 'llama3.2:latest')
  t.equal(req?.stream, true)
  t.same(req?.messages?.[1], { role: 'user', content: 'Write a haiku about queues' })
})

t.test('NDJSON lines split across TCP chunks (and inside UTF-8 characters) parse intact', async (t) => {
  const reply = 'Grüße ✓ — naïve café ☕ done'
  const fake = await fakeOllama(t, { reply, splitChunks: true })
  const { ctx } = context()
  const result = await new OllamaExecutor().execute(ollamaTask(fake), ctx)
  t.equal(result.status, 'success')
  t.equal(result.output, reply)
})

t.test('prompt_eval_count missing (prompt cache hit) counts 0 input tokens', async (t) => {
  const fake = await fakeOllama(t, { omitPromptEvalCount: true, evalCount: 9 })
  const result = await new OllamaExecutor().execute(ollamaTask(fake), context().ctx)
  t.equal(result.status, 'success')
  t.equal(result.tokens_in, 0)
  t.equal(result.tokens_out, 9)
})

t.test('an error line inside a 200 stream is a failure (defect: counted as success), retried 3 times', async (t) => {
  const fake = await fakeOllama(t, { reply: 'partial answer here', errorMidStream: 'out of memory', errorAfterLines: 1 })
  const { ctx, events } = context()
  const result = await new OllamaExecutor().execute(ollamaTask(fake), ctx)
  t.equal(result.status, 'failed')
  t.equal(result.error, 'Ollama stream error: out of memory')
  t.equal(result.attempts, 3)
  t.equal(fake.chatRequests().length, 3)
  t.same(
    events.filter((e) => e.type === 'status').map((e) => e.text),
    ['Ollama retry 1/2...', 'Ollama retry 2/2...'],
  )
  t.equal(events[events.length - 1].type, 'error')
})

t.test('HTTP 500 is retried and a later success wins', async (t) => {
  const fake = await fakeOllama(t, { fail500Count: 2, reply: 'ok' })
  const result = await new OllamaExecutor().execute(ollamaTask(fake), context().ctx)
  t.equal(result.status, 'success')
  t.equal(result.attempts, 3)
  t.equal(result.output, 'ok')
})

t.test('HTTP 500 three times fails with the status and body', async (t) => {
  const fake = await fakeOllama(t, { fail500Count: 5 })
  const result = await new OllamaExecutor().execute(ollamaTask(fake), context().ctx)
  t.equal(result.status, 'failed')
  t.match(result.error, /^Ollama HTTP 500: \{"error":"llama runner process has terminated/)
})

t.test('an unknown model (404) is not retried', async (t) => {
  const fake = await fakeOllama(t)
  const task = ollamaTask(fake, { routing_decision: { target_type: 'ollama', selected_endpoint: fake.endpointId, selected_model: 'nope:1b' } })
  const result = await new OllamaExecutor().execute(task, context().ctx)
  t.equal(result.status, 'failed')
  t.equal(result.error, 'Ollama HTTP 404: {"error":"model \\"nope:1b\\" not found, try pulling it first"}')
  t.equal(fake.chatRequests().length, 1)
})

t.test('a null routed model uses llama3.2:latest', async (t) => {
  const fake = await fakeOllama(t)
  const task = ollamaTask(fake, { routing_decision: { target_type: 'ollama', selected_endpoint: fake.endpointId, selected_model: null } })
  const result = await new OllamaExecutor().execute(task, context().ctx)
  t.equal(result.status, 'success')
  t.equal(fake.chatRequests()[0].body?.model, 'llama3.2:latest')
})

t.test('the configured ollama_url is used when the decision names no endpoint', async (t) => {
  const fake = await fakeOllama(t)
  const task = ollamaTask(fake, { routing_decision: { target_type: 'ollama' } })
  const result = await new OllamaExecutor().execute(task, context(systemExecutionClock, { ollamaUrl: fake.url }).ctx)
  t.equal(result.status, 'success')
})

t.test('a stream that ends without its done line is a failure', async (t) => {
  const fake = await fakeOllama(t, { endWithoutDone: true })
  const result = await new OllamaExecutor({ attempts: 1 }).execute(ollamaTask(fake), context().ctx)
  t.equal(result.status, 'failed')
  t.equal(result.error, 'Ollama stream ended before its final "done" line')
})

t.test('connection refused fails after 3 attempts', async (t) => {
  const port = await unusedPort()
  const task: ExecutionTask = { task_id: 'x', routing_decision: { target_type: 'ollama', selected_endpoint: `127.0.0.1:${port}` } }
  const result = await new OllamaExecutor().execute(task, context().ctx)
  t.equal(result.status, 'failed')
  t.equal(result.attempts, 3)
  t.match(result.error, /ECONNREFUSED/)
})

t.test('a hung server trips the 5-minute inactivity timeout (virtual clock)', async (t) => {
  for (const hang of ['silent', 'after_headers'] as const) {
    const fake = await fakeOllama(t, { hang })
    const clock = new ManualClock()
    const running = new OllamaExecutor({ attempts: 1 }).execute(ollamaTask(fake), context(clock).ctx)
    await clock.whenScheduled(300_000)
    while (fake.chatRequests().length === 0) await new Promise((r) => setTimeout(r, 5))
    if (hang === 'after_headers') await new Promise((r) => setTimeout(r, 50))
    clock.advance(299_999)
    clock.advance(1)
    const result = await running
    t.equal(result.status, 'failed', hang)
    t.equal(result.error, 'Ollama request timeout: no data for 300s', hang)
  }
})

t.test('inactivity, not total time: a slow trickle longer than the timeout succeeds', async (t) => {
  const fake = await fakeOllama(t, { reply: 'a b c d e f g h', trickleMs: 40 })
  const started = Date.now()
  const result = await new OllamaExecutor({ attempts: 1, inactivityTimeoutMs: 200 }).execute(ollamaTask(fake), context().ctx)
  t.equal(result.status, 'success')
  t.ok(Date.now() - started > 200, 'the whole stream took longer than the inactivity limit')
})

t.test('a total cap stops an endless trickle', async (t) => {
  const fake = await fakeOllama(t, { reply: 'a b c d e f g h i j k l m n o p', trickleMs: 30 })
  const result = await new OllamaExecutor({ attempts: 1, inactivityTimeoutMs: 200, totalTimeoutMs: 150 }).execute(ollamaTask(fake), context().ctx)
  t.equal(result.status, 'failed')
  t.match(result.error, /total limit/)
})

t.test('an abort cuts the request and is not retried', async (t) => {
  const fake = await fakeOllama(t, { hang: 'silent' })
  const controller = new AbortController()
  const running = new OllamaExecutor().execute(ollamaTask(fake), context(systemExecutionClock, { signal: controller.signal }).ctx)
  while (fake.chatRequests().length === 0) await new Promise((r) => setTimeout(r, 5))
  controller.abort()
  const result = await running
  t.equal(result.status, 'failed')
  t.equal(result.attempts, 1)
  t.match(result.error, /aborted/)
})

t.test('the fake speaks /, /api/tags, /api/ps and non-streamed chat', async (t) => {
  const fake = await fakeOllama(t, { loaded: [{ name: 'llama3.2:latest', size_vram: 123456 }] })
  t.equal(await (await fetch(`${fake.url}/`)).text(), 'Ollama is running')
  const tags = (await (await fetch(`${fake.url}/api/tags`)).json()) as { models: Array<Record<string, unknown>> }
  t.same(Object.keys(tags.models[0]).sort(), ['details', 'digest', 'model', 'modified_at', 'name', 'size'])
  const ps = (await (await fetch(`${fake.url}/api/ps`)).json()) as { models: Array<Record<string, unknown>> }
  t.equal(ps.models[0].size_vram, 123456)
  t.ok(ps.models[0].expires_at)
  const res = await fetch(`${fake.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2:latest', messages: [], stream: false }) })
  const body = (await res.json()) as Record<string, unknown>
  t.equal(body.done, true)
  t.equal((body.message as { content: string }).content, 'Hello from the fake Ollama. ✓ Done.')
})

function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}
