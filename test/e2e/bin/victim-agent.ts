// A simulated agent in its own process, for the scenario where an agent dies mid-task: it
// accepts a task and holds it; the line "cut" on stdin drops its socket (no close handshake, no
// reconnect); the test then SIGKILLs the process. Reports JSON lines on stdout.
// argv: <ws url> <agent id> <token>; runs only with AGENTCOM_E2E_VICTIM=1 (a test runner that
// loads every file of the folder finds nothing to do here).
import { createInterface } from 'node:readline'
import { SimAgent } from '../../../bench/sim/sim-agent'

function runVictim(url: string, agentId: string, token: string): void {
  const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`)
  const agent = new SimAgent({ url, agentId, token, hold: true, pingIntervalMs: 5_000, onAssign: (frame) => say({ event: 'assigned', task_id: frame.task_id, generation: frame.generation }) })
  void agent.start().then(() => say({ event: 'identified' }))
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'cut') return
    agent.stop()
    say({ event: 'cut' })
  })
}

if (process.env.AGENTCOM_E2E_VICTIM === '1') {
  const [url, agentId, token] = process.argv.slice(2) as [string, string, string]
  runVictim(url, agentId, token)
}
