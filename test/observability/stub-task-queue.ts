// A stand-in for the `task-queue` actor answering the two calls the observability actors make,
// in the real reply shapes (CONTRACTS.md: `stats` → TaskStatsView, `list` → TaskView[]).
import { Actor } from '../../actors/runtime'

export interface StubQueueState {
  queued: number
  assigned: Array<{ id: string; status: 'assigned'; assigned_at: number; updated_at: number }>
}

type Call = { type: 'stats' } | { type: 'list'; filter: { status?: string } } | { type: 'set'; state: Partial<StubQueueState> }

export class StubTaskQueue extends Actor<Call, never, never, void> {
  private state: StubQueueState = { queued: 0, assigned: [] }

  override handleCall(msg: Call): unknown {
    switch (msg.type) {
      case 'stats':
        return { by_status: { queued: this.state.queued, assigned: this.state.assigned.length }, by_priority: {}, dead_letter: 0, queued_index_size: this.state.queued }
      case 'list':
        return msg.filter.status === 'assigned' ? this.state.assigned : []
      case 'set':
        this.state = { ...this.state, ...msg.state }
        return 'ok'
    }
  }
}
