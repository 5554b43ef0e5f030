import t from 'tap'
import fc from 'fast-check'
import { Value } from '@sinclair/typebox/value'
import {
  baseRepoId,
  deriveRepoId,
  nameProblem,
  normalizeRepoUrl,
  RepoEntrySchema,
  urlHash,
  type RepoEntry,
} from '../../actors/repo-registry/repo-entry'
import {
  addRepo,
  inheritRepo,
  isRepoSchedulable,
  moveRepoDown,
  moveRepoUp,
  pausedRepoUrls,
  pauseRepo,
  removeRepo,
  topActiveRepoUrl,
  unpauseRepo,
  type RepoResult,
} from '../../actors/repo-registry/repo-operations'

const T0 = 1_700_000_000_000

function ok(r: RepoResult) {
  if (!r.ok) throw new Error(`expected ok, got ${r.error}: ${r.detail}`)
  return r
}

function registry(...urls: string[]): RepoEntry[] {
  let repos: RepoEntry[] = []
  for (const url of urls) repos = ok(addRepo(repos, { url }, T0)).repos
  return repos
}

const ids = (repos: RepoEntry[]) => repos.map((r) => r.id)

t.test('URL normalisation: trim, one trailing /, then .git', async (t) => {
  const table: Array<[string, string]> = [
    ['https://github.com/notno/AgentCom', 'https://github.com/notno/AgentCom'],
    ['  https://github.com/notno/AgentCom.git/  ', 'https://github.com/notno/AgentCom'],
    ['https://github.com/notno/AgentCom/', 'https://github.com/notno/AgentCom'],
    ['git@github.com:o/r.git', 'git@github.com:o/r'],
    ['/srv/git/remote.git', '/srv/git/remote'],
    ['https://github.com/o/r.git.git', 'https://github.com/o/r.git'],
  ]
  for (const [raw, expected] of table) t.equal(normalizeRepoUrl(raw), expected, raw)
})

t.test('ids: the original form for github.com, host-qualified elsewhere, never colliding', async (t) => {
  const table: Array<[string, string]> = [
    ['https://github.com/notno/AgentCom', 'notno-AgentCom'],
    ['http://github.com/notno/AgentCom', 'notno-AgentCom'],
    ['https://GitHub.com/o/r', 'o-r'],
    ['git@github.com:o/r', 'o-r'],
    ['ssh://git@github.com/o/r', 'o-r'],
    ['https://gitlab.com/o/r', 'gitlab.com-o-r'],
    ['https://git.example.com:8443/team/sub/r', 'git.example.com-team-sub-r'],
    ['git@gitlab.com:o/r', 'gitlab.com-o-r'],
    ['/srv/git/remote', 'srv-git-remote'],
    ['file:///tmp/x/remote', 'tmp-x-remote'],
    ['https://github.com/o/we ird~name', 'o-we-ird-name'],
    ['https://github.com/', 'repo'],
    ['../../etc', 'etc'],
  ]
  for (const [url, id] of table) t.equal(baseRepoId(url), id, url)

  const repos = registry('https://github.com/o/r')
  t.equal(deriveRepoId('https://gitlab.com/o/r', repos), 'gitlab.com-o-r', 'same owner/name on another host: distinct')
  const clash = registry('https://github.com/a-b/c')
  t.equal(deriveRepoId('https://github.com/a/b-c', clash), `a-b-c-${urlHash('https://github.com/a/b-c')}`, 'an id taken by another URL gets a hash')
  const both = ok(addRepo(clash, { url: 'https://github.com/a/b-c' }, T0)).repos
  t.equal(new Set(ids(both)).size, 2)
  t.equal(deriveRepoId('x', [{ id: 'x' }, { id: `x-${urlHash('x')}` }]), `x-${urlHash('x')}-2`)
})

t.test('ids are unique and path-safe for any URLs (property)', async () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9._~ -]{1,8}$/)
  const url = fc.tuple(fc.constantFrom('https://github.com', 'https://gitlab.com', 'git@github.com:', '/srv'), fc.array(segment, { minLength: 1, maxLength: 3 }))
    .map(([h, segs]) => (h.endsWith(':') ? `${h}${segs.join('/')}` : `${h}/${segs.join('/')}`))
  fc.assert(
    fc.property(fc.array(url, { maxLength: 12 }), (urls) => {
      let repos: RepoEntry[] = []
      for (const u of urls) {
        const r = addRepo(repos, { url: u }, T0)
        if (r.ok) repos = r.repos
      }
      const idSet = new Set(ids(repos))
      return idSet.size === repos.length && repos.every((r) => /^[A-Za-z0-9._-]+$/.test(r.id) && r.id !== '.' && r.id !== '..' && !r.id.startsWith('.'))
    }),
    { numRuns: 300 },
  )
})

