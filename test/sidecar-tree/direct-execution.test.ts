// Routed tasks through the assembled sidecar and the real DirectExecutionRunner (the default
// runner of startSidecar): a shell task in its own git worktree with a passing verification
// step; a Claude task (the fake `claude` CLI, chosen by the config's claude_program) whose first
// attempt fails its check and whose corrective retry passes; and an Ollama task streamed from the
// fake Ollama server (real /api/chat NDJSON) to the hub as task_progress execution events.
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startFakeOllama } from '../fakes/ollama-server'
import { cloneRemote, createRemote } from '../sidecar/git-fixtures'
import { tempDir } from '../sidecar/temp-dir'
import { AGENT, shellTask, startTreeHarness, until } from './harness'

const FAKE_CLAUDE = resolve(__dirname, '..', 'fakes', 'bin', 'claude')

t.test('a shell task runs in its own worktree and its verification step passes', async (t) => {
  const root = tempDir(t, 'sidecar-tree-shell-')
  const fx = createRemote(root)
  const checkout = cloneRemote(fx, join(root, 'checkout'))
  const h = await startTreeHarness(t, { root, config: { repo_dir: checkout }, deps: { workspaces: true, env: fx.env } })
  const generation = h.hub.assign(
    AGENT,
    'task-shell',
    shellTask('pwd; echo hello > out.txt', {
      verification_steps: [{ type: 'file_exists', target: 'out.txt', description: 'the command wrote its output' }],
    }),
  )
  await until(() => h.hub.tasks.get('task-shell')?.accepted_completions === 1, 'completion accepted', 30_000)
  const complete = h.hub.framesOfType('task_complete')[0] as Record<string, any>
  t.match(complete, {
    task_id: 'task-shell',
    generation,
    result: { status: 'success', target_type: 'sidecar', model_used: 'none', estimated_cost_usd: 0, verification_status: 'verified' },
    verification_report: { status: 'pass', checks: [{ type: 'file_exists', target: 'out.txt', status: 'pass' }] },
  })
  t.equal(complete.verification_history.length, 1)
  const worktree = String(complete.result.output).trim()
  t.match(worktree, join(root, 'data', 'workspaces'), 'the command ran in a worktree under the workspaces dir')
  t.not(worktree, checkout, "not in the sidecar's own checkout")
  t.notOk(existsSync(join(checkout, 'out.txt')), "the sidecar's checkout is untouched")
  await until(() => !existsSync(worktree), 'the worktree is removed after the task')
  const progress = h.hub.framesOfType('task_progress').filter((f) => f.execution_event)
  t.ok(progress.some((f) => (f.execution_event as { event_type: string }).event_type === 'stdout'), 'stdout streamed as execution events')
})

t.test('a Claude task (config claude_program) fails verification, the corrective retry passes: two history entries', async (t) => {
  const root = tempDir(t, 'sidecar-tree-claude-')
  const fx = createRemote(root)
  const checkout = cloneRemote(fx, join(root, 'checkout'))
  const claudeLog = join(root, 'claude-calls.jsonl')
  const env = {
    ...fx.env,
    FAKE_CLAUDE_LOG: claudeLog,
    FAKE_CLAUDE_EDIT_FILE: 'out.txt',
    FAKE_CLAUDE_EDIT_CONTENT: 'fixed\n',
    FAKE_CLAUDE_EDIT_WHEN_PROMPT_CONTAINS: 'VERIFICATION RETRY',
  }
  const h = await startTreeHarness(t, {
    root,
    config: { repo_dir: checkout, claude_program: FAKE_CLAUDE, claude_args: ['--permission-mode', 'acceptEdits'] },
    deps: { workspaces: true, env },
  })
  h.hub.assign(AGENT, 'task-claude', {
    description: 'Write out.txt',
    routing_decision: { target_type: 'claude', selected_model: 'claude' },
    verification_steps: [{ type: 'file_exists', target: 'out.txt' }],
    max_verification_retries: 2,
  })
  await until(() => h.hub.tasks.get('task-claude')?.accepted_completions === 1, 'completion accepted', 30_000)
  const complete = h.hub.framesOfType('task_complete')[0] as Record<string, any>
  t.match(complete.result, { status: 'success', target_type: 'claude', verification_status: 'verified', verification_attempts: 2, executions: 2 })
  t.ok(complete.result.estimated_cost_usd > 0, 'priced from the provider report / price table')
  t.same(complete.verification_history.map((r: { status: string }) => r.status), ['fail', 'pass'], 'two history entries')
  const calls = readFileSync(claudeLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; cwd: string; prompt: string })
  t.equal(calls.length, 2)
  t.match(calls[1].prompt, /VERIFICATION RETRY 1\/2/)
  t.ok(calls[0].argv.includes('--permission-mode'), 'the configured claude_args were passed')
  t.match(calls[0].cwd, join(root, 'data', 'workspaces'), 'Claude ran in the task worktree')
})

t.test('an Ollama-routed task streams task_progress execution events and completes at zero cost', async (t) => {
  const ollama = await startFakeOllama({ reply: 'Here is the answer you asked for in several words' })
  t.teardown(() => ollama.close())
  // no selected_endpoint: the executor falls back to the config's ollama_url
  const h = await startTreeHarness(t, { config: { ollama_url: ollama.url } })
  h.hub.assign(AGENT, 'task-llm', {
    description: 'Explain the change',
    routing_decision: { target_type: 'ollama', selected_model: 'qwen2.5-coder:7b', selected_endpoint: null },
    skip_verification: true,
  })
  await until(() => h.hub.tasks.get('task-llm')?.accepted_completions === 1, 'completion accepted')
  const complete = h.hub.framesOfType('task_complete')[0] as Record<string, any>
  t.match(complete.result, {
    status: 'success',
    target_type: 'ollama',
    model_used: 'qwen2.5-coder:7b',
    output: 'Here is the answer you asked for in several words',
    estimated_cost_usd: 0,
  })
  t.ok(complete.result.tokens_out > 0 && complete.tokens_used === complete.result.tokens_in + complete.result.tokens_out, 'tokens counted')
  const events = h.hub
    .framesOfType('task_progress')
    .filter((f) => f.task_id === 'task-llm' && f.execution_event)
    .map((f) => f.execution_event as { event_type: string; text: string; model: string | null })
  t.ok(events.length >= 2, `streamed in several frames (${events.length})`)
  t.equal(events[0].event_type, 'token')
  t.equal(events[0].model, 'qwen2.5-coder:7b', 'the first token frame names the model')
  t.equal(events.filter((e) => e.event_type === 'token').map((e) => e.text).join(''), complete.result.output, 'the streamed text is the answer')
  const chats = ollama.chatRequests()
  t.equal(chats.length, 1)
  t.match(chats[0].body, { model: 'qwen2.5-coder:7b', stream: true })
})
