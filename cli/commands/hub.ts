// `agentcom hub`: starts the hub (storage → supervision tree → HTTP + WebSockets) and keeps it
// running until SIGTERM / SIGINT. Prints where the dashboard is and where the admin token was
// written (and the token itself, once, on the very first start).
import { createLogger } from '../../logging'
import { startHub, type RunningHub } from '../../relay/hub/start-hub'
import { parseTransportKind } from '../../relay/hub/transport'

export interface HubOptions {
  port: number
  host: string
  dataDir: string
  transport?: string
  openRegistration: boolean
}

export async function runHub(opts: HubOptions): Promise<void> {
  const transport = parseTransportKind(opts.transport)
  const logger = createLogger({ dataDir: opts.dataDir, defaultMeta: { service: 'hub' } })
  const running = await startHub({
    port: opts.port,
    host: opts.host,
    dataDir: opts.dataDir,
    transport,
    openRegistration: opts.openRegistration,
    logger,
  })
  printBanner(running)
  const stop = (signal: string) => {
    logger.info('hub stopping', { signal })
    void running.close()
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  const outcome = await running.stopped
  process.exitCode = outcome.fatal ? 1 : 0
}

function printBanner(running: RunningHub): void {
  const { host, dataDir } = running.hub.options
  const base = `http://${host}:${running.port}`
  const lines = [
    `agentcom hub listening on ${base} (transport ${running.transport}, data in ${dataDir})`,
    `  dashboard:   ${base}/dashboard`,
    `  agents:      ws://${host}:${running.port}/ws`,
  ]
  if (running.newAdminToken) {
    lines.push(`  admin token (shown once): ${running.newAdminToken.token}`)
    lines.push(`  admin token written to ${running.newAdminToken.file} (mode 0600)`)
  } else {
    lines.push(`  admin token: in ${running.adminTokenFile}`)
  }
  if (running.storageReport.dataLost) lines.push(`  WARNING: ${running.storageReport.message}`)
  console.log(lines.join('\n'))
}
