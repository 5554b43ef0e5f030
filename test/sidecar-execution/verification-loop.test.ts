import t, { type Test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { executeWithVerification, verificationRetryBudget } from '../../relay/sidecar/verification/self-verification-loop'
import { buildCorrectiveTask, correctivePrompt } from '../../relay/sidecar/verification/corrective-prompt'
import { executeDirectTask } from '../../relay/sidecar/executors/direct-execution'
import { DirectExecutionRunner } from '../../relay/sidecar/executors/direct-runner'
import { defaultExecutors, type ExecutorSet } from '../../relay/sidecar/executors/dispatcher'
import { systemExecutionClock } from '../../relay/sidecar/executors/execution-clock'
import { NO_SHELL_COMMAND_ERROR } from '../../relay/sidecar/executors/shell-executor'
import type { ExecutionContext, ExecutionTask, Executor, ExecutorResult } from '../../relay/sidecar/executors/execution-types'
import type { ExecutionEventPayload } from '../../relay/sidecar/executors/progress-emitter'
import type { TaskRunContext } from '../../relay/sidecar/task-runner'
import type { VerificationReport } from '../../relay/sidecar/verification/verification-report'
import { startFakeOllama } from '../fakes/ollama-server'
import { ManualClock } from '../fakes/manual-clock'
import { makeRepoWithRemote, makeTempDir } from '../fakes/temp-git-repo'

const FAKE_BIN = resolve(__dirname, '../fakes/bin')

function claudeEnv(t: Test, knobs: Record<string, string>): { env: NodeJS.ProcessEnv; prompts: () => string[] } {
  const log = join(makeTempDir(t.teardown, 'loop-claude-'), 'calls.jsonl')
  return {
    env: { ...process.env, PATH: `${FAKE_BIN}${delimiter}${process.env.PATH}`, FAKE_CLAUDE_LOG: log, ...knobs },
    prompts: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { prompt: string }).prompt) : []),
  }
}

/** An executor scripted per call; it advances the clock to stand for the run's duration. */
function scripted(clock: ManualClock, runs: Array<Partial<ExecutorResult>>, seen: ExecutionTask[] = []): ExecutorSet {
  let i = 0
  const exec: Executor = {
    targetType: 'ollama',
    execute: async (task) => {
      seen.push(task)
      clock.advance(1_000)
      const run = runs[Math.min(i++, runs.length - 1)]
      return {
        status: 'success',
        output: `output ${i}`,
        model_used: 'llama3.2:latest',
        tokens_in: 100,
        tokens_out: 50,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        reported_cost_usd: null,
        attempts: 1,
        error: null,
        ...run,
      }
    },
  }
  return { ...defaultExecutors(), ollama: exec }
}

function report(status: VerificationReport['status'], checks: VerificationReport['checks'] = []): VerificationReport {
  return { task_id: 't', run_number: 1, status, started_at: 0, duration_ms: 0, timeout_ms: 120_000, checks, summary: { total: 0, passed: 0, failed: 0, errors: 0, timed_out: 0 } }
}

