// Renders supervision trees as text for the console's tree() (pure; tested directly).

import type { ActorInfo } from '../runtime'
import type { SupervisionTree } from '../../supervisors'

/**
 * hub  <0.3.0>  one_for_one
 * ├─ config  <0.4.0>  running
 * └─ tasks  <0.5.0>  rest_for_one
 *    └─ scheduler  <0.9.0>  running  restarts=1
 */
export function renderTree(tree: SupervisionTree): string {
  return [nodeLine(tree), ...childLines(tree.children ?? [], '')].join('\n')
}

function childLines(children: SupervisionTree[], indent: string): string[] {
  return children.flatMap((child, i) => {
    const last = i === children.length - 1
    const lines = [`${indent}${last ? '└─ ' : '├─ '}${nodeLine(child)}`]
    return lines.concat(childLines(child.children ?? [], indent + (last ? '   ' : '│  ')))
  })
}

function nodeLine(node: SupervisionTree): string {
  const label = node.name && node.name !== node.id ? `${node.id} (${node.name})` : node.id
  const parts = [label, node.pid ?? '-']
  if (node.kind === 'supervisor') parts.push(node.strategy ?? 'supervisor')
  if (node.kind === 'worker' || node.status !== 'running') parts.push(node.status)
  if (node.restarts > 0) parts.push(`restarts=${node.restarts}`)
  return parts.join('  ')
}

/** Every pid in the tree, the root's included. */
export function pidsInTree(tree: SupervisionTree): Set<string> {
  const pids = new Set<string>()
  const walk = (node: SupervisionTree): void => {
    if (node.pid) pids.add(node.pid)
    for (const child of node.children ?? []) walk(child)
  }
  walk(tree)
  return pids
}

export interface TreeHit {
  node: SupervisionTree
  /** the supervising node; undefined for a root */
  parent: SupervisionTree | undefined
}

/** Finds the node whose registered name, child id or pid is `key`. */
export function findInTree(tree: SupervisionTree, key: string, parent?: SupervisionTree): TreeHit | undefined {
  if (tree.name === key || tree.pid === key || (parent && tree.id === key)) return { node: tree, parent }
  for (const child of tree.children ?? []) {
    const hit = findInTree(child, key, tree)
    if (hit) return hit
  }
  return undefined
}

/** The live actors no supervisor in `trees` holds (spawned ad hoc, or the console's own peers). */
export function unsupervised(actors: ActorInfo[], trees: SupervisionTree[]): ActorInfo[] {
  const held = new Set<string>()
  for (const tree of trees) for (const pid of pidsInTree(tree)) held.add(pid)
  return actors.filter((a) => !held.has(a.id))
}

export function renderUnsupervised(actors: ActorInfo[]): string {
  if (actors.length === 0) return ''
  const lines = actors.map((a, i) => `${i === actors.length - 1 ? '└─ ' : '├─ '}${a.name ?? a.class}  ${a.id}  ${a.status}`)
  return ['(not supervised)', ...lines].join('\n')
}
