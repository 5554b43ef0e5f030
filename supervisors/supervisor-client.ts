// Typed helpers for talking to a Supervisor or DynamicSupervisor through its ref (or name).

import type { ActorRef, CallOptions, NamedRef } from '../actors/runtime'
import type { ChildSpec } from './child-spec'
import type { ChildCounts, ChildInfo, SupervisionTree, SupervisorCall } from './supervisor'

type SupervisorRef = ActorRef<SupervisorCall, never> | NamedRef<SupervisorCall, never>

export function whichChildren(sup: SupervisorRef, opts?: CallOptions): Promise<ChildInfo[]> {
  return sup.call<ChildInfo[]>({ type: 'which_children' }, opts)
}

export function countChildren(sup: SupervisorRef, opts?: CallOptions): Promise<ChildCounts> {
  return sup.call<ChildCounts>({ type: 'count_children' }, opts)
}

/** The whole tree below `sup` as plain data. */
export function supervisionTree(sup: SupervisorRef, opts?: CallOptions): Promise<SupervisionTree> {
  return sup.call<SupervisionTree>({ type: 'tree' }, opts)
}

/** Starts and adds a child; resolves with its ref. Rejects with ChildStartError, MaxChildrenReached. */
export function startChild(sup: SupervisorRef, spec: ChildSpec, opts?: CallOptions): Promise<ActorRef> {
  return sup.call<ActorRef>({ type: 'start_child', spec }, opts)
}

/** Stops a child (static: by id; dynamic: by pid) with its shutdown spec. Rejects with UnknownChild. */
export function terminateChild(sup: SupervisorRef, idOrPid: string, opts?: CallOptions): Promise<'ok'> {
  return sup.call<'ok'>({ type: 'terminate_child', id: idOrPid }, opts)
}

/** Static supervisors: starts a stopped child again. */
export function restartChild(sup: SupervisorRef, id: string, opts?: CallOptions): Promise<ActorRef> {
  return sup.call<ActorRef>({ type: 'restart_child', id }, opts)
}

/** Static supervisors: forgets a stopped child's spec. */
export function deleteChild(sup: SupervisorRef, id: string, opts?: CallOptions): Promise<'ok'> {
  return sup.call<'ok'>({ type: 'delete_child', id }, opts)
}
