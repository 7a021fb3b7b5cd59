import type { ChildProcess } from 'node:child_process'
import type { BenchReply, BenchRequest } from './server.js'

/** Talks to a bench child over the fork IPC channel: requests out, typed replies back. */
export function channel (proc: ChildProcess, name: string): {
  reply: <T extends BenchReply['type']>(type: T) => Promise<Extract<BenchReply, { type: T }>>
  ask: <T extends BenchReply['type']>(request: BenchRequest, type: T) => Promise<Extract<BenchReply, { type: T }>>
} {
  const replies: BenchReply[] = []
  const waiting: Array<() => void> = []
  proc.on('message', (reply: BenchReply) => {
    replies.push(reply)
    for (const w of waiting.splice(0)) w()
  })
  proc.on('exit', code => {
    if (code !== 0 && code !== null) console.error(`${name} exited with ${code}`)
  })
  async function reply<T extends BenchReply['type']> (type: T): Promise<Extract<BenchReply, { type: T }>> {
    for (;;) {
      const i = replies.findIndex(r => r.type === type)
      if (i >= 0) return replies.splice(i, 1)[0] as Extract<BenchReply, { type: T }>
      await new Promise<void>(resolve => waiting.push(resolve))
    }
  }
  return {
    reply,
    ask: (request, type) => {
      proc.send(request)
      return reply(type)
    }
  }
}
