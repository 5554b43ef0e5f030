// `PUT /api/admin/log-level` (protocol.md §4.8): validates the body, changes the level until
// restart and logs the change at notice. 422 `{"error":"invalid_level","valid":[…]}` otherwise.
import { INVALID_LEVEL_BODY } from '../relay/protocol/http-errors'
import { validateHttpBody } from '../relay/protocol/validator'
import type { AgentcomLogger } from './create-logger'
import type { LogLevel } from './levels'

export type LogLevelReply = { status: 200; body: { status: 'ok'; level: LogLevel } } | { status: 422; body: typeof INVALID_LEVEL_BODY }

export function putLogLevel(logger: AgentcomLogger, body: unknown, changedBy?: string): LogLevelReply {
  const checked = validateHttpBody('put_log_level', body)
  if (!checked.ok) return { status: 422, body: INVALID_LEVEL_BODY }
  const previous = logger.level
  logger.setLevel(checked.body.level)
  // logged after the change so a raised threshold still records who lowered the noise (notice
  // is dropped only at `error`)
  logger.notice('log_level_changed', { from: previous, to: checked.body.level, ...(changedBy ? { changed_by: changedBy } : {}) })
  return { status: 200, body: { status: 'ok', level: checked.body.level } }
}
