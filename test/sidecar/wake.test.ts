import t, { type Test } from 'tap'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { VirtualClock } from '../../relay/sidecar/clock'
import { parseCommandLine } from '../../relay/sidecar/config'
import { MemoryLog } from '../../relay/sidecar/event-log'
import { taskRecordFromAssign, type TaskRecord } from '../../relay/sidecar/local-queue'
import type { TaskOutcome, TaskRunContext } from '../../relay/sidecar/task-runner'
import { substituteWakeArgv, WakeRunner, WAKE_FAILED_REASON } from '../../relay/sidecar/wake'
import { writeWakeShim } from './program-shims'
import { tempDir } from './temp-dir'

interface Harness {
  dir: string
  resultsDir: string
  clock: VirtualClock
  log: MemoryLog
  shim: ReturnType<typeof writeWakeShim>
  updates: Array<Partial<TaskRecord>>
  runner: (template: string[] | null, mode?: string, extra?: Partial<ConstructorParameters<typeof WakeRunner>[0]>) => WakeRunner
  context: (task: TaskRecord, opts?: { resumed?: boolean; signal?: AbortSignal }) => TaskRunContext
}

function harness(t: Test): Harness {
  const dir = tempDir(t, 'sidecar-wake-')
  const resultsDir = join(dir, 'results')
  mkdirSync(resultsDir)
  const clock = new VirtualClock()
  const log = new MemoryLog()
  const shim = writeWakeShim(dir)
  const updates: Array<Partial<TaskRecord>> = []
  return {
    dir,
    resultsDir,
    clock,
    log,
    shim,
    updates,
    runner: (template, mode = 'ok', extra = {}) =>
      new WakeRunner({
        argvTemplate: template,
        resultsDir,
        clock,
        log,
        confirmationTimeoutMs: 30_000,
        sessionTimeoutMs: 3_600_000,
        // settle() runs virtual time ~100x faster than real time while the real shim runs: a
        // loaded machine must not turn a slow process start into a wake timeout and a retry
        execTimeoutMs: 3_600_000,
        env: { ...process.env, WAKE_MODE: mode },
        ...extra,
      }),
    context: (task, opts = {}) => {
      let current = task
      return {
        task,
        resumed: opts.resumed ?? false,
        workspaceDir: dir,
        signal: opts.signal ?? new AbortController().signal,
        update: (patch) => {
          updates.push(patch)
          current = { ...current, ...patch }
          return current
        },
        progress: () => undefined,
      }
    },
  }
}

function task(id: string, description = 'fix the bug'): TaskRecord {
  return taskRecordFromAssign({ type: 'task_assign', task_id: id, description, generation: 1 }, 1000)
}

/** Advances virtual time in small steps until the run settles (real child processes run meanwhile). */
async function settle(clock: VirtualClock, run: Promise<TaskOutcome>, stepMs = 1000, maxSteps = 500): Promise<TaskOutcome> {
  let outcome: TaskOutcome | undefined
  void run.then((o) => (outcome = o))
  for (let i = 0; i < maxSteps && !outcome; i++) {
    await new Promise((r) => setTimeout(r, 10))
    await clock.advance(stepMs)
  }
  if (!outcome) throw new Error('run did not settle')
  return outcome
}

t.test('substitution is literal, single-pass, per argv element', async (t) => {
  const r = task('t1', 'say "hi" $& $$ ${TASK_ID} `id` $(whoami)')
  const argv = substituteWakeArgv(['agent', '--message', 'Task: ${TASK_JSON}', '--id', '${TASK_ID}', '${TASK_DESCRIPTION}'], r)
  t.equal(argv.length, 6)
  t.equal(argv[4], 't1')
  t.equal(argv[5], 'say "hi" $& $$ ${TASK_ID} `id` $(whoami)', 'inserted text is not re-scanned or pattern-expanded')
  const json = JSON.parse(argv[2].slice('Task: '.length)) as TaskRecord
  t.equal(json.task_id, 't1')
  t.equal(json.status, 'waking')
  t.equal(json.wake_attempts, 0)
})

