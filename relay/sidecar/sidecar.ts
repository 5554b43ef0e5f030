// Assembles one sidecar: config → the sidecar supervision tree (supervisors/sidecar-tree.ts) on
// the actor runtime — local queue, connection, resource reporter, wake, executor — with the
// direct executors (shell / Ollama / Claude) for routed tasks and the wake path for tasks
// without a routing decision. `runSidecarProcess` is what `agentcom sidecar --config FILE` runs.
import { join } from 'node:path'
import { ActorSystem, SystemClock, type ActorRef, type Clock as RuntimeClock, type TimerHandle as RuntimeTimer } from '../../actors/runtime'
import { startSidecarTree } from '../../supervisors/sidecar-tree'
import type { Intensity } from '../../supervisors/restart-intensity'
import type { Clock, TimerHandle } from './clock'
import { loadSidecarConfig, type SidecarConfig } from './config'
import type { HubConnection, HubConnectionOptions } from './connection'
import { errorMessage, type EventLog } from './event-log'
import { ClaudeExecutor, CLAUDE_DEFAULTS } from './executors/claude-executor'
import { DirectExecutionRunner } from './executors/direct-runner'
import type { ExecutorSet } from './executors/dispatcher'
import { OllamaExecutor } from './executors/ollama-executor'
import { ShellExecutor } from './executors/shell-executor'
import type { OutboundFrame } from './frames'
import { gitOptionsOf, type GitWorkflowOptions } from './git-workflow'
import type { LocalQueue, TaskRecord } from './local-queue'
import type { HostProbes, ResourceReporter } from './resources'
import { SidecarParts } from './actors/sidecar-parts'
import { createSidecarLogger, runtimeLoggerOf, type SidecarLogger } from './sidecar-logger'
import type { RelayEvent, TaskRelay } from './task-relay'
import type { TaskRunner } from './task-runner'
import { workSubmitter } from './task-submission'
import type { WakeRunnerOptions } from './wake'
import { TaskWorkspaces, WorkspaceManager } from './workspace'

export { isWakeTask } from './task-routing'

export interface SidecarDeps {
  /** run the tree in this actor system (tests: createTestSystem()); default: a new one, shut down by stop() */
  system?: ActorSystem
  /** clock of the actor system created here (ignored with `system`) */
  clock?: RuntimeClock
  /** default: JSON lines to stdout and log_file (createSidecarLogger) */
  log?: EventLog
  random?: () => number
  /** the runner of routed tasks; default DirectExecutionRunner with the config's Ollama/Claude options */
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
  /** restart intensity of the tree's supervisors (default 3 in 5 s) */
  intensity?: Partial<Intensity>
  /** a restarted executor fails a task that already started this many runs (default 3) */
  maxRunsPerTask?: number
  /** test probe: called synchronously after each durable write of the local queue, with the active task */
  onQueuePersisted?: (what: string, active: TaskRecord | null) => void
  onEvent?: (event: RelayEvent) => void
  /** test probe: called for each frame handed to the socket */
  onFrameSent?: (frame: OutboundFrame) => void
}

export interface Sidecar {
  config: SidecarConfig
  system: ActorSystem
  /** the root supervisor (`sidecar`) */
  supervisor: ActorRef
  parts: SidecarParts
  /** the current instances (they change when their actor restarts); throw while it is down */
  readonly queue: LocalQueue
  readonly relay: TaskRelay
  readonly connection: HubConnection
  readonly reporter: ResourceReporter
  stop(): Promise<void>
}

/** The relay modules' clock (now/setTimeout/clearTimeout) on top of the runtime's clock. */
export function sidecarClockOf(clock: RuntimeClock): Clock {
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.schedule(ms, fn) as unknown as TimerHandle,
    clearTimeout: (handle) => {
      if (handle) clock.cancel(handle as unknown as RuntimeTimer)
    },
  }
}

/** The executors of routed tasks (sidecar.md §9.1) with the config's Claude options. */
export function executorsFor(config: Pick<SidecarConfig, 'claude_program' | 'claude_args' | 'claude_timeout_ms'>): ExecutorSet {
  return {
    sidecar: new ShellExecutor(),
    ollama: new OllamaExecutor(),
    claude: new ClaudeExecutor({
      program: config.claude_program ?? CLAUDE_DEFAULTS.program,
      extraArgs: config.claude_args ?? CLAUDE_DEFAULTS.extraArgs,
      timeoutMs: config.claude_timeout_ms ?? CLAUDE_DEFAULTS.timeoutMs,
    }),
  }
}

export function defaultDirectRunner(config: SidecarConfig, clock: Clock, deps: { git: GitWorkflowOptions; log: EventLog; env?: NodeJS.ProcessEnv }): DirectExecutionRunner {
  return new DirectExecutionRunner({
    clock,
    env: deps.env,
    ollamaUrl: config.ollama_url,
    executors: executorsFor(config),
    submit: workSubmitter(config.agent_id, deps.git, deps.log),
    log: deps.log,
  })
}

