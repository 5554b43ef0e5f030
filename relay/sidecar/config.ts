// Sidecar configuration (spec sidecar.md §2): one JSON file, validated at start against a TypeBox
// schema. Every bad key gets its own message, unknown keys are named (with a suggestion), defaults
// are applied, relative paths resolve against the config file's directory and `~` expands to the
// home directory.
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { Type, type Static, type TInteger, type TSchema, type TString } from '@sinclair/typebox'
import Ajv, { type ErrorObject } from 'ajv'

export const WAKE_PLACEHOLDERS = ['TASK_ID', 'TASK_JSON', 'TASK_DESCRIPTION'] as const

const AgentId = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'a non-empty string of letters, digits, ".", "_" or "-" (at most 128), not starting with "." or "-"',
})
const NonEmptyString = (description: string): TString => Type.String({ minLength: 1, description })
const PositiveMs = (description: string): TInteger =>
  Type.Integer({ minimum: 1, maximum: 2_147_483_647, description })

export const SidecarConfigSchema = Type.Object(
  {
    agent_id: AgentId,
    token: NonEmptyString('a non-empty string (the hub token)'),
    hub_url: Type.String({ pattern: '^wss?://[^\\s]+$', description: 'a ws:// or wss:// URL, e.g. "ws://hub-host:4000/ws"' }),
    hub_api_url: Type.Optional(
      Type.String({ pattern: '^(https?://[^\\s]+)?$', description: 'an http:// or https:// URL, or ""' }),
    ),
    capabilities: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'an array of non-empty strings' }),
    ),
    wake_command: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 }), Type.Null()], {
        description: 'a command line string, a non-empty argv array of strings, or null',
      }),
    ),
    confirmation_timeout_ms: Type.Optional(PositiveMs('a positive integer number of milliseconds')),
    results_dir: Type.Optional(NonEmptyString('a non-empty path')),
    log_file: Type.Optional(NonEmptyString('a non-empty path')),
    log_level: Type.Optional(
      Type.Union(
        [Type.Literal('debug'), Type.Literal('info'), Type.Literal('notice'), Type.Literal('warning'), Type.Literal('error')],
        { description: 'one of "debug", "info", "notice", "warning", "error"' },
      ),
    ),
    ollama_url: Type.Optional(
      Type.Union([Type.String({ pattern: '^https?://[^\\s]+$' }), Type.Null()], {
        description: 'an http:// or https:// URL (e.g. "http://localhost:11434") or null',
      }),
    ),
    repo_dir: Type.Optional(Type.String({ description: 'a path to a git repository, or ""' })),
    reviewer: Type.Optional(Type.String({ description: 'a GitHub login, or ""' })),
    // additions of this implementation (not in the original's config.json)
    data_dir: Type.Optional(NonEmptyString('a non-empty path (default ~/.agentcom/<agent_id>)')),
    workspaces_dir: Type.Optional(NonEmptyString('a non-empty path (default <data_dir>/workspaces)')),
    base_branch: Type.Optional(
      Type.String({ minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', description: 'a branch name such as "main"' }),
    ),
    git_remote: Type.Optional(
      Type.String({ minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'a git remote name such as "origin"' }),
    ),
    pr_command: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'a non-empty argv array, e.g. ["gh","pr","create"]' }),
    ),
    wake_session_timeout_ms: Type.Optional(PositiveMs('a positive integer number of milliseconds')),
    keepalive_interval_ms: Type.Optional(PositiveMs('a positive integer number of milliseconds')),
    // the Claude executor (sidecar.md §9.3): which program, which permission flags, how long
    claude_program: Type.Optional(NonEmptyString('a non-empty program name or path, e.g. "claude"')),
    claude_args: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'an argv array placed before "--", e.g. ["--permission-mode","acceptEdits"]' }),
    ),
    claude_timeout_ms: Type.Optional(PositiveMs('a positive integer number of milliseconds')),
  },
  { additionalProperties: false },
)

export type SidecarConfigFile = Static<typeof SidecarConfigSchema>
export type SidecarLogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error'

/** The validated configuration with defaults applied and every path absolute. */
export interface SidecarConfig {
  agent_id: string
  token: string
  hub_url: string
  hub_api_url: string
  capabilities: string[]
  /** argv template of the wake command (placeholders not yet substituted), or null for none */
  wake_command: string[] | null
  confirmation_timeout_ms: number
  results_dir: string
  log_file: string
  log_level: SidecarLogLevel
  ollama_url: string | null
  /** absolute path, or null when no git workflow is configured */
  repo_dir: string | null
  reviewer: string
  data_dir: string
  workspaces_dir: string
  base_branch: string
  git_remote: string
  pr_command: string[]
  wake_session_timeout_ms: number
  keepalive_interval_ms: number
  /** null = the executor's defaults */
  claude_program: string | null
  claude_args: string[] | null
  claude_timeout_ms: number | null
}

