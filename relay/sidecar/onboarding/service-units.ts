// How an onboarded sidecar is kept running: a pm2 ecosystem file or a systemd user unit,
// whichever manager exists on PATH (pm2 first, as the original), or none — then the operator is
// shown the command line to run. Pure text builders and the detection; add-agent runs them.
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

export const SERVICE_MANAGERS = ['pm2', 'systemd', 'none'] as const
export type ServiceManager = (typeof SERVICE_MANAGERS)[number]

/** Environment override of the detection (tests and hosts where detection guesses wrong). */
export const SERVICE_MANAGER_ENV = 'AGENTCOM_SERVICE_MANAGER'

export interface ServiceSpec {
  /** `agentcom-<agent>` */
  name: string
  /** the node binary */
  node: string
  /** node's own flags (e.g. a loader when the CLI runs from TypeScript) */
  nodeArgs: string[]
  /** the agentcom CLI script */
  script: string
  /** `sidecar --config FILE` */
  args: string[]
  cwd: string
  outLog: string
  errorLog: string
}

export function serviceArgv(spec: ServiceSpec): string[] {
  return [spec.node, ...spec.nodeArgs, spec.script, ...spec.args]
}

export function serviceName(agentId: string): string {
  return `agentcom-${agentId}`
}

export function isServiceManager(value: string): value is ServiceManager {
  return (SERVICE_MANAGERS as readonly string[]).includes(value)
}

/** True when `program` is an executable file in one of PATH's directories. */
export function onPath(program: string, pathVar: string | undefined = process.env.PATH): boolean {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, program)
    try {
      if (!statSync(candidate).isFile()) continue
      accessSync(candidate, constants.X_OK)
      return true
    } catch {
      continue
    }
  }
  return false
}

/** The override when given (flag, then env), else pm2, else systemd (systemctl), else none. */
export function detectServiceManager(override: string | undefined, has: (program: string) => boolean = (p) => onPath(p)): ServiceManager {
  if (override !== undefined && override !== '') {
    if (!isServiceManager(override)) throw new Error(`unknown service manager "${override}" (one of ${SERVICE_MANAGERS.join(', ')})`)
    return override
  }
  if (has('pm2')) return 'pm2'
  if (has('systemctl')) return 'systemd'
  return 'none'
}

/** The ecosystem file (§14.1's settings; one app named agentcom-<agent> running node directly). */
export function pm2EcosystemFile(spec: ServiceSpec): string {
  const app = {
    name: spec.name,
    script: spec.script,
    args: spec.args,
    interpreter: spec.node,
    node_args: spec.nodeArgs,
    cwd: spec.cwd,
    autorestart: true,
    max_restarts: 50,
    min_uptime: 5000,
    restart_delay: 2000,
    max_memory_restart: '200M',
    log_date_format: 'YYYY-MM-DD HH:mm:ss',
    error_file: spec.errorLog,
    out_file: spec.outLog,
    merge_logs: true,
    env: { NODE_ENV: 'production' },
  }
  return `// written by agentcom add-agent\nmodule.exports = ${JSON.stringify({ apps: [app] }, null, 2)}\n`
}

/** A systemd user unit (~/.config/systemd/user/<name>.service). */
export function systemdUserUnit(spec: ServiceSpec): string {
  return [
    '# written by agentcom add-agent',
    '[Unit]',
    `Description=AgentCom sidecar ${spec.name}`,
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${systemdQuote(spec.cwd)}`,
    `ExecStart=${serviceArgv(spec).map(systemdQuote).join(' ')}`,
    'Restart=always',
    'RestartSec=2',
    'Environment=NODE_ENV=production',
    `StandardOutput=append:${spec.outLog}`,
    `StandardError=append:${spec.errorLog}`,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n')
}

function systemdQuote(arg: string): string {
  return /^[\w./=:@+,-]+$/.test(arg) ? arg : `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export interface ManagerCommand {
  argv: string[]
  /** failures of this command are reported but do not stop the step */
  ignoreFailure: boolean
}

/** What installs and starts the service once its file is written (file = ecosystem / unit path). */
export function installCommands(manager: ServiceManager, spec: ServiceSpec, file: string): ManagerCommand[] {
  switch (manager) {
    case 'pm2':
      return [
        { argv: ['pm2', 'delete', spec.name], ignoreFailure: true },
        { argv: ['pm2', 'start', file], ignoreFailure: false },
        { argv: ['pm2', 'save'], ignoreFailure: true },
      ]
    case 'systemd':
      return [
        { argv: ['systemctl', '--user', 'daemon-reload'], ignoreFailure: false },
        { argv: ['systemctl', '--user', 'enable', '--now', `${spec.name}.service`], ignoreFailure: false },
      ]
    case 'none':
      return []
  }
}

/** What stops and removes it (remove-agent); every failure is only reported. */
export function removalCommands(manager: ServiceManager, name: string): ManagerCommand[] {
  switch (manager) {
    case 'pm2':
      return [
        { argv: ['pm2', 'stop', name], ignoreFailure: true },
        { argv: ['pm2', 'delete', name], ignoreFailure: true },
        { argv: ['pm2', 'save'], ignoreFailure: true },
      ]
    case 'systemd':
      return [{ argv: ['systemctl', '--user', 'disable', '--now', `${name}.service`], ignoreFailure: true }]
    case 'none':
      return []
  }
}

export function shellQuote(arg: string): string {
  return /^[\w./=:@+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}
