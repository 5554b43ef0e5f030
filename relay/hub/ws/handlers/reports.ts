// [v1.2] host reports of the sidecar (protocol.md §1.5) → the `llm-registry` actor when it
// runs (contract in CONTRACTS.md); without it they are acknowledged and dropped.
import { ACTOR } from '../../../../actors/names'
import { ollamaReportAckFrame } from '../../../protocol'
import type { FrameHandlers } from '../frame-context'

export const reportHandlers: FrameHandlers = {
  ollama_report: async (ctx, message) => {
    const registry = ctx.hub.system.whereis(ACTOR.llmRegistry)
    if (registry) await registry.call({ type: 'register_local', agent_id: ctx.agentId, ollama_url: message.ollama_url, peer_address: ctx.remoteIp || null })
    return ollamaReportAckFrame()
  },

  resource_report: (ctx, message) => {
    const { type: _type, ...metrics } = message
    ctx.hub.system.whereis(ACTOR.llmRegistry)?.cast({ type: 'resource_report', agent_id: ctx.agentId, report: metrics })
    return null
  },
}
