// `agentcom submit "description" --hub URL --token T [...]`: submits a task (POST /api/tasks) and
// prints its id; with --wait follows it (GET /api/tasks/:id) to the end with a progress display.
// Beyond the original's flags (spec sidecar.md §15.5) it takes the v1.2 fields: capabilities,
// repo, success criteria, verification steps, complexity tier.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { InvalidArgumentError, Option, type Command } from 'commander'
import { HubCallError, HubClient } from '../onboarding/hub-client'
import { UsageError, collect, parseJsonObject, parseNonNegativeInteger, parsePositiveSeconds } from '../onboarding/cli-options'
import { normalizeHubUrl } from '../../relay/sidecar/onboarding/hub-urls'
import type { PostTaskBody, VerificationStep } from '../../relay/protocol/http-bodies'

export const SUBMIT_PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const
export const SUBMIT_TIERS = ['trivial', 'standard', 'complex'] as const
export const TOKEN_ENV = 'AGENTCOM_TOKEN'
export const HUB_ENV = 'AGENTCOM_HUB'

/** Exit codes of `submit --wait`. */
export const SUBMIT_EXIT = { completed: 0, error: 1, failed: 2, timeout: 3 } as const

export interface SubmitOptions {
  description?: string
  hub?: string
  token?: string
  tokenFile?: string
  priority: string
  capability: string[]
  repo?: string
  branch?: string
  successCriteria: string[]
  verificationStep: VerificationStep[]
  complexityTier?: string
  metadata?: Record<string, unknown>
  target?: string
  maxRetries?: number
  skipVerification?: boolean
  wait?: boolean
  timeout?: number
  pollInterval: number
  json?: boolean
}

export function registerSubmitCommand(program: Command): Command {
  return program
    .command('submit')
    .description('submit a task to the hub and print its id; --wait follows it to the end')
    .argument('[description]', 'what the task is (or --description)')
    .option('-d, --description <text>', 'what the task is')
    .option('--hub <url>', `the hub's HTTP base URL (env ${HUB_ENV})`)
    .option('--token <token>', `a token of the hub (env ${TOKEN_ENV})`)
    .option('--token-file <file>', 'file holding the token')
    .addOption(new Option('--priority <priority>', 'task priority').choices([...SUBMIT_PRIORITIES]).default('normal'))
    .option('--capability <name>', 'a capability the agent needs, repeatable', collect, [])
    .option('--repo <url>', 'git URL of the repository the task works on')
    .option('--branch <name>', 'base branch in that repository')
    .option('--success-criteria <text>', 'a success criterion, repeatable', collect, [])
    .option('--verification-step <type:target>', 'a verification step, TYPE:TARGET or a JSON object {type,target,description}; repeatable', collectStep, [])
    .addOption(new Option('--complexity-tier <tier>', 'skip classification: route as this tier').choices([...SUBMIT_TIERS]))
    .option('--metadata <json>', 'task metadata, a JSON object (e.g. {"shell_command":"make test"})', parseJsonObject)
    .option('--target <agent>', 'sets metadata.target_agent (informational: the scheduler does not honour it)')
    .option('--max-retries <n>', 'failures before the task is dead-lettered (hub default 3)', parseNonNegativeInteger)
    .option('--skip-verification', 'do not run the verification steps')
    .option('--wait', 'follow the task to the end (exit 0 completed, 2 failed/dead-letter, 3 timeout)')
    .option('--timeout <seconds>', 'with --wait: give up after this long', parsePositiveSeconds)
    .option('--poll-interval <ms>', 'with --wait: how often to ask the hub', parsePollInterval, 1000)
    .option('--json', 'print the hub\'s replies as JSON lines')
    .addHelpText(
      'after',
      '\nExamples:\n  agentcom submit --hub http://127.0.0.1:4000 --token $T "fix the flaky test" --capability code --wait\n' +
        '  agentcom submit -d "run the linter" --complexity-tier trivial --metadata \'{"shell_command":"npm run lint"}\'\n' +
        '\nExit status: 0 submitted (with --wait: completed), 1 error, 2 failed or dead-lettered, 3 --timeout elapsed.',
    )
    .action(async (description: string | undefined, opts: SubmitOptions) => {
      process.exitCode = await runSubmit(description, opts)
    })
}

function parsePollInterval(value: string): number {
  const n = parseNonNegativeInteger(value)
  if (n < 100) throw new InvalidArgumentError('at least 100 (milliseconds)')
  return n
}

