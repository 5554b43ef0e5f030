import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import {
  createTask,
  generateTaskId,
  HISTORY_CAP,
  isTrivialTask,
  maxVerificationRetriesFrom,
  normalizeRepoUrl,
  priorityFromInput,
  priorityName,
  TaskSchema,
  TaskViewSchema,
  toTaskView,
  withHistory,
  type Complexity,
} from '../../actors/task-queue/task'

const NOW = 1_700_000_000_000

t.test('an empty submission gets every default of the spec', async (t) => {
  const task = createTask({}, { now: NOW, id: 'task-0000000000000001' })
  t.match(task, {
    id: 'task-0000000000000001',
    description: '',
    metadata: {},
    priority: 2,
    status: 'queued',
    assigned_to: null,
    assigned_at: null,
    generation: 0,
    retry_count: 0,
    max_retries: 3,
    complete_by: null,
    needed_capabilities: [],
    result: null,
    tokens_used: null,
    last_error: null,
    submitted_by: 'unknown',
    created_at: NOW,
    updated_at: NOW,
    repo: null,
    branch: null,
    file_hints: [],
    success_criteria: [],
    verification_steps: [],
    complexity: null,
    routing_decision: null,
    verification_report: null,
    verification_history: [],
    max_verification_retries: 0,
    skip_verification: null,
    verification_timeout_ms: null,
    ttl_started_at: NOW,
  })
  t.same(task.history, [{ event: 'queued', timestamp: NOW, details: 'submitted' }])
  t.ok(Value.Check(TaskSchema, task), 'the record satisfies the schema')
})

t.test('priority names map to lanes; anything else is normal', async (t) => {
  const table: Array<[unknown, number]> = [
    ['urgent', 0], ['high', 1], ['normal', 2], ['low', 3],
    ['URGENT', 2], ['critical', 2], [undefined, 2], [null, 2], [7, 2], [1.5, 2], ['constructor', 2],
    [0, 0], [3, 3],
  ]
  for (const [input, lane] of table) t.equal(priorityFromInput(input), lane, `${String(input)} → ${lane}`)
  t.equal(priorityName(0), 'urgent')
  t.equal(priorityName(3), 'low')
  t.equal(createTask({ priority: 'high' }, { now: NOW }).priority, 1)
})

t.test('max_retries keeps any integer (no range check, as the original)', async (t) => {
  t.equal(createTask({ max_retries: 5 }, { now: NOW }).max_retries, 5)
  t.equal(createTask({ max_retries: 0 }, { now: NOW }).max_retries, 0)
  t.equal(createTask({ max_retries: -1 }, { now: NOW }).max_retries, -1)
  t.equal(createTask({ max_retries: 'many' }, { now: NOW }).max_retries, 3)
})

t.test('max_verification_retries defaults to 0 and is clamped to 0..5 (deviation)', async (t) => {
  t.equal(maxVerificationRetriesFrom(undefined), 0)
  t.equal(maxVerificationRetriesFrom(null), 0, 'the original turned an HTTP null into 5')
  t.equal(maxVerificationRetriesFrom(3), 3)
  t.equal(maxVerificationRetriesFrom(9), 5)
  t.equal(maxVerificationRetriesFrom(-2), 0)
  t.equal(maxVerificationRetriesFrom(2.7), 2)
  t.equal(createTask({ max_verification_retries: 50 }, { now: NOW }).max_verification_retries, 5)
})

t.test('repo is normalised, inherited when absent or empty, kept when given', async (t) => {
  t.equal(normalizeRepoUrl(' https://github.com/o/r.git/ '), 'https://github.com/o/r')
  t.equal(normalizeRepoUrl('https://github.com/o/r/'), 'https://github.com/o/r')
  t.equal(normalizeRepoUrl('git@github.com:o/r.git'), 'git@github.com:o/r')
  const top = 'https://github.com/top/repo'
  t.equal(createTask({}, { now: NOW, inheritedRepo: top }).repo, top)
  t.equal(createTask({ repo: '' }, { now: NOW, inheritedRepo: top }).repo, top)
  t.equal(createTask({ repo: null }, { now: NOW, inheritedRepo: top }).repo, top)
  t.equal(createTask({ repo: 'https://x/y.git' }, { now: NOW, inheritedRepo: top }).repo, 'https://x/y')
  t.equal(createTask({}, { now: NOW, inheritedRepo: null }).repo, null)
})

