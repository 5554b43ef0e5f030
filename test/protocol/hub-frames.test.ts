import t, { type Test } from 'tap'
import * as p from '../../relay/protocol'

const agent: p.AgentInfo = { agent_id: 'a1', name: 'Agent 1', status: 'idle', capabilities: ['code'], connected_at: 1_700_000_000_000 }
const stored: p.StoredMessage = { id: '0123456789abcdef', from: 'a1', to: null, type: 'chat', payload: { text: 'hi' }, reply_to: null, timestamp: 5 }
const routing: p.RoutingDecision = {
  effective_tier: 'standard',
  target_type: 'ollama',
  selected_endpoint: 'gpu-box:11434',
  selected_model: 'qwen2.5-coder:7b',
  fallback_used: false,
  fallback_from_tier: null,
  fallback_reason: null,
  candidate_count: 2,
  classification_reason: 'inferred:standard (confidence 0.80, word_count=20, files=1)',
  estimated_cost_tier: 'local',
  decided_at: 99,
}

function assertValid(t: Test, frame: unknown, name: string) {
  const result = p.validateHubFrame(frame)
  t.ok(result.ok, name)
  if (!result.ok) t.comment(JSON.stringify(result.errors))
}

t.test('every builder produces the documented frame, valid against its schema', async (t) => {
  const rows: [string, unknown, unknown][] = [
    ['identified', p.identifiedFrame('a1'), { type: 'identified', agent_id: 'a1' }],
    ['pong', p.pongFrame(123), { type: 'pong', timestamp: 123 }],
    ['message_sent', p.messageSentFrame('m1'), { type: 'message_sent', id: 'm1' }],
    ['status_updated', p.statusUpdatedFrame(), { type: 'status_updated' }],
    ['agents', p.agentsFrame([agent]), { type: 'agents', agents: [agent] }],
    ['channel_subscribed', p.channelSubscribedFrame('#Ops'), { type: 'channel_subscribed', channel: '#Ops' }],
    ['channel_subscribed again', p.channelSubscribedFrame('ops', true), { type: 'channel_subscribed', channel: 'ops', note: 'already_subscribed' }],
    ['channel_unsubscribed', p.channelUnsubscribedFrame('ops'), { type: 'channel_unsubscribed', channel: 'ops' }],
    ['channel_published', p.channelPublishedFrame('ops', 4, 'm2'), { type: 'channel_published', channel: 'ops', seq: 4, id: 'm2' }],
    [
      'channel_history',
      p.channelHistoryFrame('ops', [{ seq: 1, message: stored, stored_at: 6 }]),
      { type: 'channel_history', channel: 'ops', messages: [{ seq: 1, message: stored, stored_at: 6 }] },
    ],
    [
      'channels',
      p.channelsFrame([{ name: 'ops', description: null, subscriber_count: 2, created_at: 1 }]),
      { type: 'channels', channels: [{ name: 'ops', description: null, subscriber_count: 2, created_at: 1 }] },
    ],
    ['task_ack', p.taskAckFrame('task-1', 'dead_letter'), { type: 'task_ack', task_id: 'task-1', status: 'dead_letter' }],
    ['task_continue', p.taskContinueFrame('task-1', 3), { type: 'task_continue', task_id: 'task-1', generation: 3 }],
    ['task_reassign', p.taskReassignFrame('task-1'), { type: 'task_reassign', task_id: 'task-1' }],
    ['ollama_report_ack', p.ollamaReportAckFrame(), { type: 'ollama_report_ack', status: 'registered' }],
    [
      'message push (no `to`, type as message_type)',
      p.messagePush(stored),
      { type: 'message', id: stored.id, from: 'a1', message_type: 'chat', payload: { text: 'hi' }, reply_to: null, timestamp: 5 },
    ],
    [
      'channel_message push',
      p.channelMessagePush('ops', stored),
      { type: 'channel_message', channel: 'ops', id: stored.id, from: 'a1', message_type: 'chat', payload: { text: 'hi' }, reply_to: null, timestamp: 5 },
    ],
    ['agent_joined', p.agentJoinedPush(agent), { type: 'agent_joined', agent }],
    ['agent_left', p.agentLeftPush('a1'), { type: 'agent_left', agent_id: 'a1' }],
    ['status_changed', p.statusChangedPush(agent), { type: 'status_changed', agent }],
    ['channel_agent_joined', p.channelAgentJoinedPush('ops', 'a2'), { type: 'channel_agent_joined', channel: 'ops', agent_id: 'a2' }],
  ]
  for (const [name, built, expected] of rows) {
    t.same(built, expected, name)
    assertValid(t, built, `${name} validates`)
  }
  t.notOk('to' in p.messagePush({ ...stored, to: 'a2' }), 'a pushed message never carries `to`')
})

