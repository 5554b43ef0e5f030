// Shared by the maintenance tests: temp dirs, a real LMDB store, byte-level corruption, task
// submission over a hub, and the verifier child with only the TypeScript loader.
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStorage, type Storage, type VerifyOptions } from '../../storage'
import { http, type TestHub } from '../hub/harness'

interface Teardownable {
  teardown(fn: () => unknown): void
}

export const LIGHT_VERIFIER: VerifyOptions = {
  childProcess: { execArgv: process.execArgv.filter((arg) => arg.includes('typescript')), env: { ...process.env, NODE_OPTIONS: '' } },
}

export function tempDir(t: Teardownable, prefix = 'agentcom-maintenance-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A store in a fresh temp dir, closed (after its writes committed) at teardown. */
export function tempStorage(t: Teardownable): { storage: Storage; dataDir: string } {
  const dataDir = tempDir(t)
  const storage = openStorage({ dataDir })
  t.teardown(async () => {
    await storage.settled().catch(() => undefined)
    await storage.close().catch(() => undefined)
  })
  return { storage, dataDir }
}

export async function writeTasks(storage: Storage, prefix: string, count: number, padding = 200): Promise<void> {
  const queue = storage.table<string, { body: string }>('task_queue')
  for (let i = 0; i < count; i++) void queue.put(`${prefix}-${String(i).padStart(6, '0')}`, { body: `${prefix} ${'x'.repeat(padding)}` })
  await storage.settled()
}

export function taskIds(storage: Storage): string[] {
  return Array.from(storage.table<string, unknown>('task_queue').keys())
}

/** Overwrites the middle half of a file with noise: certainly hits live pages, spares the meta pages. */
export function corrupt(file: string): void {
  const size = statSync(file).size
  const noise = Buffer.alloc(Math.floor(size / 2))
  let state = 99
  for (let i = 0; i < noise.length; i++) noise[i] = (state = (state * 1103515245 + 12345) % 2147483648) >> 16
  const fd = openSync(file, 'r+')
  try {
    writeSync(fd, noise, 0, noise.length, Math.floor(size / 4))
  } finally {
    closeSync(fd)
  }
}

/** Submits `count` padded tasks over HTTP; a 429 waits out the heavy tier on the hub's virtual clock. */
export async function submitTasks(hub: TestHub, token: string, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const submit = () => http(hub.port, 'POST', '/api/tasks', { token, body: { description: `${prefix} ${i} ${'x'.repeat(500)}` } })
    let res = await submit()
    if (res.status === 429) {
      await hub.clock.advance(res.body.retry_after_ms as number)
      res = await submit()
    }
    if (res.status !== 201) throw new Error(`submit: ${res.status} ${res.text}`)
    ids.push(res.body.task_id as string)
  }
  return ids
}
