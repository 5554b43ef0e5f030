// The `console` slot of the hub tree: the REPL console server (actors/console).
export { consoleTree } from '../../actors/console'