t.test('add: appended at the bottom, active, normalised, duplicates refused', async (t) => {
  const r1 = ok(addRepo([], { url: 'https://github.com/notno/AgentCom.git', added_by: 'ops' }, T0))
  t.same(r1.entry, { id: 'notno-AgentCom', url: 'https://github.com/notno/AgentCom', name: 'notno-AgentCom', status: 'active', added_at: T0, added_by: 'ops' })
  t.ok(Value.Check(RepoEntrySchema, r1.entry))
  const r2 = ok(addRepo(r1.repos, { url: 'https://github.com/o/second', name: '  Second  ' }, T0 + 1))
  t.same(ids(r2.repos), ['notno-AgentCom', 'o-second'])
  t.equal(r2.entry.name, 'Second')
  t.equal(r2.entry.added_by, 'admin', 'default principal')
  t.match(addRepo(r2.repos, { url: ' https://github.com/notno/AgentCom/ ' }, T0), { ok: false, error: 'already_exists' })
  t.equal(r1.repos.length, 1, 'inputs are not mutated')
})

t.test('add: bad urls and path-traversal names are refused', async (t) => {
  for (const url of ['', '   ', '.git', '/', 'https://github.com/o/r x', 'https://github.com/o/\u0000r', 5, null]) {
    t.match(addRepo([], { url }, T0), { ok: false, error: 'invalid_url' }, JSON.stringify(url))
  }
  for (const name of ['..', '.', '../etc', 'a/b', 'a\\b', 'x\u0007', 'n'.repeat(256), 5]) {
    t.match(addRepo([], { url: 'https://github.com/o/r', name }, T0), { ok: false, error: 'invalid_name' }, JSON.stringify(name))
  }
  t.equal(nameProblem('My repo (v2)'), null, 'ordinary names are fine')
  t.equal(nameProblem('..hidden-ish'), null, 'dots inside a single component are not traversal')
  t.match(addRepo([], { url: 'https://github.com/o/r', name: '' }, T0), { ok: true, entry: { name: 'o-r' } }, 'an empty name means the default')
})

t.test('remove, move, pause: semantics and unknown ids (not_found, deviation)', async (t) => {
  const repos = registry('https://github.com/o/a', 'https://github.com/o/b', 'https://github.com/o/c')
  t.same(ids(ok(moveRepoUp(repos, 'o-b')).repos), ['o-b', 'o-a', 'o-c'], 'swap with the neighbour above')
  t.same(ids(ok(moveRepoDown(repos, 'o-b')).repos), ['o-a', 'o-c', 'o-b'])
  const top = ok(moveRepoUp(repos, 'o-a'))
  t.same(ids(top.repos), ['o-a', 'o-b', 'o-c'], 'no-op at the top')
  t.equal(top.changed, false)
  t.equal(ok(moveRepoDown(repos, 'o-c')).changed, false, 'no-op at the bottom')

  const paused = ok(pauseRepo(repos, 'o-b'))
  t.equal(paused.entry.status, 'paused')
  t.equal(paused.changed, true)
  t.equal(ok(pauseRepo(paused.repos, 'o-b')).changed, false, 'pausing a paused repo is a no-op')
  const active = ok(unpauseRepo(paused.repos, 'o-b'))
  t.equal(active.entry.status, 'active')
  t.equal(repos[1]!.status, 'active', 'inputs are not mutated')

  const removed = ok(removeRepo(repos, 'o-b'))
  t.same(ids(removed.repos), ['o-a', 'o-c'])
  t.equal(removed.entry.id, 'o-b')

  for (const op of [removeRepo, moveRepoUp, moveRepoDown, pauseRepo, unpauseRepo]) {
    t.match(op(repos, 'ghost'), { ok: false, error: 'not_found' }, op.name)
  }
})

t.test('scheduler filter and nil-repo inheritance', async (t) => {
  let repos = registry('https://github.com/o/a', 'https://github.com/o/b')
  repos = ok(pauseRepo(repos, 'o-a')).repos
  t.same(pausedRepoUrls(repos), ['https://github.com/o/a'])
  const table: Array<[string | null | undefined, boolean]> = [
    [null, true],
    [undefined, true],
    ['https://github.com/o/a', false],
    ['https://github.com/o/b', true],
    ['https://github.com/o/unregistered', true],
    ['https://github.com/o/a.git', true], // exact comparison of normalised URLs: callers normalise first
  ]
  for (const [repo, schedulable] of table) t.equal(isRepoSchedulable(repo, repos), schedulable, String(repo))

  t.equal(topActiveRepoUrl(repos), 'https://github.com/o/b', 'the first active repo in priority order')
  t.equal(topActiveRepoUrl(ok(pauseRepo(repos, 'o-b')).repos), null, 'none active → null')
  t.equal(topActiveRepoUrl([]), null)
  t.equal(inheritRepo(undefined, repos), 'https://github.com/o/b')
  t.equal(inheritRepo(null, repos), 'https://github.com/o/b')
  t.equal(inheritRepo('', repos), 'https://github.com/o/b', 'empty string counts as absent')
  t.equal(inheritRepo(' https://github.com/x/y.git ', repos), 'https://github.com/x/y', 'a given repo is kept (normalised)')
  t.equal(inheritRepo(42, []), null)
})
