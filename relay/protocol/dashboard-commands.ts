// Commands the browser sends on /ws/dashboard (protocol.md §5.2, smart-pipeline.md §11.2). The
// original neither validated nor answered bad ones: anything that does not match is ignored.
import { Type, type Static, type TObject } from '@sinclair/typebox'
import type { ValidateFunction } from 'ajv'
import { compileSchema } from './compiler'
import { isJsonObject } from './schema-kit'

const repoCommand = <T extends string>(type: T) => Type.Object({ type: Type.Literal(type), repo_id: Type.String({ minLength: 1 }) })

export const DASHBOARD_COMMANDS = {
  request_snapshot: Type.Object({ type: Type.Literal('request_snapshot') }),
  retry_task: Type.Object({ type: Type.Literal('retry_task'), task_id: Type.String({ minLength: 1 }) }),
  acknowledge_alert: Type.Object({ type: Type.Literal('acknowledge_alert'), rule_id: Type.String({ minLength: 1 }) }),
  register_llm_endpoint: Type.Object({
    type: Type.Literal('register_llm_endpoint'),
    host: Type.String({ minLength: 1 }),
    port: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.String({ pattern: '^[0-9]{1,5}$' })])),
    name: Type.Optional(Type.String()),
  }),
  remove_llm_endpoint: Type.Object({ type: Type.Literal('remove_llm_endpoint'), id: Type.String({ minLength: 1 }) }),
  add_repo: Type.Object({ type: Type.Literal('add_repo'), url: Type.String({ minLength: 1 }), name: Type.Optional(Type.String()) }),
  remove_repo: repoCommand('remove_repo'),
  move_repo_up: repoCommand('move_repo_up'),
  move_repo_down: repoCommand('move_repo_down'),
  pause_repo: repoCommand('pause_repo'),
  unpause_repo: repoCommand('unpause_repo'),
} as const satisfies Record<string, TObject>

export type DashboardCommandType = keyof typeof DASHBOARD_COMMANDS
export type DashboardCommand = { [T in DashboardCommandType]: Static<(typeof DASHBOARD_COMMANDS)[T]> }[DashboardCommandType]

const validators = new Map<string, ValidateFunction>(
  (Object.keys(DASHBOARD_COMMANDS) as DashboardCommandType[]).map((type) => [type, compileSchema(DASHBOARD_COMMANDS[type])]),
)

/** The command, or null when the frame is to be ignored (unknown type, bad fields, not an object). */
export function parseDashboardCommand(parsed: unknown): DashboardCommand | null {
  if (!isJsonObject(parsed) || typeof parsed.type !== 'string') return null
  const validate = validators.get(parsed.type)
  if (!validate || !validate(parsed)) return null
  return parsed as DashboardCommand
}
