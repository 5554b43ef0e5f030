// Many simulated agents in one child process (the scale benchmark spreads 10,000 over a few of
// these so the client side is not what limits). Started with fork(); IPC:
//   in:  {type:'start', url, agents:[{agent_id, token}], pingIntervalMs, parallel}
//        {type:'stop'}
//   out: {type:'ready', identified}  once every agent identified
//        {type:'status', identified, connects}  on {type:'status'}
// (No tests here.)
import { SimAgent, startAgents } from './sim-agent'

interface StartMessage {
  type: 'start'
  url: string
  agents: Array<{ agent_id: string; token: string }>
  pingIntervalMs: number
  parallel: number
}

let agents: SimAgent[] = []

function status() {
  return { identified: agents.filter((a) => a.isIdentified).length, connects: agents.reduce((n, a) => n + a.connects, 0) }
}

process.on('message', (msg: StartMessage | { type: 'stop' } | { type: 'status' }) => {
  if (msg.type === 'start') {
    agents = msg.agents.map((a) => new SimAgent({ url: msg.url, agentId: a.agent_id, token: a.token, pingIntervalMs: msg.pingIntervalMs, reconnectInitialMs: 1000 }))
    void startAgents(agents, msg.parallel).then(() => process.send?.({ type: 'ready', ...status() }))
  } else if (msg.type === 'status') {
    process.send?.({ type: 'status', ...status() })
  } else {
    for (const a of agents) a.stop()
    process.exit(0)
  }
})
