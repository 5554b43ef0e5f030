import t from 'tap'
import { parseDashboardCommand } from '../../relay/protocol'

t.test('the documented dashboard commands are recognised', async (t) => {
  const commands = [
    { type: 'request_snapshot' },
    { type: 'retry_task', task_id: 'task-1' },
    { type: 'acknowledge_alert', rule_id: 'stuck_tasks' },
    { type: 'register_llm_endpoint', host: 'gpu', port: 11434, name: 'g' },
    { type: 'register_llm_endpoint', host: 'gpu', port: '11434' },
    { type: 'register_llm_endpoint', host: 'gpu' },
    { type: 'remove_llm_endpoint', id: 'gpu:11434' },
    { type: 'add_repo', url: 'https://github.com/o/r', name: 'r' },
    { type: 'remove_repo', repo_id: 'o-r' },
    { type: 'move_repo_up', repo_id: 'o-r' },
    { type: 'move_repo_down', repo_id: 'o-r' },
    { type: 'pause_repo', repo_id: 'o-r' },
    { type: 'unpause_repo', repo_id: 'o-r' },
  ]
  for (const command of commands) t.same(parseDashboardCommand(command), command, JSON.stringify(command))
})

t.test('anything else is ignored (null), never an error', async (t) => {
  const ignored = [
    null, [], 'request_snapshot', {}, { type: 1 }, { type: 'nope' }, { type: '__proto__' },
    { type: 'retry_task' }, { type: 'retry_task', task_id: '' }, { type: 'register_llm_endpoint', host: 'h', port: 'abc' },
    { type: 'register_llm_endpoint', host: 'h', port: 70000 }, { type: 'add_repo' }, { type: 'pause_repo', repo_id: 3 },
  ]
  for (const frame of ignored) t.equal(parseDashboardCommand(frame), null, JSON.stringify(frame))
})