t.test('error frames and their exact strings (protocol.md §1.3)', async (t) => {
  for (const code of p.WS_ERROR_CODES) {
    t.same(p.errorFrame(code), { type: 'error', error: code })
    assertValid(t, p.errorFrame(code), code)
  }
  t.same([...p.WS_ERROR_CODES].sort(), ['channel_not_found', 'invalid_json', 'invalid_token', 'not_identified', 'token_agent_mismatch', 'unknown_message_type'])
  for (const reason of p.TASK_REPORT_REJECTIONS) {
    t.same(p.taskCompleteFailedFrame(reason), { type: 'error', error: `task_complete_failed: ${reason}` })
    t.same(p.taskFailFailedFrame(reason), { type: 'error', error: `task_fail_failed: ${reason}` })
  }
  t.same([...p.TASK_REPORT_REJECTIONS], ['stale_generation', 'invalid_state', 'not_found', 'table_corrupted'])
  const items: p.ErrorItem[] = [{ field: 'agent_id', error: 'required', detail: 'field is required' }]
  const failed = p.validationFailedFrame('identify', items)
  t.same(failed, { type: 'error', error: 'validation_failed', message_type: 'identify', errors: items })
  assertValid(t, failed, 'validation_failed frame')
  t.notOk(p.validateHubFrame({ ...failed, errors: [{ field: 'x' }] }).ok, 'a validation_failed frame with a malformed item is caught')
  t.same(p.rateLimitedFrame(2000, 'heavy'), { type: 'rate_limited', retry_after_ms: 2000, tier: 'heavy' })
  t.same(p.rateLimitWarningFrame('normal', 11.9, 60), { type: 'rate_limit_warning', tier: 'normal', remaining: 11, capacity: 60 })
  assertValid(t, p.rateLimitedFrame(2000, 'heavy'), 'rate_limited')
  assertValid(t, p.rateLimitWarningFrame('light', 3, 120), 'rate_limit_warning')
})

t.test('close codes and reason texts (protocol.md §1.4)', async (t) => {
  t.same(p.CLOSE.tooManyValidationErrors, { code: 1008, reason: 'too many validation errors' })
  t.equal(p.CLOSE.binaryFrame.code, 1003)
  t.equal(p.CLOSE.shutdown.code, 1001)
  t.equal(p.CLOSE.invalidUtf8.code, 1007)
  t.equal(p.CLOSE.internalError.code, 1011)
  for (const spec of Object.values(p.CLOSE)) t.ok(Buffer.byteLength(spec.reason) <= 123, `${spec.reason} fits a close frame`)
  const rows: [number, string][] = [
    [30_000, 'cooldown active: retry in 31s'],
    [29_999, 'cooldown active: retry in 30s'],
    [999, 'cooldown active: retry in 1s'],
    [1, 'cooldown active: retry in 1s'],
    [0, 'cooldown active: retry in 1s'],
    [300_000, 'cooldown active: retry in 301s'],
  ]
  for (const [ms, reason] of rows) t.same(p.cooldownClose(ms), { code: 1008, reason }, `${ms} ms`)
  t.same([0, 1, 2, 3, 7].map(p.validationCooldownMs), [0, 30_000, 60_000, 300_000, 300_000])
  t.equal(p.VALIDATION_DISCONNECT_THRESHOLD, 10)
  t.equal(p.VALIDATION_WINDOW_MS, 60_000)
})

