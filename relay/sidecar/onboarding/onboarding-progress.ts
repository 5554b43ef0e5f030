// The onboarding progress file (spec sidecar.md §15.1): which of the 7 steps are done and what
// they produced, so `add-agent --resume` continues after a failed step without redoing the rest.
// Written atomically (temp + rename; the original overwrote in place) and mode 0600: it holds
// the agent's token.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import Ajv from 'ajv'

export const ONBOARDING_STEPS = ['preflight', 'register', 'clone', 'config', 'install', 'service', 'verify'] as const
export type OnboardingStep = (typeof ONBOARDING_STEPS)[number]

export const PROGRESS_FILE = '.onboard-progress.json'

export const OnboardingProgressSchema = Type.Object({
  agent_name: Type.String({ minLength: 1 }),
  hub_url: Type.String(),
  steps_completed: Type.Array(Type.String()),
  token: Type.Union([Type.String(), Type.Null()]),
  default_repo: Type.Union([Type.String(), Type.Null()]),
  hub_ws_url: Type.Optional(Type.String()),
  hub_api_url: Type.Optional(Type.String()),
  // additions of this implementation
  repo_dir: Type.Optional(Type.String()),
  config_path: Type.Optional(Type.String()),
  service_manager: Type.Optional(Type.String()),
})
export type OnboardingProgress = Static<typeof OnboardingProgressSchema>

const validate = new Ajv({ allErrors: true, strict: false }).compile(OnboardingProgressSchema)

export class ProgressFileError extends Error {
  override readonly name = 'ProgressFileError'
}

export function progressPath(installDir: string): string {
  return join(installDir, PROGRESS_FILE)
}

export function freshProgress(agentName: string, hubUrl: string): OnboardingProgress {
  return { agent_name: agentName, hub_url: hubUrl, steps_completed: [], token: null, default_repo: null }
}

/** undefined when there is no progress file; ProgressFileError when it is unreadable or malformed. */
export function loadProgress(installDir: string): OnboardingProgress | undefined {
  const file = progressPath(installDir)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ProgressFileError(`cannot read ${file}: ${(err as Error).message}`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ProgressFileError(`${file} is not valid JSON: ${(err as Error).message}`)
  }
  if (!validate(raw)) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')
    throw new ProgressFileError(`${file} is not an onboarding progress file: ${why}`)
  }
  return raw
}

export function saveProgress(installDir: string, progress: OnboardingProgress): void {
  const file = progressPath(installDir)
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, JSON.stringify(progress, null, 2) + '\n', { mode: 0o600 })
  renameSync(temp, file)
}

export function isDone(progress: OnboardingProgress, step: OnboardingStep): boolean {
  return progress.steps_completed.includes(step)
}

export function markDone(progress: OnboardingProgress, step: OnboardingStep): OnboardingProgress {
  if (isDone(progress, step)) return progress
  return { ...progress, steps_completed: [...progress.steps_completed, step] }
}