t.test('the issue scenario: first Claude attempt fails its check, the fix passes → verified with two history entries', async (t) => {
  const { work } = await makeRepoWithRemote(t.teardown)
  const { env, prompts } = claudeEnv(t, {
    FAKE_CLAUDE_EDIT_FILE: 'hello.txt',
    FAKE_CLAUDE_EDIT_CONTENT: 'hello\n',
    FAKE_CLAUDE_EDIT_WHEN_PROMPT_CONTAINS: 'VERIFICATION RETRY',
    FAKE_CLAUDE_REPLY: 'I created the file.',
  })
  const progress: ExecutionEventPayload[] = []
  const outcome = await executeDirectTask(
    {
      task_id: 'task-loop',
      description: 'Create hello.txt containing hello',
      file_hints: [{ path: 'hello.txt', reason: 'create it' }],
      routing_decision: { target_type: 'claude', selected_endpoint: 'claude_api', selected_model: 'claude' },
      verification_steps: [
        { type: 'file_exists', target: 'hello.txt' },
        { type: 'command_succeeds', target: 'grep -q hello hello.txt' },
        { type: 'file_exists', target: 'README.md' },
      ],
      max_verification_retries: 2,
    },
    { workspaceDir: work, env, sendProgress: (e) => progress.push(e) },
  )
  t.equal(outcome.outcome, 'completed')
  if (outcome.outcome !== 'completed') return
  t.equal(outcome.result.verification_status, 'verified')
  t.equal(outcome.result.verification_attempts, 2)
  t.equal(outcome.verification_history.length, 2)
  t.same(outcome.verification_history.map((r) => [r.run_number, r.status]), [[1, 'fail'], [2, 'pass']])
  t.equal(outcome.verification_report, outcome.verification_history[1])
  t.equal(outcome.result.executions, 2)
  t.equal(outcome.result.status, 'success')
  t.equal(outcome.result.output, 'I created the file.')
  t.equal(outcome.result.tokens_in, 2 * (12 + 2048 + 10240), 'tokens summed over both runs')
  t.equal(outcome.result.tokens_out, 2 * 87)
  t.equal(outcome.result.estimated_cost_usd, 0.0462, "Claude Code's reported cost, summed")
  t.equal(outcome.tokens_used, outcome.result.tokens_in + outcome.result.tokens_out)
  t.equal(outcome.result.tokens_used, outcome.tokens_used)

  const [first, second] = prompts()
  t.equal(first, 'Create hello.txt containing hello\n\nContext:\nRelevant files: hello.txt (create it)')
  t.match(second, /^VERIFICATION RETRY 1\/2: /)
  t.match(second, 'FAILED CHECKS:\n- file_exists (hello.txt): FAIL\n  Output: File not found: hello.txt\n- command_succeeds (grep -q hello hello.txt): FAIL\n  Output: grep: hello.txt: No such file or directory')
  t.match(second, 'PASSED CHECKS (keep these passing):\n- file_exists (README.md): PASS\n')
  t.match(second, 'ORIGINAL TASK:\nCreate hello.txt containing hello\n')
  t.match(second, 'YOUR PREVIOUS OUTPUT:\nI created the file.\n')
  t.match(second, 'Context:\nRelevant files: hello.txt (create it)')
  t.notMatch(second, /object Object/)
  t.ok(progress.some((e) => e.event_type === 'status' && e.text === 'Verification retry 1/2: fixing 2 failed checks...'))
  t.ok(progress.some((e) => e.event_type === 'token'))
})

t.test('Ollama: a check that never passes ends partial_pass after 1 + max runs, totals cumulative', async (t) => {
  const fake = await startFakeOllama({ promptEvalCount: 40, evalCount: 10 })
  t.teardown(() => fake.close())
  const dir = makeTempDir(t.teardown)
  const outcome = await executeDirectTask(
    {
      task_id: 'task-partial',
      description: 'Make it work',
      routing_decision: { target_type: 'ollama', selected_endpoint: fake.endpointId, selected_model: 'llama3.2:latest' },
      verification_steps: [{ type: 'command_succeeds', target: 'exit 1' }],
      max_verification_retries: 2,
    },
    { workspaceDir: dir, sendProgress: () => undefined },
  )
  t.equal(outcome.outcome, 'completed', 'partial_pass is still a completion (the hub records the verification status)')
  if (outcome.outcome !== 'completed') return
  t.equal(fake.chatRequests().length, 3)
  t.equal(outcome.result.verification_status, 'partial_pass')
  t.equal(outcome.verification_history.length, 3)
  t.same(outcome.verification_history.map((r) => r.run_number), [1, 2, 3])
  t.equal(outcome.result.tokens_in, 120)
  t.equal(outcome.result.tokens_out, 30)
  t.equal(outcome.result.estimated_cost_usd, 0)
  t.equal(outcome.result.equivalent_claude_cost_usd, Math.round(3 * ((40 * 3 + 10 * 15) / 1e6) * 1e9) / 1e9)
  const retryPrompt = fake.chatRequests()[2].body?.messages?.[1]?.content as string
  t.match(retryPrompt, /^VERIFICATION RETRY 2\/2/)
  t.match(retryPrompt, 'ORIGINAL TASK:\nMake it work\n', 'the original description survives two retries')
})

t.test('shell tasks run once and are never retried, whatever the budget', async (t) => {
  const dir = makeTempDir(t.teardown)
  const outcome = await executeDirectTask(
    {
      task_id: 'task-shell',
      metadata: { shell_command: 'echo ran >> runs.txt' },
      routing_decision: { target_type: 'sidecar' },
      verification_steps: [{ type: 'file_exists', target: 'never.txt' }],
      max_verification_retries: 5,
    },
    { workspaceDir: dir, sendProgress: () => undefined },
  )
  t.equal(outcome.outcome, 'completed')
  if (outcome.outcome !== 'completed') return
  t.equal(outcome.result.verification_status, 'partial_pass')
  t.equal(outcome.verification_history.length, 1)
  t.equal(readFileSync(join(dir, 'runs.txt'), 'utf8'), 'ran\n')
  t.equal(outcome.result.model_used, 'none')
})