function taskWorkspaces(config: SidecarConfig, log: EventLog, git: GitWorkflowOptions, env?: NodeJS.ProcessEnv): TaskWorkspaces {
  return new TaskWorkspaces({
    manager: new WorkspaceManager({ workspacesDir: config.workspaces_dir, remote: config.git_remote, baseBranch: config.base_branch, log, env }),
    agentId: config.agent_id,
    repoDir: config.repo_dir,
    git,
    log,
  })
}

function requirePart<T>(part: T | null, what: string): T {
  if (part === null) throw new Error(`the sidecar's ${what} is not running (restarting or stopped)`)
  return part
}

/** Starts the sidecar tree; resolves once every actor's init ran (the socket connects on its own). */
export async function startSidecar(config: SidecarConfig, deps: SidecarDeps = {}): Promise<Sidecar> {
  const ownLogger: SidecarLogger | null = deps.log ? null : createSidecarLogger(config)
  const log = deps.log ?? (ownLogger as SidecarLogger).log
  const ownSystem = deps.system ? null : new ActorSystem({ clock: deps.clock ?? new SystemClock(), logger: ownLogger?.runtime ?? runtimeLoggerOf(log) })
  const system = deps.system ?? (ownSystem as ActorSystem)
  const clock = sidecarClockOf(system.clock)
  const git = gitOptionsOf(config, deps.env)
  const parts = new SidecarParts({
    config,
    clock,
    log,
    random: deps.random,
    directRunner: deps.directRunner ?? defaultDirectRunner(config, clock, { git, log, env: deps.env }),
    wake: deps.wake,
    workspaces: deps.workspaces === false ? undefined : taskWorkspaces(config, log, git, deps.env),
    probes: deps.probes,
    env: deps.env,
    connection: deps.connection,
    keepaliveIntervalMs: deps.keepaliveIntervalMs,
    outboxAckTimeoutMs: deps.outboxAckTimeoutMs,
    maxRunsPerTask: deps.maxRunsPerTask,
    onQueuePersisted: deps.onQueuePersisted,
    onEvent: deps.onEvent,
    onFrameSent: deps.onFrameSent,
  })
  let supervisor: ActorRef
  try {
    supervisor = await startSidecarTree(system, { parts, git, intensity: deps.intensity })
  } catch (err) {
    await ownSystem?.shutdown()
    await ownLogger?.close()
    throw err
  }
  log.log('info', 'ready', { agent_id: config.agent_id, hub_url: config.hub_url, capabilities: config.capabilities })

  let stopping: Promise<void> | null = null
  const stop = async (): Promise<void> => {
    if (ownSystem) await ownSystem.shutdown()
    else if (supervisor.isAlive()) await system.stop(supervisor, 'shutdown', Number.POSITIVE_INFINITY)
    await ownLogger?.close()
  }
  return {
    config,
    system,
    supervisor,
    parts,
    get queue() {
      return requirePart(parts.queue, 'local queue')
    },
    get relay() {
      return requirePart(parts.relay, 'executor')
    },
    get connection() {
      return requirePart(parts.connection, 'connection')
    },
    get reporter() {
      return requirePart(parts.reporter, 'resource reporter')
    },
    stop: () => (stopping ??= stop()),
  }
}

/** The one line `agentcom sidecar` prints for a config it cannot use. */
export function configErrorLine(configPath: string, err: unknown): string {
  const problems = (err as { problems?: unknown }).problems
  const text = Array.isArray(problems) && problems.length > 0 ? problems.join('; ') : errorMessage(err)
  return `agentcom sidecar: invalid configuration ${configPath}: ${text}`
}

/**
 * The whole sidecar process: load and validate the config (one line on stderr, exit 1), start
 * the tree (a failed start: one line, exit 1), stop cleanly on SIGINT/SIGTERM (the active task
 * stays persisted and resumes on the next start) and exit 0.
 */
export async function runSidecarProcess(configPath: string, deps: SidecarDeps = {}): Promise<Sidecar> {
  let config: SidecarConfig
  try {
    config = loadSidecarConfig(configPath)
  } catch (err) {
    process.stderr.write(`${configErrorLine(configPath, err)}\n`)
    process.exit(1)
  }
  let sidecar: Sidecar
  try {
    sidecar = await startSidecar(config, deps)
  } catch (err) {
    const reason = (err as { reason?: unknown }).reason
    process.stderr.write(`agentcom sidecar: start failed: ${errorMessage(reason instanceof Error ? reason : err)}\n`)
    process.exit(1)
  }
  const log = sidecar.parts.log
  const shutdown = (signal: string): void => {
    log.log('info', 'shutdown', { signal })
    void sidecar.stop().finally(() => process.exit(0))
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.on('uncaughtException', (err) => {
    log.log('error', 'uncaught_exception', { error: errorMessage(err), stack: err.stack })
    process.exit(1)
  })
  process.on('unhandledRejection', (reason) => log.log('error', 'unhandled_rejection', { error: errorMessage(reason) }))
  return sidecar
}
