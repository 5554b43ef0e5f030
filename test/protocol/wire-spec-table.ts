// The schema tables of hardening.md §2.1–2.2 and smart-pipeline.md §2.1, transcribed by hand and
// independently of relay/protocol, so the tests compare the implementation against the spec
// rather than against itself. Run directly, this file checks its own coverage.
import t from 'tap'
import { HTTP_BODY_KEYS, WS_TYPES } from '../../relay/protocol'

export type Wire = 'string' | 'integer' | 'number' | 'positive_integer' | 'object' | 'boolean' | 'array<string>' | 'array<object>'

export interface SpecEntry {
  required: Record<string, Wire>
  optional: Record<string, Wire>
}

export const LENGTH_LIMITS: Record<string, number> = {
  agent_id: 128,
  description: 10_000,
  status: 256,
  channel: 64,
  token: 256,
  error: 2_000,
  reason: 2_000,
  name: 256,
  repo: 512,
  ollama_url: 512,
}

/** Every WS schema also requires `type` (string); it is listed here like the other fields. */
export const WS_SPEC: Record<string, SpecEntry> = {
  identify: {
    required: { type: 'string', agent_id: 'string', token: 'string' },
    optional: { name: 'string', status: 'string', capabilities: 'array<string>', ollama_url: 'string' },
  },
  message: { required: { type: 'string', payload: 'object' }, optional: { to: 'string', message_type: 'string', reply_to: 'string' } },
  status: { required: { type: 'string', status: 'string' }, optional: {} },
  list_agents: { required: { type: 'string' }, optional: {} },
  ping: { required: { type: 'string' }, optional: {} },
  channel_subscribe: { required: { type: 'string', channel: 'string' }, optional: {} },
  channel_unsubscribe: { required: { type: 'string', channel: 'string' }, optional: {} },
  channel_publish: { required: { type: 'string', channel: 'string', payload: 'object' }, optional: { message_type: 'string', reply_to: 'string' } },
  channel_history: { required: { type: 'string', channel: 'string' }, optional: { limit: 'integer', since: 'integer' } },
  list_channels: { required: { type: 'string' }, optional: {} },
  task_accepted: { required: { type: 'string', task_id: 'string' }, optional: {} },
  task_progress: { required: { type: 'string', task_id: 'string' }, optional: { progress: 'integer', execution_event: 'object' } },
  task_complete: {
    required: { type: 'string', task_id: 'string', generation: 'integer' },
    optional: { result: 'object', tokens_used: 'integer', verification_report: 'object', verification_history: 'array<object>' },
  },
  task_failed: { required: { type: 'string', task_id: 'string', generation: 'integer' }, optional: { error: 'string', reason: 'string' } },
  task_recovering: { required: { type: 'string', task_id: 'string' }, optional: {} },
  // Added deliberately: the real v1.2 sidecar sends it (the original hub rejected it).
  task_rejected: { required: { type: 'string', task_id: 'string' }, optional: { reason: 'string' } },
  ollama_report: { required: { type: 'string', ollama_url: 'string' }, optional: {} },
  resource_report: {
    required: { type: 'string' },
    optional: {
      cpu_percent: 'number',
      ram_used_bytes: 'number',
      ram_total_bytes: 'number',
      vram_used_bytes: 'number',
      vram_total_bytes: 'number',
      timestamp: 'number',
    },
  },
}

