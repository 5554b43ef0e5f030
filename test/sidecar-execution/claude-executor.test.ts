import t, { type Test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import {
  ClaudeExecutor,
  CLAUDE_NOT_INSTALLED_ERROR,
  claudeArgv,
  cliModelArgument,
  resolveClaudeModel,
} from '../../relay/sidecar/executors/claude-executor'
import { claudePrompt } from '../../relay/sidecar/executors/task-prompt'
import { systemExecutionClock } from '../../relay/sidecar/executors/execution-clock'
import { dispatch } from '../../relay/sidecar/executors/dispatcher'
import type { ExecutionContext, ExecutionTask, ExecutorEvent } from '../../relay/sidecar/executors/execution-types'
import { ManualClock } from '../fakes/manual-clock'
import { makeTempDir } from '../fakes/temp-git-repo'

const FAKE_BIN = resolve(__dirname, '../fakes/bin')

interface Call {
  argv: string[]
  cwd: string
  prompt: string
}

function setup(t: Test, knobs: Record<string, string> = {}, clock: ExecutionContext['clock'] = systemExecutionClock, signal?: AbortSignal) {
  const workspace = makeTempDir(t.teardown, 'claude-ws-')
  const log = join(makeTempDir(t.teardown, 'claude-log-'), 'calls.jsonl')
  const events: ExecutorEvent[] = []
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${FAKE_BIN}${delimiter}${process.env.PATH}`, FAKE_CLAUDE_LOG: log, ...knobs }
  const ctx: ExecutionContext = { workspaceDir: workspace, clock, signal, env, onEvent: (e) => events.push(e) }
  const calls = (): Call[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Call) : [])
  return { workspace, ctx, events, calls }
}

function claudeTask(extra: Partial<ExecutionTask> = {}): ExecutionTask {
  return {
    task_id: 'task-claude',
    description: 'Refactor the queue',
    routing_decision: { target_type: 'claude', selected_endpoint: 'claude_api', selected_model: 'claude' },
    ...extra,
  }
}

t.test('model resolution: the hub\'s "claude" becomes a real model id on the command line', async (t) => {
  t.equal(resolveClaudeModel('claude'), 'claude-sonnet-4.5')
  t.equal(resolveClaudeModel(null), 'claude-sonnet-4.5')
  t.equal(resolveClaudeModel('claude-opus-4.5'), 'claude-opus-4.5')
  t.equal(cliModelArgument('claude-sonnet-4.5'), 'claude-sonnet-4-5')
  t.equal(cliModelArgument('claude-sonnet-4-5-20250929'), 'claude-sonnet-4-5-20250929')
  t.same(claudeArgv('do it', 'claude-sonnet-4.5', []), [
    '-p', '--output-format', 'stream-json', '--verbose', '--include-partial-messages', '--model', 'claude-sonnet-4-5', '--', 'do it',
  ])
})

t.test('prompt: description, blank line, Context: lines', async (t) => {
  t.equal(
    claudePrompt({ task_id: 'x', description: 'Do X', repo: 'r', file_hints: [{ path: 'a.ts', reason: 'here' }] }),
    'Do X\n\nContext:\nRepository: r\nRelevant files: a.ts (here)',
  )
  t.equal(claudePrompt({ task_id: 'x', description: '' }), 'Complete this task.')
  t.equal(claudePrompt({ task_id: 'x', branch: 'b' }), 'Context:\nBranch: b')
})

t.test('runs in the workspace with an argv: shell metacharacters and options in task text stay inert', async (t) => {
  const { workspace, ctx, calls } = setup(t)
  const marker = join(workspace, 'injected')
  const description = `--help; $(touch ${marker}) && touch ${marker} \`touch ${marker}\` | cat`
  const result = await new ClaudeExecutor().execute(claudeTask({ description }), ctx)
  t.equal(result.status, 'success', result.error ?? '')
  t.notOk(existsSync(marker), 'nothing was executed')
  const [call] = calls()
  t.equal(call.cwd, workspace, 'cwd is the task workspace')
  t.equal(call.prompt, description, 'the prompt arrived as one argument, verbatim')
  t.same(call.argv.slice(0, 9), ['-p', '--output-format', 'stream-json', '--verbose', '--include-partial-messages', '--model', 'claude-sonnet-4-5', '--permission-mode', 'acceptEdits'])
  t.equal(call.argv[call.argv.length - 2], '--')
})

t.test('streams stream_event text deltas; output, usage (with cache tokens) and cost from the result line', async (t) => {
  const { ctx, events } = setup(t, { FAKE_CLAUDE_REPLY: 'All three files updated.', FAKE_CLAUDE_SPLIT_WRITES: '1' })
  const result = await new ClaudeExecutor().execute(claudeTask(), ctx)
  t.equal(result.status, 'success')
  t.equal(result.output, 'All three files updated.')
  const tokens = events.filter((e) => e.type === 'token')
  t.same(tokens.map((e) => e.text), ['All ', 'three ', 'files ', 'updated.'])
  t.same(tokens.map((e) => e.tokens_so_far), [4, 10, 16, 24])
  t.equal(tokens[0].model, 'claude-sonnet-4-5', 'model from the init line')
  t.equal(result.model_used, 'claude-sonnet-4-5')
  t.equal(result.tokens_in, 12 + 2048 + 10240, 'input + cache creation + cache read')
  t.equal(result.tokens_out, 87)
  t.equal(result.cache_creation_input_tokens, 2048)
  t.equal(result.cache_read_input_tokens, 10240)
  t.equal(result.reported_cost_usd, 0.0231)
})

