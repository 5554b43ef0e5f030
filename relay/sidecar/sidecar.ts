// Wires one sidecar together: config → local queue (recovered) → relay → hub connection →
// resource reporter. Plain objects for now; a later round puts them under the sidecar
// supervision tree. `runSidecarProcess` is what `agentcom sidecar --config FILE` calls.
import { join } from 'node:path'
import { systemClock, type Clock } from './clock'
import { loadSidecarConfig, type SidecarConfig } from './config'
import { HubConnection, identifyFrame, type HubConnectionOptions } from './connection'
import { errorMessage, type EventLog, type LogLevel } from './event-log'
import { LocalQueue, type TaskRecord } from './local-queue'
import { HostMetricsSampler, ResourceReporter, systemProbes, type HostProbes } from './resources'
import { TaskRelay, type RelayEvent } from './task-relay'
import type { TaskRunner } from './task-runner'
import { WakeRunner, type WakeRunnerOptions } from './wake'
import { submit as gitSubmit, type GitWorkflowOptions } from './git-workflow'
import { TaskWorkspaces, WorkspaceManager } from './workspace'

export interface SidecarDeps {
  clock?: Clock
  log?: EventLog
  random?: () => number
  /** the direct executors (executors/ + verification/); without it, routed tasks fail `no_executor` */
  directRunner?: TaskRunner
  /** overrides of the wake runner (poll interval, verify, submit…) */
  wake?: Partial<WakeRunnerOptions>
  /** false: run tasks without per-task worktrees (no repo) */
  workspaces?: boolean
  probes?: HostProbes
  env?: NodeJS.ProcessEnv
  connection?: Partial<HubConnectionOptions>
  keepaliveIntervalMs?: number
  outboxAckTimeoutMs?: number
  /** test probe: called synchronously after each durable write of the local queue */
  onQueuePersisted?: (what: string) => void
  onEvent?: (event: RelayEvent) => void
}

export interface Sidecar {
  config: SidecarConfig
  queue: LocalQueue
  relay: TaskRelay
  connection: HubConnection
  reporter: ResourceReporter
  stop(): Promise<void>
}

/** `routing_decision.target_type` absent, null or "wake" → the legacy wake path (spec §1). */
export function isWakeTask(task: Pick<TaskRecord, 'routing_decision'>): boolean {
  const target = (task.routing_decision as { target_type?: unknown } | null)?.target_type
  return target === undefined || target === null || target === 'wake'
}

export function gitOptionsOf(config: SidecarConfig, env?: NodeJS.ProcessEnv): GitWorkflowOptions {
  return {
    remote: config.git_remote,
    baseBranch: config.base_branch,
    prCommand: config.pr_command,
    hubApiUrl: config.hub_api_url,
    reviewer: config.reviewer,
    env,
  }
}

