import t from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { NO_SHELL_COMMAND_ERROR, ShellExecutor, shellCommandOf } from '../../relay/sidecar/executors/shell-executor'
import { systemExecutionClock } from '../../relay/sidecar/executors/execution-clock'
import type { ExecutionContext, ExecutionTask, ExecutorEvent } from '../../relay/sidecar/executors/execution-types'
import { ManualClock } from '../fakes/manual-clock'
import { makeTempDir } from '../fakes/temp-git-repo'

function context(workspaceDir: string, clock: ExecutionContext['clock'] = systemExecutionClock, signal?: AbortSignal) {
  const events: ExecutorEvent[] = []
  const ctx: ExecutionContext = { workspaceDir, clock, signal, onEvent: (e) => events.push(e) }
  return { ctx, events }
}

function shellTask(metadata: Record<string, unknown> | null, description = ''): ExecutionTask {
  return { task_id: 'task-shell', description, metadata, routing_decision: { target_type: 'sidecar' } }
}

t.test('runs metadata.shell_command in the workspace and streams stdout/stderr', async (t) => {
  const dir = makeTempDir(t.teardown)
  const { ctx, events } = context(dir)
  const result = await new ShellExecutor().execute(shellTask({ shell_command: 'pwd; echo oops >&2; echo done' }), ctx)
  t.equal(result.status, 'success')
  t.equal(result.output, `${dir}\ndone\n`, 'output is stdout only')
  t.equal(result.model_used, 'none')
  t.equal(result.tokens_in, 0)
  t.equal(result.attempts, 1)
  t.ok(events.some((e) => e.type === 'stderr' && e.text.includes('oops')))
  t.ok(events.some((e) => e.type === 'stdout' && e.text.includes('done')))
})

t.test('never executes the task description (defect: prose run as shell)', async (t) => {
  const dir = makeTempDir(t.teardown)
  const marker = join(dir, 'pwned')
  const { ctx, events } = context(dir)
  const result = await new ShellExecutor().execute(shellTask(null, `touch ${marker}`), ctx)
  t.equal(result.status, 'failed')
  t.equal(result.error, NO_SHELL_COMMAND_ERROR)
  t.equal(result.attempts, 0, 'not retried')
  t.notOk(existsSync(marker), 'the description did not run')
  t.ok(events.some((e) => e.type === 'error' && e.text === NO_SHELL_COMMAND_ERROR))
  t.same(shellCommandOf(shellTask({ shell_command: '   ' })), { error: NO_SHELL_COMMAND_ERROR })
  t.match(shellCommandOf(shellTask({ shell_command: 42 })), { error: /Invalid metadata.shell_command/ })
  t.match(shellCommandOf(shellTask({ shell_command: [] })), { error: /Invalid/ })
})

