// The sidecar config that onboarding writes (spec sidecar.md §15.2), checked with the sidecar's
// own validator before it is written, so a file add-agent produced always loads in
// `agentcom sidecar --config`.
import { dirname } from 'node:path'
import { parseSidecarConfig, type SidecarConfigFile } from '../config'

export const DEFAULT_WAKE_COMMAND = 'openclaw agent --message "Task: ${TASK_JSON}" --session-id ${TASK_ID}'
export const DEFAULT_CAPABILITIES = ['code']

export interface OnboardedConfigInput {
  agentId: string
  token: string
  hubWsUrl: string
  hubApiUrl: string
  /** the agent's working clone */
  repoDir: string
  /** the install dir: the sidecar's durable state lives there */
  dataDir: string
  configPath: string
  capabilities?: string[]
  /** null = no wake path */
  wakeCommand?: string | null
  homeDir?: string
}

/** The config object (throws the sidecar's ConfigError when it would not load). */
export function onboardedSidecarConfig(input: OnboardedConfigInput): SidecarConfigFile {
  const config: SidecarConfigFile = {
    agent_id: input.agentId,
    token: input.token,
    hub_url: input.hubWsUrl,
    hub_api_url: input.hubApiUrl,
    repo_dir: input.repoDir,
    reviewer: '',
    wake_command: input.wakeCommand === undefined ? DEFAULT_WAKE_COMMAND : input.wakeCommand,
    capabilities: input.capabilities && input.capabilities.length > 0 ? [...input.capabilities] : [...DEFAULT_CAPABILITIES],
    confirmation_timeout_ms: 30_000,
    results_dir: './results',
    log_file: './sidecar.log',
    data_dir: input.dataDir,
  }
  parseSidecarConfig(config, { baseDir: dirname(input.configPath), homeDir: input.homeDir })
  return config
}