t.test('a failed execution is an outcome of "failed" with a reason (defect: reported as completion)', async (t) => {
  const dir = makeTempDir(t.teardown)
  const outcome = await executeDirectTask(
    { task_id: 'task-prose', description: 'rm -rf / please', routing_decision: { target_type: 'sidecar' }, verification_steps: [{ type: 'file_exists', target: '.' }] },
    { workspaceDir: dir, sendProgress: () => undefined },
  )
  t.equal(outcome.outcome, 'failed')
  if (outcome.outcome !== 'failed') return
  t.equal(outcome.reason, `execution_failed: ${NO_SHELL_COMMAND_ERROR}`)
  t.equal(outcome.result.verification_status, 'execution_failed')
  t.equal(outcome.result.error, NO_SHELL_COMMAND_ERROR)
  t.same(outcome.verification_history, [])
  t.equal(outcome.verification_report, null)
})

t.test('an execution failing on a retry keeps the reports made so far', async (t) => {
  const clock = new ManualClock()
  const executors = scripted(clock, [{}, { status: 'failed', error: 'Ollama HTTP 500: boom', tokens_in: 0, tokens_out: 0 }])
  const ctx: ExecutionContext = { workspaceDir: null, clock, onEvent: () => undefined }
  const loop = await executeWithVerification({ task_id: 't', routing_decision: { target_type: 'ollama' }, max_verification_retries: 3 }, ctx, {
    executors,
    verify: async () => report('fail', [{ type: 'file_exists', target: 'x', description: null, status: 'fail', output: 'File not found: x', duration_ms: 0 }]),
  })
  t.equal(loop.verification_status, 'execution_failed')
  t.equal(loop.verification_history.length, 1)
  t.equal(loop.executions, 2)
  t.equal(loop.totals.tokens_in, 100)
  t.equal(loop.last.error, 'Ollama HTTP 500: boom')
})

t.test('execution time is summed over every run (defect: last run only)', async (t) => {
  const clock = new ManualClock()
  const ctx: ExecutionContext = { workspaceDir: null, clock, onEvent: () => undefined }
  let call = 0
  const loop = await executeWithVerification({ task_id: 't', routing_decision: { target_type: 'ollama' }, max_verification_retries: 5 }, ctx, {
    executors: scripted(clock, [{}]),
    verify: async () => (++call < 3 ? report('fail') : report('pass')),
  })
  t.equal(loop.verification_status, 'verified')
  t.equal(loop.executions, 3)
  t.equal(loop.totals.execution_ms, 3_000)
  t.equal(loop.last.execution_ms, 1_000)
})

t.test('retry budget: clamped to 0…5; negative means none (the original threw)', async (t) => {
  t.equal(verificationRetryBudget({ max_verification_retries: 99 }), 5)
  t.equal(verificationRetryBudget({ max_verification_retries: -3 }), 0)
  t.equal(verificationRetryBudget({ max_verification_retries: null }), 0)
  t.equal(verificationRetryBudget({ max_verification_retries: 2.7 }), 2)
  for (const [max, runs] of [[99, 6], [-1, 1], [0, 1]] as const) {
    const clock = new ManualClock()
    const loop = await executeWithVerification({ task_id: 't', routing_decision: { target_type: 'ollama' }, max_verification_retries: max }, {
      workspaceDir: null,
      clock,
      onEvent: () => undefined,
    }, { executors: scripted(clock, [{}]), verify: async () => report('fail') })
    t.equal(loop.executions, runs, `max ${max}`)
    t.equal(loop.verification_status, 'partial_pass')
  }
})

t.test('skip_verification: one run, a skip report, verified', async (t) => {
  const clock = new ManualClock()
  const seen: ExecutionTask[] = []
  const loop = await executeWithVerification(
    { task_id: 't', routing_decision: { target_type: 'ollama' }, skip_verification: true, max_verification_retries: 3, verification_steps: [{ type: 'file_exists', target: 'nope' }] },
    { workspaceDir: null, clock, onEvent: () => undefined },
    { executors: scripted(clock, [{}], seen) },
  )
  t.equal(loop.verification_status, 'verified')
  t.equal(loop.verification_report?.status, 'skip')
  t.equal(seen.length, 1)
})

