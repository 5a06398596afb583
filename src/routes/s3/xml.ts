import { XMLParser } from 'fast-xml-parser';
import { s3 } from './errors.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** An element tree to serialise: a value is text, an array repeats the element, undefined is left out. */
export type XmlNode = string | number | boolean | Date | undefined | null | XmlTree | XmlNode[];
export interface XmlTree {
  [name: string]: XmlNode;
}

/**
 * Text content with the five XML specials escaped. Control characters XML 1.0 cannot carry at all,
 * not even as character references (`&#0;` breaks every client's parser), are written percent-encoded
 * (`%00`): they can only come from a client's own request (an error's Resource, an echoed prefix).
 */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']|[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
    }
  });
}

function text(value: string | number | boolean | Date): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

function element(name: string, value: XmlNode, out: string[]) {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) element(name, v, out);
    return;
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    out.push(`<${name}>`);
    for (const [child, v] of Object.entries(value)) element(child, v, out);
    out.push(`</${name}>`);
    return;
  }
  out.push(`<${name}>${text(value)}</${name}>`);
}

/** An S3 XML document: the declaration, then root in S3's namespace (or none, for error documents). */
export function xmlDocument(root: string, content: XmlTree | string, namespaced = true): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>\n', namespaced ? `<${root} xmlns="${S3_NS}">` : `<${root}>`];
  if (typeof content === 'string') out.push(escapeXml(content));
  else for (const [name, v] of Object.entries(content)) element(name, v, out);
  out.push(`</${root}>`);
  return out.join('');
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  // Repeated elements are arrays whatever their count.
  isArray: (name) => name === 'Object' || name === 'Part',
});

/** Parses a request body S3 takes as XML (DeleteObjects, CompleteMultipartUpload); MalformedXML otherwise. */
export function parseXml(body: string, root: string): Record<string, unknown> {
  // No DTDs: an entity definition is how an XML body expands to gigabytes (or reads files).
  if (/<!(DOCTYPE|ENTITY)/i.test(body)) throw s3.malformedXml();
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(body, true) as Record<string, unknown>;
  } catch {
    throw s3.malformedXml();
  }
  const top = doc[root];
  if (top === undefined || top === null) throw s3.malformedXml();
  return typeof top === 'object' ? (top as Record<string, unknown>) : {};
}
