// The complex-tier executor (sidecar.md §9.3): the Claude Code CLI in print mode. Fixed against
// the original: spawned with an argv (no shell — the prompt is one argument after `--`, so task
// text can neither inject commands nor be read as options), cwd = the task workspace, parses
// the `stream_event` text deltas real Claude Code emits with --include-partial-messages, counts
// cache tokens and keeps total_cost_usd, has a process timeout, and the hub's generic model
// name "claude" becomes a real model. Claude Code needs --verbose for stream-json in print
// mode, and (by default here) --permission-mode acceptEdits so it can edit files in the
// workspace — without a permission flag print mode denies every edit.
import { runProcess } from './child-process'
import { sleep } from './execution-clock'
import { LineSplitter, parseJsonLine } from './ndjson-lines'
import { claudePrompt } from './task-prompt'
import { CLAUDE_MODEL_ALIASES, DEFAULT_CLAUDE_MODEL } from '../cost/price-table'
import {
  failedResult,
  routingString,
  taskTimeoutMs,
  type ExecutionContext,
  type ExecutionTask,
  type Executor,
  type ExecutorResult,
} from './execution-types'

export const CLAUDE_DEFAULTS = {
  program: 'claude',
  attempts: 4,
  backoffMs: [2_000, 4_000, 8_000] as readonly number[],
  timeoutMs: 1_800_000,
  killGraceMs: 5_000,
  /** appended before `--`; the operator can replace them (e.g. with --allowedTools …) */
  extraArgs: ['--permission-mode', 'acceptEdits'] as readonly string[],
}

export const CLAUDE_NOT_INSTALLED_ERROR =
  'Claude Code CLI not found: install it with `npm install -g @anthropic-ai/claude-code` and make sure `claude` is on PATH'

/** The model to ask for: the routed one, with "claude"/null meaning the default model. */
export function resolveClaudeModel(selected: string | null): string {
  if (!selected) return DEFAULT_CLAUDE_MODEL
  return CLAUDE_MODEL_ALIASES[selected.trim().toLowerCase()] ?? selected.trim()
}

/** Price-table names use dots (`claude-sonnet-4.5`); the API's model ids use hyphens. */
export function cliModelArgument(model: string): string {
  return /^claude-[a-z]+-\d+\.\d+$/.test(model) ? model.replace(/\.(\d+)$/, '-$1') : model
}

export function claudeArgv(prompt: string, model: string, extraArgs: readonly string[]): string[] {
  return [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    '--include-partial-messages',
    '--model',
    cliModelArgument(model),
    ...extraArgs,
    '--',
    prompt,
  ]
}

/** What one Claude Code run printed on stdout, folded as the lines arrive. */
export class ClaudeStreamParser {
  deltaText = ''
  lastAssistantText = ''
  initModel: string | null = null
  result: Record<string, unknown> | null = null
  private readonly lines = new LineSplitter()

  constructor(private readonly onDelta: (text: string, soFar: number, model: string | null) => void) {}

  push(chunk: string): void {
    for (const line of this.lines.push(chunk)) this.handle(line)
  }

  end(): void {
    for (const line of this.lines.end()) this.handle(line)
  }

  private handle(line: string): void {
    const obj = parseJsonLine(line)
    if (!obj) return
    switch (obj.type) {
      case 'system':
        if (obj.subtype === 'init' && typeof obj.model === 'string') this.initModel = obj.model
        return
      case 'stream_event': {
        const event = obj.event as { type?: unknown; delta?: { type?: unknown; text?: unknown } } | undefined
        if (event?.type === 'content_block_delta' && event.delta?.type === 'text_delta' && typeof event.delta.text === 'string') {
          this.deltaText += event.delta.text
          this.onDelta(event.delta.text, this.deltaText.length, this.initModel)
        }
        return
      }
      case 'assistant': {
        const text = assistantText(obj.message)
        if (text) this.lastAssistantText = text
        return
      }
      case 'result':
        this.result = obj
        return
      default:
        return
    }
  }
}

function assistantText(message: unknown): string {
  const content = (message as { content?: unknown } | undefined)?.content
  if (!Array.isArray(content)) return ''
  return content
    .filter((b): b is { type: 'text'; text: string } => !!b && (b as { type?: unknown }).type === 'text' && typeof (b as { text?: unknown }).text === 'string')
    .map((b) => b.text)
    .join('')
}

function tokenCount(usage: Record<string, unknown>, key: string): number {
  const v = usage[key]
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0
}

type AttemptResult = ExecutorResult & { retryable: boolean }

export class ClaudeExecutor implements Executor {
  readonly targetType = 'claude' as const

  constructor(private readonly options: Partial<typeof CLAUDE_DEFAULTS> = {}) {}

