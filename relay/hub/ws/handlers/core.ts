// Presence frames of an identified agent (protocol.md §1.5): ping, status, list_agents.
import { ACTOR } from '../../../../actors/names'
import type { AgentInfo } from '../../../protocol'
import { agentsFrame, pongFrame, statusUpdatedFrame } from '../../../protocol'
import type { FrameHandlers } from '../frame-context'

export const coreHandlers: FrameHandlers = {
  /** The only frame that refreshes presence `last_seen` (the reaper's input). */
  ping: (ctx) => {
    ctx.hub.system.whereis(ACTOR.presence)?.cast({ type: 'touch', agent_id: ctx.agentId, session_id: ctx.sessionId })
    return pongFrame(ctx.hub.now())
  },

  /** Presence publishes status_changed to every agent, the sender included. */
  status: async (ctx, message) => {
    await ctx.hub.system.byName(ACTOR.presence).call({ type: 'set_status', agent_id: ctx.agentId, status: message.status })
    return statusUpdatedFrame()
  },

  list_agents: async (ctx) => {
    const agents = await ctx.hub.system.byName(ACTOR.presence).call<AgentInfo[]>({ type: 'list' })
    return agentsFrame(agents)
  },
}
