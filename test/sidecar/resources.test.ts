import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import {
  cpuPercentBetween,
  HostMetricsSampler,
  parseNvidiaSmiMemory,
  sumOllamaVram,
  systemProbes,
} from '../../relay/sidecar/resources'
import { writeNvidiaSmiShim } from './program-shims'
import { tempDir } from './temp-dir'

const MIB = 1024 * 1024

t.test('pure parsers', async (t) => {
  t.same(parseNvidiaSmiMemory('1024, 8192\n512, 8192\n'), { used_bytes: 1536 * MIB, total_bytes: 16384 * MIB })
  t.equal(parseNvidiaSmiMemory(''), null)
  t.equal(parseNvidiaSmiMemory('N/A, N/A'), null)
  t.equal(sumOllamaVram({ models: [{ size_vram: 10 }, { size_vram: 5 }, { name: 'x' }] }), 15)
  t.equal(sumOllamaVram({ nope: 1 }), null)
  t.equal(cpuPercentBetween({ idle: 100, total: 200 }, { idle: 150, total: 400 }), 75)
  t.equal(cpuPercentBetween({ idle: 1, total: 1 }, { idle: 1, total: 1 }), null)
})

t.test('real probes: nvidia-smi through a shim, VRAM from a fake Ollama /api/ps, real RAM and CPU', async (t) => {
  const dir = tempDir(t, 'sidecar-res-')
  const shim = writeNvidiaSmiShim(dir)
  const server = createServer((req, res) => {
    if (req.url === '/api/ps') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest', size: 3e9, size_vram: 2_000_000_000, digest: 'x', details: {}, expires_at: '' }] }))
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const ollamaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const withGpu = await new HostMetricsSampler(systemProbes(shim), ollamaUrl).sample()
  t.equal(withGpu.vram_used_bytes, 1536 * MIB, 'nvidia-smi wins when present')
  t.equal(withGpu.vram_total_bytes, 16384 * MIB)
  t.ok(withGpu.ram_total_bytes! > 0 && withGpu.ram_used_bytes! > 0 && withGpu.ram_used_bytes! <= withGpu.ram_total_bytes!)
  t.ok(withGpu.cpu_percent! >= 0 && withGpu.cpu_percent! <= 100)

  const noGpu = await new HostMetricsSampler(systemProbes(join(dir, 'no-such-nvidia-smi')), ollamaUrl).sample()
  t.equal(noGpu.vram_used_bytes, 2_000_000_000, "without nvidia-smi, Ollama's size_vram sum")
  t.equal(noGpu.vram_total_bytes, null)

  const nothing = await new HostMetricsSampler(systemProbes(join(dir, 'no-such-nvidia-smi')), 'http://127.0.0.1:1').sample()
  t.equal(nothing.vram_used_bytes, null, 'unreachable Ollama → null, no throw')
})
