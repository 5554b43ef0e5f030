// The legacy wake path (spec §7) as an actor: it owns the WakeRunner (argv template, results
// directory, retry schedule, the submit step that pushes and opens the PR). The executor asks
// for the current runner each time a wake-path task starts.
import { Actor } from '../../../actors/runtime'
import type { GitWorkflowOptions } from '../git-workflow'
import { workSubmitter } from '../task-submission'
import { WakeRunner } from '../wake'
import type { SidecarParts } from './sidecar-parts'

export class WakeActor extends Actor<never, never, never, { parts: SidecarParts; git: GitWorkflowOptions }> {
  private parts!: SidecarParts
  private runner!: WakeRunner

  override init(args: { parts: SidecarParts; git: GitWorkflowOptions }): void {
    this.parts = args.parts
    const { config, clock, log, o } = args.parts
    this.runner = new WakeRunner({
      argvTemplate: config.wake_command,
      resultsDir: config.results_dir,
      clock,
      log,
      confirmationTimeoutMs: config.confirmation_timeout_ms,
      sessionTimeoutMs: config.wake_session_timeout_ms,
      env: o.env,
      submit: workSubmitter(config.agent_id, args.git, log),
      ...o.wake,
    })
    this.parts.wakeRunner = this.runner
  }

  override terminate(): void {
    if (this.parts.wakeRunner === this.runner) this.parts.wakeRunner = null
  }

  override snapshot(): unknown {
    return { wake_command: this.parts.config.wake_command !== null, results_dir: this.parts.config.results_dir }
  }
}
