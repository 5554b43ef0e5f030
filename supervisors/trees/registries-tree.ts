// The registries subtree (hub-tree slot `registries`): the LLM endpoint registry (health rounds,
// host resources) and the repository registry. one_for_one: each rebuilds from its own LMDB
// table and reaches the other areas only by name.
import { LlmRegistryActor, type LlmRegistryArgs } from '../../actors/llm-registry/actor'
import { RepoRegistryActor } from '../../actors/repo-registry/actor'
import { ACTOR } from '../../actors/names'
import type { Storage } from '../../storage'
import { supervisorSpec, workerSpec, type ChildSpec } from '..'

export const REGISTRIES_SUPERVISOR = 'registries'

export interface RegistriesTreeDeps {
  storage: Storage
  dataDir?: string
  /** supervisor name, default 'registries' */
  name?: string
  /** tests: the probe and timer periods of the LLM registry */
  llm?: Omit<LlmRegistryArgs, 'storage'>
}

export function registriesTree(deps: RegistriesTreeDeps): ChildSpec {
  return supervisorSpec({
    name: deps.name ?? REGISTRIES_SUPERVISOR,
    strategy: 'one_for_one',
    children: [
      workerSpec(LlmRegistryActor, { storage: deps.storage, ...deps.llm }, { name: ACTOR.llmRegistry }),
      workerSpec(RepoRegistryActor, { storage: deps.storage }, { name: ACTOR.repoRegistry }),
    ],
  })
}
