export * from './actor'
export * from './presence-table'
