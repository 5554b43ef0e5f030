// The console server (the hub side of `agentcom console`) and its line protocol.
export {
  ConsoleServerActor,
  consoleServerSpec,
  consoleTree,
  AUTH_TIMEOUT_MS,
  type ConsoleServerArgs,
  type ConsoleServerSpecOptions,
} from './console-server'
export { consoleSocketPath, adminTokenPath, CONSOLE_SOCKET_FILE, ADMIN_TOKEN_FILE } from './paths'
export { consoleHelpers, rootTrees, Printed, HELPER_DOCS, HELPER_NAMES, type HelperName, type ConsoleHelpers } from './helpers'
export { Evaluator, describeError, SYNC_EVAL_TIMEOUT_MS, type EvalOutcome } from './evaluator'
export { renderTree, findInTree, pidsInTree, unsupervised, renderUnsupervised, type TreeHit } from './tree-text'
export { claimSocketPath, somebodyListens, ConsoleSocketInUse, ConsoleSocketPathTaken } from './socket-path'
export { LineSplitter, type LineEvent } from './line-splitter'
export * from './protocol'