t.test('shell injection in task text does not execute', async (t) => {
  const h = harness(t)
  const marker = join(h.dir, 'PWNED')
  const evil = `x"; touch ${marker}; echo " $(touch ${marker}) \`touch ${marker}\` | touch ${marker} && touch ${marker}`
  writeFileSync(join(h.dir, 'placeholder'), '')
  const template = parseCommandLine(`${h.shim.path} agent --message "Task: \${TASK_DESCRIPTION}" --json \${TASK_JSON} --session-id \${TASK_ID}`)
  const r = task('inject-1', evil)
  const outcome = h.runner(template, 'result').run(h.context(r))
  const done = await settle(h.clock, outcome)
  t.equal(done.kind, 'complete')
  t.notOk(existsSync(marker), 'no injected command ran')
  const call = h.shim.calls()[0]
  t.same(call.argv.slice(0, 3), ['agent', '--message', `Task: ${evil}`], 'the text arrived as one literal argument')
  t.equal((JSON.parse(call.argv[4]) as TaskRecord).description, evil)
  t.same(call.argv.slice(5), ['--session-id', 'inject-1'])
  t.equal(call.cwd, h.dir, 'the wake command runs in the task workspace')
  t.equal(call.env_task, 'inject-1')
})

t.test('4 attempts with waits of 5, 15, 30 s, then wake_failed_after_3_attempts', async (t) => {
  const h = harness(t)
  const run = h.runner([h.shim.path, '${TASK_ID}'], 'fail').run(h.context(task('f1')))
  let outcome: TaskOutcome | undefined
  void run.then((o) => (outcome = o))
  // only the retry waits are fired by hand; each failing command runs (and exits) in real time
  const waits: Array<number | undefined> = []
  for (let i = 0; i < 2000 && !outcome; i++) {
    await new Promise((r) => setTimeout(r, 5))
    const pending = h.clock.pendingDelays()
    if (pending.length === 1 && pending[0] >= 5000 && pending[0] < 60_000) waits.push(await h.clock.fireNext())
  }
  t.same(outcome, { kind: 'failed', reason: WAKE_FAILED_REASON })
  t.equal(h.shim.calls().length, 4)
  t.same(waits, [5000, 15000, 30000])
  t.same(
    h.updates.filter((u) => u.wake_attempts !== undefined).map((u) => u.wake_attempts),
    [1, 2, 3, 4],
    'wake_attempts persisted before each attempt',
  )
  t.same(h.updates[h.updates.length - 1], { status: 'failed' })
})

t.test('a wake command that hangs is killed at 60 s and counts as a failed attempt', async (t) => {
  const h = harness(t)
  const run = h.runner([h.shim.path], 'hang', { retryWaitsMs: [], execTimeoutMs: 60_000 }).run(h.context(task('h1')))
  let outcome: TaskOutcome | undefined
  void run.then((o) => (outcome = o))
  await new Promise((r) => setTimeout(r, 300))
  await h.clock.advance(59_000)
  await new Promise((r) => setTimeout(r, 100))
  t.equal(outcome, undefined, 'still running before 60 s')
  const final = await settle(h.clock, run)
  t.same(final, { kind: 'failed', reason: WAKE_FAILED_REASON })
  t.equal(h.log.named('wake_failed')[0].fields.timed_out, true)
})

t.test('success → waking_confirmation; no .started within the timeout → confirmation_timeout', async (t) => {
  const h = harness(t)
  const run = h.runner([h.shim.path], 'ok').run(h.context(task('c1')))
  const outcome = await settle(h.clock, run)
  t.same(outcome, { kind: 'failed', reason: 'confirmation_timeout' })
  t.same(
    h.updates.map((u) => u.status),
    ['waking', 'waking_confirmation', 'failed'],
  )
})

t.test('.started then a result file → complete with the result object', async (t) => {
  const h = harness(t)
  const run = h.runner([h.shim.path], 'ok').run(h.context(task('s1')))
  for (let i = 0; i < 500 && !h.updates.some((u) => u.status === 'waking_confirmation'); i++) {
    await new Promise((r) => setTimeout(r, 10))
  }
  await h.clock.advance(1000)
  writeFileSync(join(h.resultsDir, 's1.started'), '')
  await h.clock.advance(1000)
  writeFileSync(join(h.resultsDir, 's1.json'), JSON.stringify({ status: 'success', output: 'done', files: ['a.ts'] }))
  const outcome = await settle(h.clock, run)
  t.same(outcome, { kind: 'complete', result: { status: 'success', output: 'done', files: ['a.ts'] }, verification_report: null, verification_history: null })
  t.same(h.updates.map((u) => u.status), ['waking', 'waking_confirmation', 'working'])
})

