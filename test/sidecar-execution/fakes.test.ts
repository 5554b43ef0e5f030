// The shared fakes must behave like the programs they stand in for.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { makeTempDir } from '../fakes/temp-git-repo'

const FAKE_BIN = resolve(__dirname, '../fakes/bin')

function run(program: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(program, args, { env: { ...process.env, PATH: `${FAKE_BIN}${delimiter}${process.env.PATH}`, ...env }, cwd }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

t.test('gh: records argv and --body-file, prints a PR URL, label create --force succeeds, failure knob', async (t) => {
  const dir = makeTempDir(t.teardown)
  const log = join(dir, 'gh.jsonl')
  const body = join(dir, 'body.md')
  writeFileSync(body, '## Task task-1\n\ncost: $0.02\n')
  const env = { FAKE_GH_LOG: log, FAKE_GH_REPO: 'acme/widgets' }
  t.equal((await run('gh', ['label', 'create', 'agent:x', '--force'], env)).code, 0)
  t.equal((await run('gh', ['label', 'create', 'agent:x'], env)).code, 1)
  const pr = await run('gh', ['pr', 'create', '--base', 'main', '--head', 'x/feat', '--title', 'feat: $(rm -rf /)', '--body-file', body], env, dir)
  t.equal(pr.code, 0)
  t.equal(pr.stdout, 'https://github.com/acme/widgets/pull/1\n')
  const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; cwd: string; body: string | null })
  t.equal(calls.length, 3)
  t.same(calls[2].argv, ['pr', 'create', '--base', 'main', '--head', 'x/feat', '--title', 'feat: $(rm -rf /)', '--body-file', body])
  t.equal(calls[2].body, '## Task task-1\n\ncost: $0.02\n')
  t.equal(calls[2].cwd, dir)
  const failed = await run('gh', ['pr', 'create', '--title', 't', '--body-file', body], { ...env, FAKE_GH_FAIL: 'pr' })
  t.equal(failed.code, 1)
  t.match(failed.stderr, /GraphQL/)
  t.equal((await run('gh', ['label', 'create', 'l', '--force'], { ...env, FAKE_GH_FAIL: 'pr' })).code, 0, 'only pr fails')
})

t.test('claude: real CLI flag rules and output formats', async (t) => {
  const noVerbose = await run('claude', ['-p', '--output-format', 'stream-json', 'hi'], {})
  t.equal(noVerbose.code, 1)
  t.match(noVerbose.stderr, /requires --verbose/)
  t.equal((await run('claude', ['-p', '--bogus', 'hi'], {})).code, 1, 'unknown options rejected')
  const text = await run('claude', ['-p', 'hi there'], { FAKE_CLAUDE_REPLY: 'plain answer' })
  t.equal(text.stdout, 'plain answer\n')
  const json = await run('claude', ['-p', '--output-format', 'json', 'hi'], {})
  const result = JSON.parse(json.stdout) as Record<string, unknown>
  t.equal(result.type, 'result')
  t.equal(result.subtype, 'success')
  t.ok((result.usage as Record<string, unknown>).cache_read_input_tokens !== undefined)
  const stream = await run('claude', ['-p', '--output-format', 'stream-json', '--verbose', 'hi'], { FAKE_CLAUDE_LEGACY_DELTAS: '1' })
  const types = stream.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)
  t.same([types[0], types[types.length - 2], types[types.length - 1]], ['system', 'assistant', 'result'])
  t.ok(types.includes('content_block_delta'), 'legacy top-level deltas on request')
  t.notOk(types.includes('stream_event'), 'no stream_event without --include-partial-messages')
  t.match((await run('claude', ['--version'], {})).stdout, /Claude Code/)
})