function collectStep(value: string, previous: VerificationStep[] = []): VerificationStep[] {
  return [...previous, parseVerificationStep(value)]
}

/** `TYPE:TARGET` (split at the first ":") or a JSON object {type, target, description?}. */
export function parseVerificationStep(value: string): VerificationStep {
  if (value.trim().startsWith('{')) {
    const obj = parseJsonObject(value)
    if (typeof obj.type !== 'string' || obj.type === '' || typeof obj.target !== 'string' || obj.target === '') {
      throw new InvalidArgumentError('the object needs non-empty "type" and "target" strings')
    }
    if (obj.description !== undefined && typeof obj.description !== 'string') throw new InvalidArgumentError('"description" must be a string')
    return { type: obj.type, target: obj.target, ...(obj.description !== undefined ? { description: obj.description as string } : {}) }
  }
  const colon = value.indexOf(':')
  if (colon <= 0 || colon === value.length - 1) throw new InvalidArgumentError('expected TYPE:TARGET, e.g. file_exists:README.md or test_passes:npm test')
  return { type: value.slice(0, colon), target: value.slice(colon + 1) }
}

/** The POST /api/tasks body for these flags (pure; tested directly). */
export function submitBody(description: string, opts: SubmitOptions): PostTaskBody {
  const metadata: Record<string, unknown> = { ...(opts.metadata ?? {}) }
  if (opts.target !== undefined) metadata.target_agent = opts.target
  const body: PostTaskBody = { description, priority: opts.priority, metadata, needed_capabilities: [...opts.capability] }
  if (opts.repo !== undefined) body.repo = opts.repo
  if (opts.branch !== undefined) body.branch = opts.branch
  if (opts.successCriteria.length > 0) body.success_criteria = [...opts.successCriteria]
  if (opts.verificationStep.length > 0) body.verification_steps = [...opts.verificationStep]
  if (opts.complexityTier !== undefined) body.complexity_tier = opts.complexityTier as PostTaskBody['complexity_tier']
  if (opts.maxRetries !== undefined) body.max_retries = opts.maxRetries
  if (opts.skipVerification) body.skip_verification = true
  return body
}

interface SubmitReply {
  status: string
  task_id: string
  priority: number
  created_at: number
  warnings?: string[]
}

export interface TaskSnapshot {
  status: string
  assigned_to?: string | null
  retry_count?: number
  generation?: number
  last_error?: string | null
  result?: unknown
}