export function startSidecar(config: SidecarConfig, deps: SidecarDeps = {}): Sidecar {
  const clock = deps.clock ?? systemClock
  const log = deps.log ?? consoleLog(config)
  const git = gitOptionsOf(config, deps.env)
  const queue = LocalQueue.open(join(config.data_dir, 'queue'), { clock, log, onPersisted: deps.onQueuePersisted })

  const wakeRunner = new WakeRunner({
    argvTemplate: config.wake_command,
    resultsDir: config.results_dir,
    clock,
    log,
    confirmationTimeoutMs: config.confirmation_timeout_ms,
    sessionTimeoutMs: config.wake_session_timeout_ms,
    env: deps.env,
    submit: async (task, workspaceDir, report) => {
      if (!workspaceDir) return null
      const r = await gitSubmit(workspaceDir, { agent_id: config.agent_id, task_id: task.task_id, task, verification_report: report }, git)
      if (r.status !== 'ok') throw new Error(`${r.error}: ${String(r.message ?? '')}`)
      return String(r.pr_url)
    },
    ...deps.wake,
  })

  const workspaces =
    deps.workspaces === false
      ? undefined
      : new TaskWorkspaces({
          manager: new WorkspaceManager({
            workspacesDir: config.workspaces_dir,
            remote: config.git_remote,
            baseBranch: config.base_branch,
            log,
            env: deps.env,
          }),
          agentId: config.agent_id,
          repoDir: config.repo_dir,
          git,
          log,
        })

  const connection = new HubConnection({
    url: config.hub_url,
    identify: identifyFrame(config),
    clock,
    log,
    random: deps.random,
    ...deps.connection,
  })

  const relay = new TaskRelay({
    queue,
    connection,
    clock,
    log,
    selectRunner: (task) => (isWakeTask(task) ? wakeRunner : (deps.directRunner ?? null)),
    workspaces,
    keepaliveIntervalMs: deps.keepaliveIntervalMs ?? config.keepalive_interval_ms,
    outboxAckTimeoutMs: deps.outboxAckTimeoutMs,
    onEvent: (event) => {
      // a crash between "outcome durable" and the runner's clean-up leaves result files behind;
      // once the hub has the outcome they are removed for good
      if (event.type === 'outcome_settled') removeQuietly(() => wakeRunner.removeResultFiles(event.taskId))
      deps.onEvent?.(event)
    },
  })

  const reporter = new ResourceReporter({
    agentId: config.agent_id,
    sampler: new HostMetricsSampler(deps.probes ?? systemProbes(), config.ollama_url),
    send: (frame) => connection.send(frame),
    isIdentified: () => connection.isIdentified(),
    clock,
    log,
  })

  connection.on('identified', () => {
    relay.onIdentified()
    reporter.onIdentified()
  })
  connection.on('disconnected', () => {
    relay.onDisconnected()
    reporter.onDisconnected()
  })
  connection.on('frame', (frame) => relay.handleFrame(frame))

  relay.recoverAfterRestart()
  connection.start()
  log.log('info', 'ready', { agent_id: config.agent_id, hub_url: config.hub_url, capabilities: config.capabilities })

  return {
    config,
    queue,
    relay,
    connection,
    reporter,
    stop: async () => {
      reporter.stop()
      await relay.stop()
      connection.stop()
    },
  }
}

function removeQuietly(remove: () => void): void {
  try {
    remove()
  } catch {
    // a task id that is not a file name never had result files
  }
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, notice: 30, warning: 40, error: 50 }
const SECRET_KEYS = new Set(['token', 'auth_token', 'secret'])

/** JSON lines on stdout (spec §3 fields, minus caller parsing); winston replaces it later. */
export function consoleLog(config: Pick<SidecarConfig, 'agent_id' | 'log_level'>): EventLog {
  return {
    log(level, event, fields = {}) {
      if (LEVELS[level] < LEVELS[config.log_level]) return
      const redacted = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, SECRET_KEYS.has(k) ? '[REDACTED]' : v]))
      process.stdout.write(
        `${JSON.stringify({ time: new Date().toISOString(), severity: level, message: event, module: 'sidecar', pid: process.pid, agent_id: config.agent_id, ...redacted })}\n`,
      )
    },
  }
}

/**
 * The whole sidecar process: load and validate the config (exit 1 with one line per problem),
 * start, and stop cleanly on SIGINT/SIGTERM (the active task stays persisted and resumes).
 */
export async function runSidecarProcess(configPath: string, deps: SidecarDeps = {}): Promise<Sidecar> {
  let config: SidecarConfig
  try {
    config = loadSidecarConfig(configPath)
  } catch (err) {
    const problems = (err as { problems?: string[] }).problems ?? [errorMessage(err)]
    process.stderr.write(`agentcom sidecar: invalid configuration ${configPath}\n${problems.map((p) => `  - ${p}`).join('\n')}\n`)
    process.exit(1)
  }
  const sidecar = startSidecar(config, deps)
  const shutdown = (signal: string): void => {
    ;(deps.log ?? consoleLog(config)).log('info', 'shutdown', { signal })
    void sidecar.stop().finally(() => process.exit(0))
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  return sidecar
}
