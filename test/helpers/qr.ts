import { Resvg } from '@resvg/resvg-js'
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'

// Independent readers, in-process so `npm test` needs no system package: pngjs decodes the PNG the
// app serves, jsQR finds and reads the QR code in its pixels as a phone camera app would, and resvg
// renders an SVG the way a browser or printer would. None of them shares code with the `qrcode`
// package that draws the codes.

// jsqr is CommonJS whose types declare an ES default export; at run time the module is the function.
const jsQR = jsQRModule.default

/** The text of the QR code jsQR finds in the PNG. Throws when it finds none. */
export function decodePng (png: Buffer): string {
  const image = PNG.sync.read(png)
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length)
  const code = jsQR(pixels, image.width, image.height, { inversionAttempts: 'dontInvert' })
  if (code === null) throw new Error(`no QR code found in the ${image.width}×${image.height} PNG`)
  return code.data
}

/**
 * Renders an SVG document to a PNG `width` pixels wide on white, with resvg. System fonts stay
 * unloaded: the codes are paths only, so the picture must not depend on what a machine has.
 */
export function svgToPng (svg: string, width = 600): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: 'white',
    font: { loadSystemFonts: false }
  })
  return resvg.render().asPng()
}
