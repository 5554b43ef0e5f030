// Runs a real sidecar in a child process for the crash tests. Environment:
//   SIDECAR_CHILD_CONFIG  path of the sidecar config file (required; without it this file does nothing,
//                         so tap running it on its own is harmless)
//   SIDECAR_KILL_AT       "<persisted|sent>:<what>[:<status>]" — SIGKILL this process right there
import { loadSidecarConfig } from '../../relay/sidecar/config'
import { startSidecar, type Sidecar } from '../../relay/sidecar/sidecar'

const configPath = process.env.SIDECAR_CHILD_CONFIG
if (configPath) {
  const killAt = process.env.SIDECAR_KILL_AT ?? ''
  let sidecar: Sidecar | undefined
  const maybeDie = (point: string, status = sidecar?.parts.queue?.active?.status): void => {
    if (!killAt) return
    if (killAt === point || killAt === `${point}:${status}`) {
      process.stdout.write(`KILLED_AT ${killAt}\n`)
      process.kill(process.pid, 'SIGKILL')
    }
  }
  const started = startSidecar(loadSidecarConfig(configPath), {
    workspaces: false,
    wake: { pollIntervalMs: 50 },
    outboxAckTimeoutMs: 2_000,
    onQueuePersisted: (what, active) => maybeDie(`persisted:${what}`, active?.status),
    onFrameSent: (frame) => maybeDie(`sent:${frame.type}`),
  })
  void started.then((s) => (sidecar = s))
  process.once('SIGTERM', () => {
    void started.then((s) => s.stop()).finally(() => process.exit(0))
  })
}
