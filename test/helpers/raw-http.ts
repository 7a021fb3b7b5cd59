import { connect } from 'node:net'

/**
 * Sends `text` as it is on a fresh TCP connection and answers what the server wrote before it
 * closed (send `Connection: close`). The connection stays open for writing: a half-closed one may
 * be dropped before a slow answer. After `waitMs` it is closed from this side.
 */
export function rawRequest (port: number, text: string | Buffer, host = '127.0.0.1', waitMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host)
    const chunks: Buffer[] = []
    socket.on('data', chunk => chunks.push(chunk))
    socket.on('error', err =>
      (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString()) : reject(err)
    )
    const timer = setTimeout(() => socket.destroy(), waitMs)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString())
    })
    socket.write(text)
  })
}

/** The port an app listens on after `app.listen({ port: 0 })`. */
export function portOf (app: { server: { address: () => unknown } }): number {
  return (app.server.address() as { port: number }).port
}
