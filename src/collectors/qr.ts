import QRCode from 'qrcode'

/**
 * Error correction level Q restores up to 25 % of the code: enough for a poster that is scuffed,
 * partly taped over or photographed under glare. H (30 %) would make the code denser for the same
 * URL, so at the same printed size each module is smaller and scans worse from a distance; H is
 * only worth it under a logo, and our codes carry none.
 */
export const ERROR_CORRECTION = 'Q'

export interface QrOptions {
  /** Width and height in pixels (PNG), or the SVG's width and height attributes. */
  size: number
  /** Quiet zone in modules. */
  margin: number
}

export async function qrPng (text: string, opts: QrOptions): Promise<Buffer> {
  return await QRCode.toBuffer(text, {
    type: 'png',
    errorCorrectionLevel: ERROR_CORRECTION,
    width: opts.size,
    margin: opts.margin
  })
}

/** An SVG document; without `size` it has only a viewBox, so CSS sizes it (the poster). */
export async function qrSvg (text: string, opts: Partial<QrOptions> = {}): Promise<string> {
  return await QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: ERROR_CORRECTION,
    margin: opts.margin ?? 4,
    ...(opts.size === undefined ? {} : { width: opts.size })
  })
}