t.test('corrective prompt layout: non-pass checks are failures, (none) when nothing passed, truncation', async (t) => {
  const prompt = correctivePrompt({
    attempt: 2,
    maxRetries: 3,
    originalDescription: 'Do the thing',
    previousOutput: 'x'.repeat(1_200),
    lastReport: {
      checks: [
        { type: 'test_passes', target: 'npm test', description: null, status: 'error', output: 'y'.repeat(600), duration_ms: 1 },
        { type: 'command_succeeds', target: 'sleep 99', description: null, status: 'timeout', output: 'Check timed out after 5ms', duration_ms: 5 },
      ],
    },
  })
  const lines = prompt.split('\n')
  t.match(lines[0], /^VERIFICATION RETRY 2\/3: /)
  t.equal(lines[1], '')
  t.equal(lines[2], 'FAILED CHECKS:')
  t.equal(lines[3], '- test_passes (npm test): ERROR')
  t.equal(lines[4], `  Output: ${'y'.repeat(500)}...(truncated)`)
  t.equal(lines[5], '- command_succeeds (sleep 99): TIMEOUT')
  t.match(prompt, 'PASSED CHECKS (keep these passing):\n(none)\n\nORIGINAL TASK:\nDo the thing\n\nYOUR PREVIOUS OUTPUT:\n')
  t.match(prompt, `${'x'.repeat(1_000)}...(truncated)\n\n`)
  const once = buildCorrectiveTask({ task_id: 't', description: 'Original' }, 'out', null, 1, 2)
  const twice = buildCorrectiveTask(once, 'out2', null, 2, 2)
  t.equal(twice._original_description, 'Original')
  t.equal(twice._verification_attempt, 2)
  t.match(twice.description, 'ORIGINAL TASK:\nOriginal\n')
})

t.test('an unknown target type fails clearly', async (t) => {
  const outcome = await executeDirectTask({ task_id: 't', routing_decision: { target_type: 'gpt' } }, { workspaceDir: null, sendProgress: () => undefined })
  t.equal(outcome.outcome, 'failed')
  if (outcome.outcome === 'failed') t.equal(outcome.reason, 'execution_failed: Unknown target type: gpt')
})

t.test('an aborted run reports "aborted" (nothing is sent)', async (t) => {
  const dir = makeTempDir(t.teardown)
  const controller = new AbortController()
  const running = executeDirectTask(
    { task_id: 't', metadata: { shell_command: 'touch started; sleep 30' }, routing_decision: { target_type: 'sidecar' } },
    { workspaceDir: dir, signal: controller.signal, sendProgress: () => undefined },
  )
  while (!existsSync(join(dir, 'started'))) await new Promise((r) => setTimeout(r, 10))
  controller.abort()
  t.equal((await running).outcome, 'aborted')
})

t.test('DirectExecutionRunner maps outcomes onto the task relay contract and streams progress', async (t) => {
  const dir = makeTempDir(t.teardown)
  const progress: unknown[] = []
  const ctxFor = (task: Record<string, unknown>): TaskRunContext =>
    ({
      task,
      resumed: false,
      workspaceDir: dir,
      signal: new AbortController().signal,
      update: () => task,
      progress: (e?: unknown) => progress.push(e),
    }) as unknown as TaskRunContext
  const runner = new DirectExecutionRunner({ clock: systemExecutionClock })
  const ok = await runner.run(ctxFor({ task_id: 'a', metadata: { shell_command: 'echo hi' }, routing_decision: { target_type: 'sidecar' }, verification_steps: [] }))
  t.equal(ok.kind, 'complete')
  if (ok.kind === 'complete') {
    t.equal(ok.result.verification_status, 'verified')
    t.equal(ok.verification_report?.status, 'auto_pass')
    t.equal(ok.tokens_used, 0)
  }
  t.ok(progress.some((e) => (e as { event_type: string }).event_type === 'stdout'))
  t.notOk(progress.some((e) => 'timestamp' in (e as object)), 'the relay stamps the time itself')
  const failed = await runner.run(ctxFor({ task_id: 'b', description: 'echo hi', routing_decision: { target_type: 'sidecar' } }))
  t.same(failed, { kind: 'failed', reason: `execution_failed: ${NO_SHELL_COMMAND_ERROR}` })
})