t.test('a session that writes .started while the wake command still runs is not woken again', async (t) => {
  const h = harness(t)
  const run = h.runner([h.shim.path], 'session', { sessionTimeoutMs: 120_000 }).run(h.context(task('sync1')))
  let outcome: TaskOutcome | undefined
  void run.then((o) => (outcome = o))
  // well past the 60 s exec timeout: the confirmed session is not killed or retried
  for (let i = 0; i < 100 && outcome === undefined; i++) {
    await new Promise((r) => setTimeout(r, 10))
    await h.clock.advance(1000)
  }
  t.equal(outcome, undefined)
  t.equal(h.shim.calls().length, 1, 'exactly one session started')
  writeFileSync(join(h.resultsDir, 'sync1.json'), JSON.stringify({ status: 'failed', reason: 'tests red' }))
  const final = await settle(h.clock, run)
  t.same(final, { kind: 'failed', reason: 'tests red' })
})

t.test('a result file written while the sidecar was down is picked up on resume', async (t) => {
  const h = harness(t)
  const r = { ...task('down1'), status: 'working' as const }
  writeFileSync(join(h.resultsDir, 'down1.json'), JSON.stringify({ status: 'success', output: 'finished while you slept' }))
  const outcome = await h.runner([h.shim.path]).run(h.context(r, { resumed: true }))
  t.equal(outcome.kind, 'complete')
  t.equal(h.shim.calls().length, 0, 'not woken again')
  h.runner(null).afterOutcomePersisted(r)
  t.notOk(existsSync(join(h.resultsDir, 'down1.json')), 'result file removed after the outcome is durable')
})

t.test('resumed in working state waits for the result without waking', async (t) => {
  const h = harness(t)
  const run = h.runner([h.shim.path]).run(h.context({ ...task('w1'), status: 'working' }, { resumed: true }))
  await h.clock.advance(3000)
  writeFileSync(join(h.resultsDir, 'w1.json'), '{"status":"success"}')
  const outcome = await settle(h.clock, run)
  t.equal(outcome.kind, 'complete')
  t.equal(h.shim.calls().length, 0)
})

t.test('no wake_command: straight to working; bad JSON that stops growing → result_parse_error', async (t) => {
  const h = harness(t)
  const run = h.runner(null).run(h.context(task('nw1')))
  await h.clock.advance(1000)
  writeFileSync(join(h.resultsDir, 'nw1.json'), '{"status": "succ')
  const outcome = await settle(h.clock, run)
  t.equal(outcome.kind, 'failed')
  t.match((outcome as { reason: string }).reason, /^result_parse_error: /)
  t.same(h.updates.map((u) => u.status), ['working'])
})

t.test('verification and submit hooks run for a successful result; pr_url lands in the result', async (t) => {
  const h = harness(t)
  writeFileSync(join(h.resultsDir, 'v1.json'), '{"status":"success"}')
  const runner = h.runner(null, 'ok', {
    verify: async () => ({ status: 'pass', checks: [] }),
    submit: async () => ({ kind: 'opened', pr_url: 'https://github.com/example/project/pull/3', branch: 'b' }),
  })
  const outcome = await runner.run(h.context(task('v1'), { resumed: true }))
  t.same(outcome, {
    kind: 'complete',
    result: { status: 'success', pr_url: 'https://github.com/example/project/pull/3' },
    verification_report: { status: 'pass', checks: [] },
    verification_history: null,
  })
})

t.test('aborting (reassigned / shutdown) ends the run as abandoned', async (t) => {
  const h = harness(t)
  const controller = new AbortController()
  const run = h.runner(null).run(h.context(task('ab1'), { signal: controller.signal }))
  await h.clock.advance(2000)
  controller.abort('reassigned')
  t.same(await run, { kind: 'abandoned' })
})

t.test('task ids that are not plain file names are refused', async (t) => {
  const h = harness(t)
  await t.rejects(h.runner(null).run(h.context(task('../../etc/passwd'))), /cannot be used as a result file name/)
})
