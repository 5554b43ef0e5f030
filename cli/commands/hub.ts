// `agentcom hub`: starts the hub (storage → supervision tree → HTTP + WebSockets) and keeps it
// running until SIGTERM / SIGINT. Prints where the dashboard is and where the admin token was
// written (and the token itself, once, on the very first start).
import type { Logger } from '../../actors/runtime'
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
  const detachCrashLogging = logProcessFaults(logger)
  const stop = (signal: string) => {
    logger.info('hub stopping', { signal })
    void running.close()
  }
  const onTerm = () => stop('SIGTERM')
  const onInt = () => stop('SIGINT')
  process.once('SIGTERM', onTerm)
  process.once('SIGINT', onInt)
  const outcome = await running.stopped
  process.off('SIGTERM', onTerm)
  process.off('SIGINT', onInt)
  detachCrashLogging()
  logger.info('hub stopped', { fatal: outcome.fatal, reason: outcome.reason })
  await logger.close().catch(() => undefined) // the last lines reach hub.log before exit
  process.exitCode = outcome.fatal ? 1 : 0
}

/**
 * A stray rejection or exception somewhere in the hub is logged (with its stack) instead of
 * killing the process silently; the supervision tree contains real faults. Returns the detacher.
 */
export function logProcessFaults(logger: Pick<Logger, 'error'>): () => void {
  const onRejection = (reason: unknown) => logger.error('unhandledRejection', { error: describeFault(reason) })
  const onException = (error: unknown) => logger.error('uncaughtException', { error: describeFault(error) })
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return () => {
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }
}

export function describeFault(fault: unknown): string {
  if (fault instanceof Error) return fault.stack ?? `${fault.name}: ${fault.message}`
  try {
    return typeof fault === 'string' ? fault : JSON.stringify(fault) ?? String(fault)
  } catch {
    return String(fault)
  }
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
