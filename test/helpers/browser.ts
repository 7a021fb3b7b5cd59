import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import { ensureSystemPackage, TEST_PACKAGES } from './system-package.js'

// Debian's chromium: playwright-core never downloads a browser of its own. Found where it is, or
// installed once (see system-package.ts). The poster's one-A4-page check depends on font metrics,
// so the font is named too instead of left to whatever a machine has.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']

/** The Chromium binary (CHROMIUM_PATH, chromium or chromium-browser), installed first if missing. */
export async function ensureChromium (t?: { setTimeout: (ms: number) => void }): Promise<string> {
  const executable = await ensureSystemPackage(TEST_PACKAGES.chromium, t)
  await ensureSystemPackage(TEST_PACKAGES.font, t)
  return executable
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface Tap {
  teardown: (fn: () => unknown) => void
  setTimeout: (ms: number) => void
  fail: (message: string, extra: object) => void
}

/**
 * A headless Chromium, closed when the test ends. Without one the test file fails at once, with
 * the line that says how to install it as its one failure.
 */
export async function launch (t: Tap): Promise<Browser> {
  let executablePath: string
  try {
    executablePath = await ensureChromium(t)
  } catch (err) {
    t.fail((err as Error).message, { diagnostic: false })
    process.exit(1)
  }
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 })
  t.teardown(() => browser.close())
  return browser
}

/** A phone-sized context (a 390×844 touch screen, like a mid-size phone) in `locale`. */
export function phone (browser: Browser, opts: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'en',
    ...opts
  })
}

/**
 * Console errors and uncaught page errors, which is where the browser reports what the
 * Content-Security-Policy blocked ("Refused to load/apply/execute …"). Left out: the 404 for the
 * /favicon.ico a browser asks for on its own (no page links to it), and the line Chromium logs
 * for a page that is itself an error page (404, 409, 410, 429 on purpose).
 */
export function pageErrors (page: Page): string[] {
  const errors: string[] = []
  page.on('console', message => {
    if (message.type() !== 'error' || message.location().url.endsWith('/favicon.ico')) return
    if (
      message.location().url === page.url() &&
      /^Failed to load resource: the server responded with a status of \d{3}/.test(message.text())
    ) { return }
    errors.push(message.text())
  })
  page.on('pageerror', error => errors.push(error.message))
  return errors
}

export interface AxeViolation {
  id: string
  impact: string
  help: string
  nodes: string[]
}

/**
 * Runs axe-core on the page and returns its serious and critical violations. The source goes in
 * through the DevTools protocol (page.evaluate), which the page's CSP does not govern, so the
 * page is checked exactly as served.
 */
export async function axe (page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] })
    return (
      result.violations as Array<{
        id: string
        impact: string | null
        help: string
        nodes: Array<{ target: unknown[] }>
      }>
    ).map(v => ({ id: v.id, impact: v.impact ?? 'unknown', help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) }))
  })
  return violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
}
