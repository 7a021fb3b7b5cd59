import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// Independent decoders from Debian (.ci/apt-packages): zbarimg (zbar-tools) reads QR codes from
// images, rsvg-convert (librsvg2-bin) renders an SVG to PNG the way a browser or printer would.

/** Every QR code zbarimg finds in the PNG, as raw text. Throws when it finds none. */
export function decodePng (png: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'puls-qr-'))
  try {
    const file = join(dir, 'code.png')
    writeFileSync(file, png)
    const out = execFileSync('zbarimg', ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 })
    return out.split('\n').filter(line => line !== '')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Renders an SVG document to a PNG `width` pixels wide with librsvg. */
export function svgToPng (svg: string, width = 600): Buffer {
  return execFileSync('rsvg-convert', ['--width', String(width), '--background-color', 'white', '--format', 'png'], { input: svg, stdio: ['pipe', 'pipe', 'ignore'], timeout: 20_000 })
}
