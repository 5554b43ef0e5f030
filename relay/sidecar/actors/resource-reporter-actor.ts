// The resource reporter as an actor: `resource_report` 5 s after each identify, then every 30 s,
// sent on whatever connection is current. Its timers stop in terminate.
import { Actor } from '../../../actors/runtime'
import { HostMetricsSampler, ResourceReporter, systemProbes } from '../resources'
import type { SidecarParts } from './sidecar-parts'

export class ResourceReporterActor extends Actor<never, never, never, { parts: SidecarParts }> {
  private parts!: SidecarParts
  private reporter!: ResourceReporter

  override init(args: { parts: SidecarParts }): void {
    this.parts = args.parts
    const { config, clock, log, o } = args.parts
    this.reporter = new ResourceReporter({
      agentId: config.agent_id,
      sampler: new HostMetricsSampler(o.probes ?? systemProbes(), config.ollama_url),
      send: (frame) => this.parts.connection?.send(frame) ?? false,
      isIdentified: () => this.parts.connection?.isIdentified() ?? false,
      clock,
      log,
    })
    this.parts.reporter = this.reporter
    // restarted while the link is up: the identify that would start the schedule has passed
    if (this.parts.connection?.isIdentified()) this.reporter.onIdentified()
  }

  override terminate(): void {
    this.reporter.stop()
    if (this.parts.reporter === this.reporter) this.parts.reporter = null
  }

  override snapshot(): unknown {
    return { agent_id: this.parts.config.agent_id }
  }
}
