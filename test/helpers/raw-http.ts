import { connect } from 'node:net'

/** Sends `text` as it is on a fresh TCP connection and answers what the server wrote before it closed. */
export function rawRequest (port: number, text: string | Buffer, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host)
    const chunks: Buffer[] = []
    socket.on('data', chunk => chunks.push(chunk))
    socket.on('error', err => (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString()) : reject(err))
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()))
    socket.end(text)
  })
}

/** The port an app listens on after `app.listen({ port: 0 })`. */
export function portOf (app: { server: { address: () => unknown } }): number {
  return (app.server.address() as { port: number }).port
}
