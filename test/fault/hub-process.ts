// `agentcom hub` as a real child process for kill -9 tests (the CLI transpiled once by
// test/cli/cli-build.ts, plain node), plus the admin token it wrote and an offline storage
// verify of the stopped data dir. (Fixture, no tests of its own.)
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { verify, type VerifyReport } from '../../storage'
import { lmdbDirOf, readCurrentDataFile } from '../../storage/data-files'
import { FULL_BUILD_ENV, fullyBuiltCli } from './full-build'

const ROOT = join(__dirname, '..', '..')

interface Teardownable {
  teardown(fn: () => unknown): void
}

export interface HubProcess {
  child: ChildProcess
  port: number
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  output(): string
}

/** Starts `agentcom hub --port 0 --data-dir dataDir`; resolves once it printed where it listens. */
export async function startHubProcess(t: Teardownable, dataDir: string, extraArgs: string[] = []): Promise<HubProcess> {
  const child = spawn(process.execPath, [fullyBuiltCli(), 'hub', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    cwd: ROOT,
    env: { ...process.env, ...FULL_BUILD_ENV, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (c: Buffer) => {
    output += c.toString()
    if (output.length > 200_000) output = output.slice(-100_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.on('exit', (code, signal) => ok({ code, signal })))
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`hub did not start within 60 s:\n${output.slice(-3000)}`)), 60_000)
    const check = () => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (!match) return
      clearTimeout(timer)
      child.stdout!.off('data', check)
      ok(Number(match[1]))
    }
    child.stdout!.on('data', check)
    void exited.then((how) => {
      clearTimeout(timer)
      fail(new Error(`hub exited early (${JSON.stringify(how)}):\n${output.slice(-3000)}`))
    })
  })
  return { child, port, exited, output: () => output }
}

/** SIGKILL and wait for the exit. */
export async function killHard(hub: HubProcess): Promise<void> {
  if (hub.child.exitCode === null && hub.child.signalCode === null) hub.child.kill('SIGKILL')
  await hub.exited
}

export function adminTokenOf(dataDir: string): string {
  return readFileSync(join(dataDir, 'admin.token'), 'utf8').trim()
}

/** Verifies the live data file of a stopped hub's data dir (page walk + decode every record, in a child). */
export async function verifyDataDir(dataDir: string): Promise<VerifyReport> {
  const lmdbDir = lmdbDirOf(dataDir)
  const name = readCurrentDataFile(lmdbDir)
  if (name === null) throw new Error(`no data file in ${lmdbDir}`)
  return verify(join(lmdbDir, name))
}
