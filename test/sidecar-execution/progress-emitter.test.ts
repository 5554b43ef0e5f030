import t from 'tap'
import { ProgressEmitter, taskProgressFrame, toExecutionEvent, type ExecutionEventPayload } from '../../relay/sidecar/executors/progress-emitter'
import { ManualClock } from '../fakes/manual-clock'

function setup(): { clock: ManualClock; sent: ExecutionEventPayload[]; emitter: ProgressEmitter } {
  const clock = new ManualClock(1_000)
  const sent: ExecutionEventPayload[] = []
  return { clock, sent, emitter: new ProgressEmitter(clock, (e) => sent.push(e)) }
}

t.test('frame mapping follows §8.2', async (t) => {
  t.same(toExecutionEvent({ type: 'status', text: 'hi' }, 5), { event_type: 'status', text: 'hi', tokens_so_far: null, model: null, timestamp: 5 })
  t.same(taskProgressFrame('task-1', toExecutionEvent({ type: 'token', text: 'a', tokens_so_far: 1, model: 'm' }, 7)), {
    type: 'task_progress',
    task_id: 'task-1',
    execution_event: { event_type: 'token', text: 'a', tokens_so_far: 1, model: 'm', timestamp: 7 },
  })
})

t.test('first token goes out at once, later ones are batched per 100 ms window', async (t) => {
  const { clock, sent, emitter } = setup()
  emitter.emit({ type: 'token', text: 'He', tokens_so_far: 2, model: 'llama' })
  t.equal(sent.length, 1, 'first token immediate')
  t.same(sent[0], { event_type: 'token', text: 'He', tokens_so_far: 2, model: 'llama', timestamp: 1_000 })
  emitter.emit({ type: 'token', text: 'll', tokens_so_far: 4, model: 'llama' })
  emitter.emit({ type: 'token', text: 'o', tokens_so_far: 5, model: 'llama' })
  clock.advance(99)
  t.equal(sent.length, 1, 'nothing before the window closes')
  clock.advance(1)
  t.equal(sent.length, 2)
  t.same(sent[1], { event_type: 'token', text: 'llo', tokens_so_far: 5, model: 'llama', timestamp: 1_100 })
  emitter.emit({ type: 'token', text: ' world', tokens_so_far: 11 })
  clock.advance(100)
  t.equal(sent[2].text, ' world')
  clock.advance(100)
  t.equal(sent.length, 3, 'an empty window sends nothing')
  t.same(clock.pendingDelays(), [], 'and stops the timer')
  emitter.emit({ type: 'token', text: '!', tokens_so_far: 12 })
  t.equal(sent.length, 4, 'a token after a quiet period goes out at once')
  emitter.destroy()
})

t.test('a 10 s stream of 1 ms tokens produces at most ~10 frames per second', async (t) => {
  const { clock, sent, emitter } = setup()
  for (let i = 0; i < 10_000; i++) {
    emitter.emit({ type: 'token', text: 'x', tokens_so_far: i + 1 })
    clock.advance(1)
  }
  emitter.destroy()
  t.ok(sent.length <= 102, `${sent.length} frames`)
  t.equal(sent.map((e) => e.text).join('').length, 10_000, 'no text lost')
  t.equal(sent[sent.length - 1].tokens_so_far, 10_000)
})

t.test('non-token events go out at once, after any pending tokens (order kept)', async (t) => {
  const { clock, sent, emitter } = setup()
  emitter.emit({ type: 'token', text: 'a', tokens_so_far: 1 })
  emitter.emit({ type: 'token', text: 'b', tokens_so_far: 2 })
  emitter.emit({ type: 'status', text: 'Ollama retry 1/2...' })
  t.same(
    sent.map((e) => [e.event_type, e.text]),
    [
      ['token', 'a'],
      ['token', 'b'],
      ['status', 'Ollama retry 1/2...'],
    ],
  )
  emitter.emit({ type: 'stderr', text: 'warn' })
  t.equal(sent.length, 4)
  clock.advance(500)
  t.equal(sent.length, 4)
})

t.test('flush sends the buffer now; destroy flushes, stops the timer and drops later events', async (t) => {
  const { clock, sent, emitter } = setup()
  emitter.emit({ type: 'token', text: 'a', tokens_so_far: 1 })
  emitter.emit({ type: 'token', text: 'b', tokens_so_far: 2 })
  emitter.flush()
  t.equal(sent.length, 2)
  emitter.flush()
  t.equal(sent.length, 2, 'empty flush sends nothing')
  emitter.emit({ type: 'token', text: 'c', tokens_so_far: 3 })
  emitter.destroy()
  t.equal(sent[2].text, 'c')
  t.same(clock.pendingDelays(), [])
  emitter.emit({ type: 'status', text: 'late' })
  t.equal(sent.length, 3)
})

t.test('a throwing sender does not break the emitter', async (t) => {
  const clock = new ManualClock()
  let calls = 0
  const emitter = new ProgressEmitter(clock, () => {
    calls++
    throw new Error('socket closed')
  })
  emitter.emit({ type: 'status', text: 'x' })
  emitter.emit({ type: 'token', text: 'y' })
  t.equal(calls, 2)
  emitter.destroy()
})
