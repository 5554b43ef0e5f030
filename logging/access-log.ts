// HTTP access log lines (hardening.md §3.1 "HTTP requests are also access-logged"). The URL goes
// through the string redaction so `?token=` credentials never reach the log.
import type { Logger } from '../actors/runtime/logger'
import { redactString } from './redaction'

export interface AccessLogFields {
  method: string
  /** path with query string, as received */
  url: string
  status: number
  duration_ms: number
  remote_ip?: string
  request_id?: string
  agent_id?: string
}

export function logHttpRequest(logger: Logger, fields: AccessLogFields): void {
  const entry = { ...fields, url: redactString(fields.url) }
  if (fields.status >= 500) logger.error('http_request', entry)
  else logger.info('http_request', entry)
}