/** The HTTP schemas answered with validation_failed (the 14 of v1.2 plus alert thresholds). */
export const HTTP_SPEC: Record<string, SpecEntry> = {
  post_message: { required: { payload: 'object' }, optional: { to: 'string', type: 'string', reply_to: 'string' } },
  put_heartbeat_interval: { required: { heartbeat_interval_ms: 'positive_integer' }, optional: {} },
  put_mailbox_retention: { required: { mailbox_ttl_ms: 'positive_integer' }, optional: {} },
  post_channel: { required: { name: 'string' }, optional: { description: 'string' } },
  post_channel_publish: { required: { payload: 'object' }, optional: { type: 'string', reply_to: 'string' } },
  post_mailbox_ack: { required: { seq: 'integer' }, optional: {} },
  post_admin_token: { required: { agent_id: 'string' }, optional: {} },
  post_admin_push_task: { required: { agent_id: 'string', description: 'string' }, optional: { metadata: 'object' } },
  post_task: {
    required: { description: 'string' },
    optional: {
      priority: 'string',
      metadata: 'object',
      max_retries: 'integer',
      complete_by: 'integer',
      needed_capabilities: 'array<string>',
      repo: 'string',
      branch: 'string',
      file_hints: 'array<object>',
      success_criteria: 'array<string>',
      verification_steps: 'array<object>',
      complexity_tier: 'string',
      max_verification_retries: 'integer',
      skip_verification: 'boolean',
      verification_timeout_ms: 'integer',
    },
  },
  post_onboard_register: { required: { agent_id: 'string' }, optional: {} },
  put_default_repo: { required: { url: 'string' }, optional: {} },
  post_push_subscribe: { required: { endpoint: 'string' }, optional: {} },
  // Deviation: `port` is an integer 1..65535 here (the original declared "number" and never applied it).
  post_llm_registry: { required: { host: 'string' }, optional: { port: 'integer', name: 'string' } },
  post_repo: { required: { url: 'string' }, optional: { name: 'string' } },
  put_alert_thresholds: {
    required: {},
    optional: {
      queue_growing_checks: 'positive_integer',
      failure_rate_pct: 'number',
      stuck_task_ms: 'positive_integer',
      error_count_hour: 'integer',
      check_interval_ms: 'integer',
      cooldowns: 'object',
    },
  },
}

/** A value of the wire type that every schema accepts, unless a field needs something specific. */
export function validValue(wire: Wire, field: string): unknown {
  const special: Record<string, unknown> = {
    file_hints: [{ path: 'lib/a.ex', reason: 'entry point' }],
    verification_steps: [{ type: 'file_exists', target: 'lib/a.ex' }],
    complexity_tier: 'complex',
    endpoint: 'https://push.example.com/sub/1',
    port: 11434,
    failure_rate_pct: 25.5,
    check_interval_ms: 60_000,
    error_count_hour: 3,
    cooldowns: { stuck_tasks: 0 },
  }
  if (Object.prototype.hasOwnProperty.call(special, field)) return special[field]
  switch (wire) {
    case 'string':
      return 'v'
    case 'integer':
      return 7
    case 'number':
      return 1.5
    case 'positive_integer':
      return 1
    case 'object':
      return { k: 1 }
    case 'boolean':
      return true
    case 'array<string>':
      return ['a', 'b']
    case 'array<object>':
      return [{}, { k: 1 }]
  }
}

/** A value of the wrong type for `wire`, with the exact ErrorItem the original would report. */
export function wrongValues(wire: Wire, field: string): { value: unknown; expect: Record<string, unknown> }[] {
  const item = (value: unknown, detail: string, f = field) => ({ value, expect: { field: f, error: 'wrong_type', detail, value } })
  switch (wire) {
    case 'string':
      return [item(42, 'expected string, got integer'), item(true, 'expected string, got boolean'), item({}, 'expected string, got object')]
    case 'integer':
      return [item(1.5, 'expected integer, got float'), item('1', 'expected integer, got string'), item([], 'expected integer, got array')]
    case 'number':
      return [item('1.5', 'expected number, got string'), item(false, 'expected number, got boolean')]
    case 'positive_integer':
      return [
        item(0, 'expected positive integer, got 0'),
        item(-5, 'expected positive integer, got -5'),
        item('5', 'expected positive integer, got string'),
        item(2.5, 'expected positive integer, got float'),
      ]
    case 'object':
      return [item([1], 'expected object, got array'), item('x', 'expected object, got string'), item(3, 'expected object, got integer')]
    case 'boolean':
      return [item('true', 'expected boolean, got string'), item(1, 'expected boolean, got integer')]
    case 'array<string>':
      return [
        item('a', 'expected array, got string'),
        { value: ['ok', 7, false], expect: { field: `${field}[1]`, error: 'wrong_type', detail: 'expected string, got integer', value: 7 } },
      ]
    case 'array<object>':
      return [
        item({}, 'expected array, got object'),
        { value: [{}, 'x', 3], expect: { field: `${field}[1]`, error: 'wrong_type', detail: 'expected object, got string', value: 'x' } },
      ]
  }
}

if (require.main === module) {
  t.test('the transcribed tables cover every type and key the protocol exports', async (t) => {
    t.same(Object.keys(WS_SPEC).sort(), [...WS_TYPES])
    const httpKeys = HTTP_BODY_KEYS.filter((k) => !['put_log_level', 'put_rate_limit_overrides', 'put_rate_limit_whitelist', 'post_rate_limit_whitelist'].includes(k))
    t.same(Object.keys(HTTP_SPEC).sort(), httpKeys)
  })
}
