import t from 'tap'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runVerification, DEFAULT_VERIFICATION_TIMEOUT_MS } from '../../relay/sidecar/verification/verification-runner'
import { overallStatus, summarize } from '../../relay/sidecar/verification/verification-report'
import { boundOutput } from '../../relay/sidecar/verification/verification-checks'
import type { ExecutionTask } from '../../relay/sidecar/executors/execution-types'
import { ManualClock } from '../fakes/manual-clock'
import { git, makeRepoWithRemote, makeTempDir } from '../fakes/temp-git-repo'

function task(steps: unknown[], extra: Partial<ExecutionTask> = {}): ExecutionTask {
  return { task_id: 'task-verify', verification_steps: steps, ...extra }
}

t.test('status precedence error > timeout > fail > pass, and summary counts', async (t) => {
  t.equal(overallStatus([{ status: 'pass' }, { status: 'fail' }, { status: 'error' }, { status: 'timeout' }]), 'error')
  t.equal(overallStatus([{ status: 'pass' }, { status: 'fail' }, { status: 'timeout' }]), 'timeout')
  t.equal(overallStatus([{ status: 'pass' }, { status: 'fail' }]), 'fail')
  t.equal(overallStatus([{ status: 'pass' }]), 'pass')
  t.same(summarize([{ status: 'pass' }, { status: 'fail' }, { status: 'error' }, { status: 'timeout' }, { status: 'pass' }]), {
    total: 5,
    passed: 2,
    failed: 1,
    errors: 1,
    timed_out: 1,
  })
})

t.test('skip_verification → skip report; no steps → auto_pass report (exact empty shape)', async (t) => {
  const clock = new ManualClock(5_000)
  const skip = await runVerification(task([{ type: 'file_exists', target: 'x' }], { skip_verification: true }), { workspaceDir: null, clock, runNumber: 2 })
  t.same(skip, {
    task_id: 'task-verify',
    run_number: 2,
    started_at: 5_000,
    timeout_ms: DEFAULT_VERIFICATION_TIMEOUT_MS,
    status: 'skip',
    duration_ms: 0,
    checks: [],
    summary: { total: 0, passed: 0, failed: 0, errors: 0, timed_out: 0 },
  })
  const auto = await runVerification(task([], { verification_timeout_ms: 30_000 }), { workspaceDir: null, clock })
  t.equal(auto.status, 'auto_pass')
  t.equal(auto.run_number, 1)
  t.equal(auto.timeout_ms, 30_000)
  t.same(auto.checks, [])
  const nullSteps = await runVerification({ task_id: 'x', verification_steps: null }, { workspaceDir: null, clock })
  t.equal(nullSteps.status, 'auto_pass')
})

t.test('every check type against a real git workspace; relative targets resolve in the WORKSPACE', async (t) => {
  const { work } = await makeRepoWithRemote(t.teardown)
  mkdirSync(join(work, 'src'))
  writeFileSync(join(work, 'src', 'a.ts'), 'export const a = 1\n')
  await git(work, 'add', '.')
  await git(work, 'commit', '--quiet', '-m', 'add src')
  // the sidecar's own cwd is the project checkout, where src/a.ts does not exist
  const report = await runVerification(
    task([
      { type: 'file_exists', target: 'src/a.ts', description: 'source exists' },
      { type: 'file_exists', target: 'src/missing.ts' },
      { type: 'git_clean', target: '.' },
      { type: 'command_succeeds', target: 'test "$(cat src/a.ts)" = "export const a = 1" && echo matched' },
      { type: 'test_passes', target: 'exit 4' },
    ]),
    { workspaceDir: work, runNumber: 3 },
  )
  t.equal(report.run_number, 3)
  t.equal(report.status, 'fail')
  t.same(
    report.checks.map((c) => [c.type, c.target, c.status]),
    [
      ['file_exists', 'src/a.ts', 'pass'],
      ['file_exists', 'src/missing.ts', 'fail'],
      ['git_clean', '.', 'pass'],
      ['command_succeeds', 'test "$(cat src/a.ts)" = "export const a = 1" && echo matched', 'pass'],
      ['test_passes', 'exit 4', 'fail'],
    ],
    'all checks ran (no fail-fast), in order',
  )
  t.equal(report.checks[0].description, 'source exists')
  t.equal(report.checks[1].description, null)
  t.equal(report.checks[0].output, '', 'file_exists success has empty output')
  t.equal(report.checks[1].output, 'File not found: src/missing.ts')
  t.equal(report.checks[3].output, 'matched\n', 'success output is stdout')
  t.same(report.summary, { total: 5, passed: 3, failed: 2, errors: 0, timed_out: 0 })
  t.same(Object.keys(report).sort(), ['checks', 'duration_ms', 'run_number', 'started_at', 'status', 'summary', 'task_id', 'timeout_ms'])
  t.same(Object.keys(report.checks[0]).sort(), ['description', 'duration_ms', 'output', 'status', 'target', 'type'])
})

