// `agentcom hub`: placeholder until the hub tree lands — serves /health so the conventions hold.
import { createServer } from 'node:http'
import { mkdirSync, existsSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'

export interface HubOptions {
  port: number
  host: string
  dataDir: string
  transport?: string
  openRegistration: boolean
}

export async function runHub(opts: HubOptions): Promise<void> {
  const dataDir = resolve(opts.dataDir)
  mkdirSync(dataDir, { recursive: true })
  const tokenFile = join(dataDir, 'admin.token')
  if (!existsSync(tokenFile)) writeFileSync(tokenFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 })
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ status: 'ok', service: 'agent_com', agents_connected: 0 }))
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: 'not_found' }))
  })
  await new Promise<void>((ok) => server.listen(opts.port, opts.host, ok))
  console.log(`agentcom hub: empty supervision tree; listening on http://${opts.host}:${opts.port} (admin token in ${tokenFile})`)
  const stop = () => server.close(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