export async function runSubmit(positional: string | undefined, opts: SubmitOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let hub: HubClient
  let description: string
  try {
    ;({ hub, description } = checkSubmitFlags(positional, opts, env))
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`)
    return SUBMIT_EXIT.error
  }
  let submitted: SubmitReply
  try {
    submitted = await hub.expect<SubmitReply>([201], 'POST', '/api/tasks', submitBody(description, opts))
  } catch (err) {
    if (!(err instanceof HubCallError)) throw err
    process.stderr.write(`agentcom: ${err.message}\n`)
    return SUBMIT_EXIT.error
  }
  if (opts.json) process.stdout.write(JSON.stringify(submitted) + '\n')
  else {
    process.stdout.write(submitted.task_id + '\n')
    process.stderr.write(`queued ${submitted.task_id} (priority ${submitted.priority}); track it: GET ${hub.baseUrl}/api/tasks/${submitted.task_id}\n`)
  }
  for (const warning of submitted.warnings ?? []) process.stderr.write(`warning: ${warning}\n`)
  if (!opts.wait) return 0
  return followTask(hub, submitted.task_id, opts)
}

/** The description and the hub to send it to; UsageError for flags that cannot work. */
export function checkSubmitFlags(positional: string | undefined, opts: SubmitOptions, env: NodeJS.ProcessEnv): { hub: HubClient; description: string } {
  const description = pickDescription(positional, opts.description)
  let baseUrl: string
  try {
    baseUrl = normalizeHubUrl(requireValue(opts.hub ?? env[HUB_ENV], `--hub (or ${HUB_ENV})`))
  } catch (err) {
    throw err instanceof UsageError ? err : new UsageError((err as Error).message)
  }
  const hub = new HubClient({ baseUrl, token: tokenOf(opts, env) })
  if (opts.timeout !== undefined && !opts.wait) throw new UsageError('--timeout only applies with --wait')
  return { hub, description }
}

function pickDescription(positional: string | undefined, flag: string | undefined): string {
  if (positional !== undefined && flag !== undefined) throw new UsageError('give the description once: as the argument or with --description')
  const description = positional ?? flag
  if (description === undefined || description.trim() === '') throw new UsageError('a task description is required (argument or --description)')
  return description
}

function requireValue(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`${what} is required`)
  return value
}

function tokenOf(opts: SubmitOptions, env: NodeJS.ProcessEnv): string {
  if (opts.token) return opts.token
  if (opts.tokenFile) {
    const file = resolve(opts.tokenFile)
    try {
      const token = readFileSync(file, 'utf8').trim()
      if (token !== '') return token
    } catch {
      // reported below
    }
    throw new UsageError(`cannot read a token from ${file}`)
  }
  return requireValue(env[TOKEN_ENV], `--token (or --token-file, or ${TOKEN_ENV})`)
}

const TERMINAL_FAILURES = new Set(['dead_letter', 'failed', 'cancelled'])

/** Polls until the task ends; prints one line per change (stderr) and the outcome. */
async function followTask(hub: HubClient, taskId: string, opts: SubmitOptions): Promise<number> {
  const started = Date.now()
  const deadline = opts.timeout === undefined ? Infinity : started + opts.timeout * 1000
  const tty = process.stderr.isTTY === true
  let previous: TaskSnapshot | undefined
  let spinner = 0
  for (;;) {
    let task: TaskSnapshot
    try {
      task = await hub.expect<TaskSnapshot>([200], 'GET', `/api/tasks/${encodeURIComponent(taskId)}`)
    } catch (err) {
      if (!(err instanceof HubCallError)) throw err
      // a hub restart or a network blip is not the task's failure: keep following it
      progressLine(tty, `${elapsed(started)} ${err.message} (still waiting)`)
      task = previous ?? { status: 'unknown' }
    }
    const change = describeChange(previous, task)
    if (change !== undefined) {
      if (tty) process.stderr.write('\r\x1b[K')
      if (opts.json) process.stdout.write(JSON.stringify(task) + '\n')
      process.stderr.write(`${elapsed(started)} ${change}\n`)
    } else if (tty) {
      process.stderr.write(`\r\x1b[K${'|/-\\'[spinner++ % 4]} ${elapsed(started)} ${task.status}`)
    }
    previous = task
    if (task.status === 'completed' || task.status === 'complete') {
      if (tty) process.stderr.write('\r\x1b[K')
      if (!opts.json) process.stdout.write(`completed${task.assigned_to ? ` by ${task.assigned_to}` : ''}\n`)
      return SUBMIT_EXIT.completed
    }
    if (TERMINAL_FAILURES.has(task.status)) {
      if (tty) process.stderr.write('\r\x1b[K')
      if (!opts.json) process.stdout.write(`${task.status}: ${task.last_error ?? 'no reason given'}\n`)
      return SUBMIT_EXIT.failed
    }
    if (Date.now() >= deadline) {
      if (tty) process.stderr.write('\r\x1b[K')
      process.stderr.write(`agentcom: ${taskId} still ${task.status} after ${opts.timeout} s (it keeps running at the hub)\n`)
      return SUBMIT_EXIT.timeout
    }
    await new Promise((r) => setTimeout(r, Math.min(opts.pollInterval, Math.max(0, deadline - Date.now()))))
  }
}

function progressLine(tty: boolean, text: string): void {
  process.stderr.write(tty ? `\r\x1b[K${text}` : `${text}\n`)
}

/** One line for what changed between two polls, undefined when nothing did (pure). */
export function describeChange(previous: TaskSnapshot | undefined, next: TaskSnapshot): string | undefined {
  if (previous && previous.status === next.status && previous.assigned_to === next.assigned_to && previous.retry_count === next.retry_count) return undefined
  if (TERMINAL_FAILURES.has(next.status)) return `${next.status}: ${next.last_error ?? 'no reason given'}`
  if (previous && (next.retry_count ?? 0) > (previous.retry_count ?? 0)) return `retry ${next.retry_count}: ${next.last_error ?? 'failed'}; ${next.status}`
  switch (next.status) {
    case 'queued':
      return 'queued'
    case 'assigned':
      return `assigned to ${next.assigned_to ?? '?'}`
    case 'completed':
    case 'complete':
      return 'completed'
    default:
      return next.last_error ? `${next.status}: ${next.last_error}` : next.status
  }
}

function elapsed(started: number): string {
  return `[${((Date.now() - started) / 1000).toFixed(1)}s]`
}