t.test('git_clean: untracked and modified files are dirty, ignored files are not; a non-repo is an error', async (t) => {
  const { work } = await makeRepoWithRemote(t.teardown)
  writeFileSync(join(work, '.gitignore'), 'build/\n')
  await git(work, 'add', '.gitignore')
  await git(work, 'commit', '--quiet', '-m', 'ignore build')
  mkdirSync(join(work, 'build'))
  writeFileSync(join(work, 'build', 'out.js'), 'x')
  const clean = await runVerification(task([{ type: 'git_clean', target: '.' }]), { workspaceDir: work })
  t.equal(clean.status, 'pass', 'ignored files do not count')
  writeFileSync(join(work, 'new.txt'), 'x')
  writeFileSync(join(work, 'README.md'), 'changed\n')
  const dirty = await runVerification(task([{ type: 'git_clean', target: '.' }]), { workspaceDir: work })
  t.equal(dirty.status, 'fail')
  t.match(dirty.checks[0].output, / M README.md/)
  t.match(dirty.checks[0].output, /\?\? new.txt/)
  const notRepo = makeTempDir(t.teardown)
  const errored = await runVerification(task([{ type: 'git_clean', target: '.' }, { type: 'git_clean', target: 'nope' }]), { workspaceDir: notRepo })
  t.equal(errored.status, 'error')
  t.match(errored.checks[0].output, /not a git repository/)
  t.equal(errored.checks[1].output, 'Directory not found: nope')
})

t.test('test_passes auto: detects the runner; none found is an error, NOT a pass (defect)', async (t) => {
  const empty = makeTempDir(t.teardown)
  const none = await runVerification(task([{ type: 'test_passes', target: 'auto' }]), { workspaceDir: empty })
  t.equal(none.status, 'error')
  t.match(none.checks[0].output, /No test runner detected .*mix.exs, package.json, Makefile/)

  const withMake = makeTempDir(t.teardown)
  writeFileSync(join(withMake, 'Makefile'), 'test:\n\t@echo make-tests-ran\n')
  const make = await runVerification(task([{ type: 'test_passes', target: 'auto' }]), { workspaceDir: withMake })
  t.equal(make.status, 'pass')
  t.match(make.checks[0].output, /make-tests-ran/)

  const withPkg = makeTempDir(t.teardown)
  writeFileSync(join(withPkg, 'Makefile'), 'test:\n\t@exit 1\n')
  writeFileSync(join(withPkg, 'package.json'), JSON.stringify({ name: 'x', scripts: { test: 'node -e "process.exit(2)"' } }))
  const npm = await runVerification(task([{ type: 'test_passes', target: 'auto' }]), { workspaceDir: withPkg })
  t.equal(npm.status, 'fail', 'package.json wins over Makefile, and its failure is reported')
})

t.test('unknown check types and malformed steps are errors, not crashes', async (t) => {
  const dir = makeTempDir(t.teardown)
  const report = await runVerification(task([{ type: 'lint_passes', target: 'src' }, 'garbage', { type: 'file_exists' }, null]), { workspaceDir: dir })
  t.equal(report.status, 'error')
  t.equal(report.checks.length, 4)
  t.equal(report.checks[0].output, 'Unknown check type: lint_passes')
  t.match(report.checks[1].output, /Invalid verification step/)
  t.match(report.checks[2].output, /non-empty strings/)
  t.same(report.summary, { total: 4, passed: 0, failed: 0, errors: 4, timed_out: 0 })
})

t.test('verbose passing output does not fail the check (defect: 1 MiB buffer)', async (t) => {
  const dir = makeTempDir(t.teardown)
  const report = await runVerification(
    task([{ type: 'command_succeeds', target: `"${process.execPath}" -e "process.stdout.write('v'.repeat(3*1024*1024)+'END')"` }]),
    { workspaceDir: dir },
  )
  t.equal(report.status, 'pass')
  t.ok(report.checks[0].output.length <= 10_100, 'report output bounded')
  t.ok(report.checks[0].output.endsWith('END'))
  t.equal(boundOutput('short'), 'short')
})

t.test('the global timeout really fires: the hanging check is killed, the rest reported as timeout', async (t) => {
  const dir = makeTempDir(t.teardown)
  const clock = new ManualClock()
  const running = runVerification(
    task(
      [
        { type: 'file_exists', target: '.' },
        { type: 'command_succeeds', target: 'echo started > started.txt; sleep 60' },
        { type: 'command_succeeds', target: 'echo never' },
      ],
      { verification_timeout_ms: 10_000 },
    ),
    { workspaceDir: dir, clock },
  )
  await clock.whenScheduled(10_000)
  const started = Date.now()
  while (!existsSync(join(dir, 'started.txt'))) await new Promise((r) => setTimeout(r, 10))
  clock.advance(10_000)
  const report = await running
  t.ok(Date.now() - started < 10_000, 'did not wait for the hanging command')
  t.equal(report.status, 'timeout')
  t.same(report.checks.map((c) => c.status), ['pass', 'timeout', 'timeout'])
  t.match(report.checks[2].output, /Not run: verification timed out after 10000ms/)
  t.same(report.summary, { total: 3, passed: 1, failed: 0, errors: 0, timed_out: 2 })
  t.equal(report.timeout_ms, 10_000)
})

t.test('a per-step timeout_ms bounds one check', async (t) => {
  const dir = makeTempDir(t.teardown)
  const clock = new ManualClock()
  const running = runVerification(task([{ type: 'command_succeeds', target: 'sleep 60', timeout_ms: 2_000 }, { type: 'file_exists', target: '.' }]), {
    workspaceDir: dir,
    clock,
  })
  await clock.whenScheduled(2_000)
  clock.advance(2_000)
  await clock.whenScheduled(5_000)
  clock.advance(5_000) // sh may ignore TERM while sleep runs: SIGKILL follows
  const report = await running
  t.same(report.checks.map((c) => c.status), ['timeout', 'pass'])
  t.match(report.checks[0].output, /Check timed out after 2000ms/)
  t.equal(report.status, 'timeout')
})
