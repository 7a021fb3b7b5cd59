import { DomUtils, parseDocument } from 'htmlparser2'

// Reads HTML the way a browser or mail client does (entities decoded, attributes parsed), so
// tests assert on what a person would see and click, not on how the markup happens to be escaped.

export interface Link { href: string, text: string, attrs: Record<string, string> }

export function links (html: string): Link[] {
  const doc = parseDocument(html, { decodeEntities: true })
  return DomUtils.findAll(el => el.name === 'a', doc.children).map(a => ({
    href: a.attribs.href ?? '',
    text: DomUtils.textContent(a).trim(),
    attrs: a.attribs
  }))
}

/** Every element, as tag name and attributes. */
export function elements (html: string): Array<{ name: string, attrs: Record<string, string> }> {
  const doc = parseDocument(html, { decodeEntities: true })
  return DomUtils.findAll(() => true, doc.children).map(el => ({ name: el.name, attrs: el.attribs }))
}

/** The text of the body, whitespace collapsed. */
export function visibleText (html: string): string {
  const doc = parseDocument(html, { decodeEntities: true })
  return DomUtils.textContent(DomUtils.findAll(el => el.name === 'body', doc.children)).replace(/\s+/g, ' ').trim()
}
