export * from './actor'