export const CONFIG_DEFAULTS = {
  hub_api_url: '',
  capabilities: [] as string[],
  confirmation_timeout_ms: 30_000,
  results_dir: './results',
  log_file: './sidecar.log',
  log_level: 'info' as SidecarLogLevel,
  base_branch: 'main',
  git_remote: 'origin',
  pr_command: ['gh', 'pr', 'create'],
  wake_session_timeout_ms: 7_200_000,
  keepalive_interval_ms: 60_000,
}

export type ConfigErrorCode = 'config_not_found' | 'config_unreadable' | 'config_invalid_json' | 'config_invalid'

export class ConfigError extends Error {
  constructor(
    readonly code: ConfigErrorCode,
    readonly problems: string[],
    readonly path?: string,
  ) {
    super(`${path ? `${path}: ` : ''}${problems.join('; ')}`)
    this.name = 'ConfigError'
  }
}

export interface ConfigContext {
  /** directory that relative paths resolve against (the config file's directory) */
  baseDir: string
  /** what `~` expands to; defaults to os.homedir() */
  homeDir?: string
}

const ajv = new Ajv({ allErrors: true, strict: false })
const validateFile = ajv.compile(SidecarConfigSchema)
const KNOWN_KEYS = Object.keys(SidecarConfigSchema.properties)

export function loadSidecarConfig(path: string, ctx: Partial<ConfigContext> = {}): SidecarConfig {
  const absolute = resolve(path)
  let text: string
  try {
    text = readFileSync(absolute, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new ConfigError('config_not_found', [`config file not found (copy config.json.example and fill in agent_id, token, hub_url)`], absolute)
    }
    throw new ConfigError('config_unreadable', [`cannot read config file: ${(err as Error).message}`], absolute)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError('config_invalid_json', [`config file is not valid JSON: ${(err as Error).message}`], absolute)
  }
  try {
    return parseSidecarConfig(raw, { baseDir: ctx.baseDir ?? dirname(absolute), homeDir: ctx.homeDir })
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.code, err.problems, absolute)
    throw err
  }
}

/** Validates an already-parsed config object; throws ConfigError listing every problem. */
export function parseSidecarConfig(raw: unknown, ctx: ConfigContext): SidecarConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('config_invalid', ['config must be a JSON object'])
  }
  const problems = validateFile(raw) ? [] : describeSchemaErrors(validateFile.errors ?? [], raw as Record<string, unknown>)
  const file = raw as SidecarConfigFile
  if (problems.length === 0 && typeof file.wake_command === 'string') {
    try {
      parseCommandLine(file.wake_command)
    } catch (err) {
      problems.push(`config key "wake_command": ${(err as Error).message}`)
    }
  }
  if (problems.length > 0) throw new ConfigError('config_invalid', problems)
  return applyDefaults(file, ctx)
}

function applyDefaults(file: SidecarConfigFile, ctx: ConfigContext): SidecarConfig {
  const home = ctx.homeDir ?? homedir()
  const path = (p: string): string => resolvePath(p, ctx.baseDir, home)
  const dataDir = file.data_dir ? path(file.data_dir) : join(home, '.agentcom', file.agent_id)
  return {
    agent_id: file.agent_id,
    token: file.token,
    hub_url: file.hub_url,
    hub_api_url: file.hub_api_url ?? CONFIG_DEFAULTS.hub_api_url,
    capabilities: file.capabilities ?? [...CONFIG_DEFAULTS.capabilities],
    wake_command: wakeArgvTemplate(file.wake_command),
    confirmation_timeout_ms: file.confirmation_timeout_ms ?? CONFIG_DEFAULTS.confirmation_timeout_ms,
    results_dir: path(file.results_dir ?? CONFIG_DEFAULTS.results_dir),
    log_file: path(file.log_file ?? CONFIG_DEFAULTS.log_file),
    log_level: file.log_level ?? CONFIG_DEFAULTS.log_level,
    ollama_url: file.ollama_url ?? null,
    repo_dir: file.repo_dir ? path(file.repo_dir) : null,
    reviewer: file.reviewer ?? '',
    data_dir: dataDir,
    workspaces_dir: file.workspaces_dir ? path(file.workspaces_dir) : join(dataDir, 'workspaces'),
    base_branch: file.base_branch ?? CONFIG_DEFAULTS.base_branch,
    git_remote: file.git_remote ?? CONFIG_DEFAULTS.git_remote,
    pr_command: file.pr_command ?? [...CONFIG_DEFAULTS.pr_command],
    wake_session_timeout_ms: file.wake_session_timeout_ms ?? CONFIG_DEFAULTS.wake_session_timeout_ms,
    keepalive_interval_ms: file.keepalive_interval_ms ?? CONFIG_DEFAULTS.keepalive_interval_ms,
    claude_program: file.claude_program ?? null,
    claude_args: file.claude_args ? [...file.claude_args] : null,
    claude_timeout_ms: file.claude_timeout_ms ?? null,
  }
}