t.test('an argv shell_command is spawned without a shell: metacharacters stay literal', async (t) => {
  const dir = makeTempDir(t.teardown)
  const marker = join(dir, 'injected')
  const { ctx } = context(dir)
  const arg = `$(touch ${marker}); touch ${marker} && echo`
  const result = await new ShellExecutor().execute(shellTask({ shell_command: [process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', arg] }), ctx)
  t.equal(result.status, 'success')
  t.same(JSON.parse(result.output), [arg])
  t.notOk(existsSync(marker))
})

t.test('a failing command is retried once, then reported with code and stderr', async (t) => {
  const dir = makeTempDir(t.teardown)
  const { ctx, events } = context(dir)
  const result = await new ShellExecutor().execute(shellTask({ shell_command: 'echo run >> runs.txt; echo broken >&2; exit 3' }), ctx)
  t.equal(result.status, 'failed')
  t.equal(result.attempts, 2)
  t.equal(result.error, 'Command exited with code 3: broken\n')
  t.equal(readFileSync(join(dir, 'runs.txt'), 'utf8'), 'run\nrun\n', 'ran twice')
  t.ok(events.some((e) => e.type === 'status' && e.text === 'Shell retry 1/1...'))
})

t.test('the retry can succeed', async (t) => {
  const dir = makeTempDir(t.teardown)
  const { ctx } = context(dir)
  const result = await new ShellExecutor().execute(shellTask({ shell_command: 'if [ -f seen ]; then echo second; else touch seen; exit 1; fi' }), ctx)
  t.equal(result.status, 'success')
  t.equal(result.attempts, 2)
  t.equal(result.output, 'second\n')
})

t.test('timeout: SIGTERM to the whole process group, SIGKILL 5 s later (virtual clock)', async (t) => {
  const dir = makeTempDir(t.teardown)
  const clock = new ManualClock()
  const { ctx, events } = context(dir, clock)
  // the shell ignores TERM, and its background child would outlive a kill of the shell alone
  const script = `trap '' TERM; (trap '' TERM; while true; do sleep 0.05; done) & echo $! > child.pid; echo started; while true; do sleep 0.05; done`
  const running = new ShellExecutor({ attempts: 1 }).execute(shellTask({ shell_command: script, timeout_ms: 1_000 }), ctx)
  await clock.whenScheduled(1_000)
  while (!existsSync(join(dir, 'child.pid')) || readFileSync(join(dir, 'child.pid'), 'utf8').trim() === '') await new Promise((r) => setTimeout(r, 10))
  const childPid = Number(readFileSync(join(dir, 'child.pid'), 'utf8'))
  clock.advance(1_000)
  t.ok(events.some((e) => e.type === 'status' && e.text === 'Command timed out after 1000ms, sending SIGTERM'))
  await new Promise((r) => setTimeout(r, 100))
  t.ok(isAlive(childPid), 'TERM was ignored')
  clock.advance(5_000)
  const result = await running
  t.equal(result.status, 'failed')
  t.equal(result.error, 'Command timed out after 1000ms')
  t.match(result.output, /started/)
  await new Promise((r) => setTimeout(r, 50))
  t.notOk(isAlive(childPid), 'the background child was killed with the group')
})

t.test('metadata.timeout_ms defaults to 60 s', async (t) => {
  const dir = makeTempDir(t.teardown)
  const clock = new ManualClock()
  const { ctx } = context(dir, clock)
  const running = new ShellExecutor({ attempts: 1 }).execute(shellTask({ shell_command: 'sleep 30' }), ctx)
  await clock.whenScheduled(60_000)
  clock.advance(59_999)
  clock.advance(1)
  const result = await running
  t.equal(result.error, 'Command timed out after 60000ms')
})

t.test('large output is capped without failing the run', async (t) => {
  const dir = makeTempDir(t.teardown)
  const { ctx } = context(dir)
  const result = await new ShellExecutor({ maxOutputBytes: 64 * 1024 }).execute(
    shellTask({ shell_command: [process.execPath, '-e', "process.stdout.write('a'.repeat(3*1024*1024)); process.stdout.write('THE END')"] }),
    ctx,
  )
  t.equal(result.status, 'success')
  t.ok(result.output.length < 70 * 1024)
  t.ok(result.output.endsWith('THE END'))
  t.match(result.output, /bytes of output omitted/)
})

t.test('an abort kills the command and is not retried', async (t) => {
  const dir = makeTempDir(t.teardown)
  const controller = new AbortController()
  const { ctx } = context(dir, systemExecutionClock, controller.signal)
  const running = new ShellExecutor().execute(shellTask({ shell_command: 'echo go > started; sleep 30' }), ctx)
  while (!existsSync(join(dir, 'started'))) await new Promise((r) => setTimeout(r, 10))
  controller.abort()
  const result = await running
  t.equal(result.status, 'failed')
  t.equal(result.attempts, 1)
  t.match(result.error, /aborted/)
})

t.test('a program that does not exist fails clearly', async (t) => {
  const dir = makeTempDir(t.teardown)
  writeFileSync(join(dir, 'x'), '')
  const { ctx } = context(dir)
  const result = await new ShellExecutor().execute(shellTask({ shell_command: ['/nonexistent/program-xyz'] }), ctx)
  t.equal(result.status, 'failed')
  t.match(result.error, /Command could not be started: .*ENOENT/)
})

/** alive and not a zombie (an orphaned zombie may never be reaped by a container's PID 1) */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return true
  }
}