t.test('task_assign always carries every v1.2 field with its default', async (t) => {
  const bare = p.taskAssignFrame({ task_id: 'task-0123456789abcdef' }, 1000)
  t.same(bare, {
    type: 'task_assign',
    task_id: 'task-0123456789abcdef',
    description: '',
    metadata: {},
    generation: 0,
    assigned_at: 1000,
    repo: null,
    branch: null,
    file_hints: [],
    success_criteria: [],
    verification_steps: [],
    complexity: null,
    routing_decision: null,
    skip_verification: false,
    verification_timeout_ms: null,
    max_verification_retries: 0,
  })
  assertValid(t, bare, 'defaults validate')
  const nulls = p.taskAssignFrame(
    { task_id: 't', description: null, metadata: null, generation: null, skip_verification: null, max_verification_retries: null, file_hints: null },
    1,
  )
  t.same({ ...nulls, task_id: 'task-0123456789abcdef', assigned_at: 1000 }, bare, 'null inputs get the same defaults')

  const full = p.taskAssignFrame(
    {
      task_id: 't2',
      description: 'do it',
      metadata: { shell_command: 'ls' },
      generation: 4,
      repo: 'https://github.com/o/r',
      branch: 'main',
      file_hints: [{ path: 'a' }],
      success_criteria: ['green'],
      verification_steps: [{ type: 'file_exists', target: 'a' }],
      complexity: {
        effective_tier: 'standard',
        source: 'inferred',
        explicit_tier: null,
        inferred: { tier: 'standard', confidence: 0.8, signals: { word_count: 20 } },
      },
      routing_decision: routing,
      skip_verification: true,
      verification_timeout_ms: 5000,
      max_verification_retries: 2,
    },
    2000,
  )
  assertValid(t, full, 'full frame validates')
  t.same(full.complexity, { effective_tier: 'standard', source: 'inferred', explicit_tier: null, inferred: { tier: 'standard', confidence: 0.8 } }, 'signals dropped')
  t.same(Object.keys(full.routing_decision ?? {}).sort(), [
    'classification_reason',
    'effective_tier',
    'estimated_cost_tier',
    'fallback_reason',
    'fallback_used',
    'selected_endpoint',
    'selected_model',
    'target_type',
  ], 'the 8-field routing form')
  t.same(p.toAssignRoutingDecision(routing), full.routing_decision)
})

t.test('validateHubFrame reports malformed frames the sidecar might receive', async (t) => {
  t.same(p.validateHubFrame({ type: 'task_assign', task_id: 't' }).ok, false)
  const wrong = p.validateHubFrame({ ...p.taskAssignFrame({ task_id: 't' }, 1), generation: -1, routing_decision: { ...p.toAssignRoutingDecision(routing), fallback_used: 'no' } })
  t.same(wrong.ok ? [] : wrong.errors, [
    { field: 'generation', error: 'invalid_value', detail: 'must be >= 0', value: -1 },
    { field: 'routing_decision.fallback_used', error: 'wrong_type', detail: 'expected boolean, got string', value: 'no' },
  ])
  t.same(p.validateHubFrame({ type: 'pong' }), { ok: false, frameType: 'pong', errors: [{ field: 'timestamp', error: 'required', detail: 'field is required' }] })
  const unknown = p.validateHubFrame({ type: 'identify' })
  t.equal(unknown.ok, false)
  if (!unknown.ok) {
    t.equal(unknown.errors[0]?.error, 'unknown_message_type')
    t.ok(unknown.errors[0]?.known_types?.includes('task_assign'))
  }
  t.same(p.validateHubFrame('x'), { ok: false, frameType: 'unknown', errors: [{ field: 'message', error: 'wrong_type', detail: 'expected JSON object' }] })
  t.same(p.validateHubFrame({}), { ok: false, frameType: 'unknown', errors: [{ field: 'type', error: 'required', detail: 'field is required' }] })
  t.same(p.validateHubFrame({ type: 1 }).ok, false)
  t.same(p.validateHubFrame({ type: 'task_ack', task_id: 't', status: 'failed' }).ok, false, 'the never-sent "failed" ack status is not part of the protocol')
})

t.test('HTTP error bodies', async (t) => {
  t.same(p.UNAUTHORIZED_BEARER, { error: 'unauthorized', hint: 'provide Authorization: Bearer <token>' })
  t.same(p.UNAUTHORIZED, { error: 'unauthorized' })
  t.same(p.NOT_FOUND, { error: 'not_found' })
  t.same(p.ADMIN_ONLY_RESET, { error: 'admin_only', message: 'Only admin agents can reset the hub' })
  t.same(p.rateLimitedBody(1500, 'light'), { error: 'rate_limited', retry_after_ms: 1500, tier: 'light' })
  t.same([0, 999, 1000, 1999, 2000, 61_000].map(p.retryAfterSeconds), [1, 1, 1, 1, 2, 61])
  t.same(p.validationFailedBody([]), { error: 'validation_failed', errors: [] })
})