t.test('loose input falls back to defaults instead of throwing', async (t) => {
  const task = createTask(
    {
      description: 42,
      metadata: ['not', 'an', 'object'],
      complete_by: 'tomorrow',
      needed_capabilities: ['git', 3, 'node'],
      submitted_by: { id: 1 },
      file_hints: [{ path: 'a.ts' }, { path: '' }, 'b.ts', { path: 'c.ts', reason: 'hot' }],
      verification_steps: [{ type: 'test_passes', target: 'npm test' }, { type: '', target: 'x' }],
      success_criteria: ['passes', 1],
      skip_verification: 'yes',
      verification_timeout_ms: 1.5,
      branch: 7,
    },
    { now: NOW },
  )
  t.equal(task.description, '')
  t.same(task.metadata, {})
  t.equal(task.complete_by, null)
  t.same(task.needed_capabilities, ['git', 'node'])
  t.equal(task.submitted_by, 'unknown')
  t.same(task.file_hints, [{ path: 'a.ts' }, { path: 'c.ts', reason: 'hot' }])
  t.same(task.verification_steps, [{ type: 'test_passes', target: 'npm test' }])
  t.same(task.success_criteria, ['passes'])
  t.equal(task.skip_verification, null)
  t.equal(task.verification_timeout_ms, null)
  t.equal(task.branch, null)
  t.ok(Value.Check(TaskSchema, task))
})

t.test('ids are task- plus 16 hex characters and unique', async (t) => {
  const ids = new Set(Array.from({ length: 200 }, generateTaskId))
  t.equal(ids.size, 200)
  for (const id of ids) t.match(id, /^task-[0-9a-f]{16}$/)
})

t.test('history is newest first and capped at 50', async (t) => {
  let history = createTask({}, { now: NOW }).history
  for (let i = 1; i <= 60; i++) history = withHistory(history, { event: 'retry', timestamp: NOW + i, details: `e${i}` })
  t.equal(history.length, HISTORY_CAP)
  t.equal(history[0]!.details, 'e60')
  t.equal(history[49]!.details, 'e11')
})

const complexity: Complexity = {
  effective_tier: 'trivial',
  explicit_tier: null,
  source: 'inferred',
  inferred: {
    tier: 'trivial',
    confidence: 0.9,
    signals: { word_count: 3, file_count: 0, verification_count: 0, keywords: { complex: false, trivial: true } },
  },
}

t.test('TaskView hides internal fields and complexity signals, keeps everything else', async (t) => {
  const task = createTask(
    { description: 'fix typo', complexity, skip_verification: true, verification_timeout_ms: 5000 },
    { now: NOW },
  )
  const view = toTaskView(task)
  t.notOk('skip_verification' in view)
  t.notOk('verification_timeout_ms' in view)
  t.notOk('ttl_started_at' in view)
  t.same(view.complexity, {
    effective_tier: 'trivial',
    explicit_tier: null,
    source: 'inferred',
    inferred: { tier: 'trivial', confidence: 0.9 },
  })
  t.ok(task.complexity!.inferred.signals, 'the stored record keeps the signals')
  t.equal(view.max_verification_retries, 0)
  t.same(view.verification_history, [])
  t.ok(Value.Check(TaskViewSchema, view), 'the view satisfies its schema')
  t.same(JSON.parse(JSON.stringify(view)), view, 'the view is plain JSON')
})

t.test('only an effective tier of trivial counts as trivial', async (t) => {
  t.ok(isTrivialTask({ complexity }))
  t.notOk(isTrivialTask({ complexity: null }))
  t.notOk(isTrivialTask({ complexity: { ...complexity, effective_tier: 'unknown' } }))
})