t.test('the dispatcher prices a "claude" routed run at a real price (defect: $0 + fake savings)', async (t) => {
  const { ctx } = setup(t, { FAKE_CLAUDE_COST_USD: 'not-a-number' })
  const result = await dispatch(claudeTask(), ctx)
  t.equal(result.status, 'success')
  t.equal(result.target_type, 'claude')
  // no usable reported cost → priced from the table: 12 plain + 2048 cache write + 10240 cache read in, 87 out on Sonnet
  t.equal(result.estimated_cost_usd, Math.round(((12 * 3 + 2048 * 3 * 1.25 + 10240 * 0.3 + 87 * 15) / 1e6) * 1e9) / 1e9)
  t.ok(result.estimated_cost_usd > 0)
  t.equal(result.equivalent_claude_cost_usd, null)
})

t.test('stderr chatter becomes status events', async (t) => {
  const { ctx, events } = setup(t, { FAKE_CLAUDE_STDERR: 'Warning: something noisy' })
  const result = await new ClaudeExecutor().execute(claudeTask(), ctx)
  t.equal(result.status, 'success')
  t.ok(events.some((e) => e.type === 'status' && e.text === 'Warning: something noisy'))
})

t.test('exit 1 is retried 4 times with 2/4/8 s back-off on the injected clock', async (t) => {
  const clock = new ManualClock()
  const { ctx, events, calls } = setup(t, { FAKE_CLAUDE_MODE: 'exit1' }, clock)
  const running = new ClaudeExecutor().execute(claudeTask(), ctx)
  for (const wait of [2_000, 4_000, 8_000]) {
    await clock.whenScheduled(wait)
    clock.advance(wait - 1)
    t.equal(calls().length, [2_000, 4_000, 8_000].indexOf(wait) + 1, `no retry before ${wait} ms`)
    clock.advance(1)
  }
  const result = await running
  t.equal(result.status, 'failed')
  t.equal(result.attempts, 4)
  t.equal(calls().length, 4)
  t.match(result.error, /^Claude Code exited with code 1: API Error: 529/)
  t.same(
    events.filter((e) => e.type === 'status' && e.text.startsWith('Claude retry')).map((e) => e.text),
    ['Claude retry 1/3, backing off 2s...', 'Claude retry 2/3, backing off 4s...', 'Claude retry 3/3, backing off 8s...'],
  )
  t.equal(events[events.length - 1].type, 'error')
})

t.test('a retry after transient failures succeeds', async (t) => {
  const clock = new ManualClock()
  const { ctx, calls } = setup(t, { FAKE_CLAUDE_FAIL_TIMES: '2' }, clock)
  const running = new ClaudeExecutor().execute(claudeTask(), ctx)
  await clock.whenScheduled(2_000)
  clock.advance(2_000)
  await clock.whenScheduled(4_000)
  clock.advance(4_000)
  const result = await running
  t.equal(result.status, 'success')
  t.equal(result.attempts, 3)
  t.equal(calls().length, 3)
})

t.test('error_max_turns (is_error) is a failure', async (t) => {
  const { ctx } = setup(t, { FAKE_CLAUDE_MODE: 'error_max_turns' })
  const result = await new ClaudeExecutor({ attempts: 1 }).execute(claudeTask(), ctx)
  t.equal(result.status, 'failed')
  t.match(result.error, /Claude Code exited with code 1/)
})

t.test('exit 0 without a result line is a failure', async (t) => {
  const { ctx } = setup(t, { FAKE_CLAUDE_MODE: 'no_result' })
  const result = await new ClaudeExecutor({ attempts: 1 }).execute(claudeTask(), ctx)
  t.equal(result.status, 'failed')
  t.equal(result.error, 'Claude Code exited without a result line')
})

t.test('a missing CLI fails at once with install advice (no retries)', async (t) => {
  const { ctx } = setup(t)
  const result = await new ClaudeExecutor({ program: 'claude-not-installed-xyz' }).execute(claudeTask(), ctx)
  t.equal(result.status, 'failed')
  t.equal(result.error, CLAUDE_NOT_INSTALLED_ERROR)
  t.equal(result.attempts, 1)
})

t.test('process timeout: SIGTERM, then SIGKILL for a CLI that ignores it (virtual clock)', async (t) => {
  const clock = new ManualClock()
  const { ctx, events, calls } = setup(t, { FAKE_CLAUDE_SLEEP_MS: '60000', FAKE_CLAUDE_IGNORE_SIGTERM: '1' }, clock)
  const running = new ClaudeExecutor({ attempts: 1, timeoutMs: 600_000 }).execute(claudeTask(), ctx)
  await clock.whenScheduled(600_000)
  while (calls().length === 0) await new Promise((r) => setTimeout(r, 10))
  await new Promise((r) => setTimeout(r, 100)) // let the CLI install its SIGTERM handler
  clock.advance(600_000)
  t.ok(events.some((e) => e.text === 'Claude Code timed out after 600000ms, sending SIGTERM'))
  await clock.whenScheduled(5_000)
  clock.advance(5_000)
  const result = await running
  t.equal(result.status, 'failed')
  t.equal(result.error, 'Claude Code timed out after 600000ms')
})

t.test('an abort kills the CLI and stops the retries', async (t) => {
  const controller = new AbortController()
  const { ctx, calls } = setup(t, { FAKE_CLAUDE_SLEEP_MS: '60000' }, systemExecutionClock, controller.signal)
  const running = new ClaudeExecutor().execute(claudeTask(), ctx)
  while (calls().length === 0) await new Promise((r) => setTimeout(r, 10))
  controller.abort()
  const result = await running
  t.equal(result.status, 'failed')
  t.equal(result.attempts, 1)
  t.match(result.error, /aborted/)
})
