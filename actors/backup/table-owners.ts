// Replacing a table under its owner's feet: the owner holds the table's contents in memory, so
// it must not run while its table is swapped, and must rebuild from LMDB afterwards. As in the
// original (hardening.md §1.4 step 2): stop the owner through its supervisor, do the work, start
// it again. Going through terminate_child/restart_child (not a crash) keeps the supervisors'
// restart intensity out of it: restoring the whole environment restarts a dozen owners at once.
import type { ActorSystem, Logger } from '../runtime'
import { supervisionTree, terminateChild, restartChild, type SupervisionTree } from '../../supervisors'
import { TABLE_WRITERS, type TableName } from '../../storage'

/** The hub's root supervisor (supervisors/hub-tree.ts HUB_SUPERVISOR). */
export const ROOT_SUPERVISOR = 'hub'

/** The registered actor names owning `tables`, without duplicates, in table order. */
export function ownersOf(tables: readonly TableName[]): string[] {
  return [...new Set(tables.map((table) => TABLE_WRITERS[table]))]
}

export interface OwnerPlacement {
  owner: string
  supervisor: string
}

/** Where each owner runs: the named supervisor holding a child registered under that name. */
export function placeOwners(tree: SupervisionTree, owners: readonly string[]): OwnerPlacement[] {
  const placements: OwnerPlacement[] = []
  const visit = (node: SupervisionTree): void => {
    for (const child of node.children ?? []) {
      if (child.name !== null && owners.includes(child.name) && node.name !== null && child.kind === 'worker') {
        placements.push({ owner: child.name, supervisor: node.name })
      }
      if (child.kind === 'supervisor') visit(child)
    }
  }
  visit(tree)
  return owners.flatMap((owner) => placements.filter((p) => p.owner === owner).slice(0, 1))
}

/**
 * Runs `work` with the owners stopped, then starts them again (even when `work` failed).
 * Owners not found in the tree (a hub without that area) are left alone. Resolves with work's
 * result; an owner that fails to start again is logged (its supervisor's state says so).
 */
export async function withOwnersStopped<T>(system: ActorSystem, owners: readonly string[], log: Logger, work: () => Promise<T>): Promise<T> {
  const placements = await locateOwners(system, owners, log)
  const stopped: OwnerPlacement[] = []
  try {
    for (const placement of placements) {
      await terminateChild(system.byName(placement.supervisor), placement.owner)
      stopped.push(placement)
    }
    return await work()
  } finally {
    for (const placement of stopped) {
      try {
        await restartChild(system.byName(placement.supervisor), placement.owner, { timeoutMs: 30_000 })
      } catch (error) {
        log.error('table owner did not start again after a storage swap', { owner: placement.owner, supervisor: placement.supervisor, error: String(error) })
      }
    }
  }
}

async function locateOwners(system: ActorSystem, owners: readonly string[], log: Logger): Promise<OwnerPlacement[]> {
  if (!system.whereis(ROOT_SUPERVISOR)) return []
  try {
    return placeOwners(await supervisionTree(system.byName(ROOT_SUPERVISOR)), owners)
  } catch (error) {
    log.warn('could not read the supervision tree; table owners keep running during the swap', { error: String(error) })
    return []
  }
}
