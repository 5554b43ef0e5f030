// Closed-loop HTTP load on one route: `concurrency` keep-alive connections, each sending the
// next request when the last answered, for `seconds`. Returns every request's latency in ms.
import { Agent, get } from 'node:http'
import { performance } from 'node:perf_hooks'

export async function httpLoad(port: number, concurrency: number, seconds: number, path = '/health'): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const samples: number[] = []
  const deadline = performance.now() + seconds * 1000
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const started = performance.now()
      get({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume()
        res.on('end', () => {
          samples.push(performance.now() - started)
          resolve()
        })
      }).on('error', reject)
    })
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) await one()
    }),
  )
  agent.destroy()
  return samples
}