function wakeArgvTemplate(value: SidecarConfigFile['wake_command']): string[] | null {
  if (value === undefined || value === null) return null
  if (Array.isArray(value)) return [...value]
  const argv = parseCommandLine(value)
  return argv.length === 0 ? null : argv
}

export function resolvePath(p: string, baseDir: string, homeDir: string): string {
  if (p === '~') return homeDir
  if (p.startsWith('~/')) return join(homeDir, p.slice(2))
  return isAbsolute(p) ? p : resolve(baseDir, p)
}

function describeSchemaErrors(errors: ErrorObject[], raw: Record<string, unknown>): string[] {
  const problems: string[] = []
  const reportedKeys = new Set<string>()
  for (const err of errors) {
    if (err.keyword === 'additionalProperties') {
      const key = String((err.params as { additionalProperty: string }).additionalProperty)
      if (reportedKeys.has(key)) continue
      reportedKeys.add(key)
      const hint = closestKnownKey(key)
      problems.push(`unknown config key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`)
      continue
    }
    if (err.keyword === 'required' && err.instancePath === '') {
      const key = String((err.params as { missingProperty: string }).missingProperty)
      if (reportedKeys.has(key)) continue
      reportedKeys.add(key)
      problems.push(`missing required config key "${key}" (${expectation(key)})`)
      continue
    }
    const key = err.instancePath.split('/')[1] ?? ''
    if (!key || reportedKeys.has(key)) continue
    reportedKeys.add(key)
    problems.push(`config key "${key}" must be ${expectation(key)}; got ${preview(raw[key])}`)
  }
  return problems
}

function expectation(key: string): string {
  const schema = (SidecarConfigSchema.properties as Record<string, TSchema>)[key]
  return (schema?.description as string | undefined) ?? 'valid'
}

function preview(value: unknown): string {
  const text = JSON.stringify(value)
  if (text === undefined) return String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

function closestKnownKey(key: string): string | undefined {
  let best: { key: string; distance: number } | undefined
  for (const known of KNOWN_KEYS) {
    const distance = editDistance(key.toLowerCase(), known)
    if (distance <= 3 && (!best || distance < best.distance)) best = { key: known, distance }
  }
  return best?.key
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]
}

const SHELL_OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '`'])

/**
 * Splits a command line into argv the way a POSIX shell would split words and quotes, but
 * without evaluating anything: the result is run directly (no shell), so task text substituted
 * into an argument can never become code. Shell operators and `$` expansions other than the
 * three task placeholders are refused so that a template relying on a shell fails loudly at
 * start instead of behaving differently.
 */
export function parseCommandLine(line: string): string[] {
  const argv: string[] = []
  let word = ''
  let inWord = false
  let i = 0
  const placeholderAt = (at: number): string | undefined =>
    WAKE_PLACEHOLDERS.map((name) => `\${${name}}`).find((ph) => line.startsWith(ph, at))
  const takeDollar = (): void => {
    const placeholder = placeholderAt(i)
    if (!placeholder) {
      throw new Error(
        `"$" at position ${i} is not one of the placeholders ${WAKE_PLACEHOLDERS.map((n) => `\${${n}}`).join(', ')} (no shell expansion is performed; use a wrapper script)`,
      )
    }
    word += placeholder
    i += placeholder.length
  }
  while (i < line.length) {
    const ch = line[i]
    if (/\s/.test(ch)) {
      if (inWord) argv.push(word)
      word = ''
      inWord = false
      i++
      continue
    }
    inWord = true
    if (ch === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) throw new Error(`unterminated single quote at position ${i}`)
      word += line.slice(i + 1, end)
      i = end + 1
    } else if (ch === '"') {
      i++
      for (;;) {
        if (i >= line.length) throw new Error('unterminated double quote')
        const c = line[i]
        if (c === '"') {
          i++
          break
        }
        if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) {
          word += line[i + 1]
          i += 2
        } else if (c === '$') {
          takeDollar()
        } else if (c === '`') {
          throw new Error(`command substitution "\`" at position ${i} is not supported (no shell is used)`)
        } else {
          word += c
          i++
        }
      }
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new Error('trailing backslash')
      word += line[i + 1]
      i += 2
    } else if (ch === '$') {
      takeDollar()
    } else if (SHELL_OPERATORS.has(ch)) {
      throw new Error(`shell operator "${ch}" at position ${i} is not supported (no shell is used; use a wrapper script)`)
    } else {
      word += ch
      i++
    }
  }
  if (inWord) argv.push(word)
  return argv
}