  async execute(task: ExecutionTask, ctx: ExecutionContext): Promise<ExecutorResult> {
    const settings = { ...CLAUDE_DEFAULTS, ...this.options }
    const model = resolveClaudeModel(routingString(task, 'selected_model'))
    const argv = claudeArgv(claudePrompt(task), model, settings.extraArgs)
    const timeoutMs = taskTimeoutMs(task, settings.timeoutMs)
    let last: AttemptResult = { ...failedResult(model, 'not run', 0), retryable: false }
    for (let attempt = 1; attempt <= settings.attempts; attempt++) {
      if (attempt > 1) {
        const waitMs = settings.backoffMs[Math.min(attempt - 2, settings.backoffMs.length - 1)] ?? 0
        ctx.onEvent({ type: 'status', text: `Claude retry ${attempt - 1}/${settings.attempts - 1}, backing off ${waitMs / 1000}s...` })
        if (!(await sleep(ctx.clock, waitMs, ctx.signal))) break
      }
      last = await this.runOnce(argv, model, timeoutMs, settings, ctx, attempt)
      if (last.status === 'success' || !last.retryable || ctx.signal?.aborted) break
    }
    const { retryable: _retryable, ...result } = last
    if (result.status === 'failed') ctx.onEvent({ type: 'error', text: result.error ?? 'Claude Code failed' })
    return result
  }

  private async runOnce(
    argv: string[],
    model: string,
    timeoutMs: number,
    settings: typeof CLAUDE_DEFAULTS,
    ctx: ExecutionContext,
    attempt: number,
  ): Promise<AttemptResult> {
    const parser = new ClaudeStreamParser((text, soFar, initModel) =>
      ctx.onEvent({ type: 'token', text, tokens_so_far: soFar, model: initModel ?? model }),
    )
    const outcome = await runProcess({
      file: settings.program,
      args: argv,
      cwd: ctx.workspaceDir ?? undefined,
      env: ctx.env,
      timeoutMs,
      killGraceMs: settings.killGraceMs,
      clock: ctx.clock,
      signal: ctx.signal,
      onStdout: (text) => parser.push(text),
      onStderr: (text) => {
        const trimmed = text.trim()
        if (trimmed) ctx.onEvent({ type: 'status', text: trimmed })
      },
      onTimeout: () => ctx.onEvent({ type: 'status', text: `Claude Code timed out after ${timeoutMs}ms, sending SIGTERM` }),
    })
    parser.end()
    const modelUsed = parser.initModel ?? model
    const fail = (error: string, retryable = true): AttemptResult => ({
      ...failedResult(modelUsed, error, attempt, parser.deltaText || parser.lastAssistantText),
      retryable,
    })
    if (outcome.spawnError) {
      const missing = outcome.spawnError.code === 'ENOENT'
      return fail(missing ? CLAUDE_NOT_INSTALLED_ERROR : `Claude Code could not be started: ${outcome.spawnError.message}`, false)
    }
    if (outcome.aborted) return fail('Claude Code aborted: the task was taken away or the sidecar is stopping', false)
    if (outcome.timedOut) return fail(`Claude Code timed out after ${timeoutMs}ms`)
    const result = parser.result
    const resultText = typeof result?.result === 'string' ? result.result : ''
    if (outcome.exitCode !== 0) {
      const detail = (outcome.stderr.trim() || resultText).slice(-500)
      const how = outcome.exitCode === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited with code ${outcome.exitCode}`
      return fail(`Claude Code ${how}${detail ? `: ${detail}` : ''}`)
    }
    if (!result) return fail('Claude Code exited without a result line')
    if (result.is_error === true || (result.subtype !== undefined && result.subtype !== 'success')) {
      return fail(`Claude Code reported ${String(result.subtype ?? 'an error')}${resultText ? `: ${resultText.slice(0, 500)}` : ''}`)
    }
    const usage = (result.usage && typeof result.usage === 'object' ? result.usage : {}) as Record<string, unknown>
    const cacheCreation = tokenCount(usage, 'cache_creation_input_tokens')
    const cacheRead = tokenCount(usage, 'cache_read_input_tokens')
    return {
      status: 'success',
      output: resultText || parser.deltaText || parser.lastAssistantText,
      model_used: modelUsed,
      tokens_in: tokenCount(usage, 'input_tokens') + cacheCreation + cacheRead,
      tokens_out: tokenCount(usage, 'output_tokens'),
      cache_creation_input_tokens: cacheCreation,
      cache_read_input_tokens: cacheRead,
      reported_cost_usd: typeof result.total_cost_usd === 'number' && Number.isFinite(result.total_cost_usd) ? result.total_cost_usd : null,
      attempts: attempt,
      error: null,
      retryable: false,
    }
  }
}
