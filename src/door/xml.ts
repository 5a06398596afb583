import { SaxesParser } from 'saxes';
import { S3Error } from './errors.js';

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

/** What one kind of request document may hold, checked as it is read. */
export interface XmlShape {
  /** The root element's name (any namespace prefix is ignored). */
  root: string;
  /** Most bytes of the body (the largest valid document, with room for escaping). */
  maxBytes: number;
  /** Most elements of any name and depth: the work a document can ask for. */
  maxElements: number;
  /** Elements that may repeat, always answered as arrays, and the most of each. */
  repeated: Record<string, number>;
}

/** Deepest nesting any S3 request document has (Delete > Object > Key is 3). */
const MAX_DEPTH = 8;
/** Parsing gives the event loop back after this many bytes, so no document holds it for long. */
const YIELD_BYTES = 64 * 1024;

interface Frame {
  name: string;
  children: Record<string, unknown> | undefined;
  text: string;
}

const malformed = (why: string) => new S3Error('MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema: ${why}`, 400);
const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/**
 * Reads and parses a request body S3 takes as XML (DeleteObjects, CompleteMultipartUpload,
 * CreateBucketConfiguration) as it streams: a conformant XML 1.0 parser (saxes), so character
 * references decode as XML defines them and one to a character XML forbids (`&#0;`) is MalformedXML,
 * as are DTDs (no entity can expand). The shape's bounds are checked element by element, and the loop
 * is given back every YIELD_BYTES: a body of a million empty elements is refused after its first
 * elements, not parsed for seconds. An element is its text when it has no child elements, else an
 * object of its children; a repeated element is an array. Undefined for a body of white space only.
 */
export async function parseXmlStream(body: AsyncIterable<Buffer> | Iterable<Buffer>, shape: XmlShape): Promise<Record<string, unknown> | undefined> {
  const parser = new SaxesParser({ xmlns: false, position: false });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: Frame[] = [];
  let root: Record<string, unknown> | undefined;
  let elements = 0;
  const counts = new Map<string, number>();
  parser.on('doctype', () => {
    throw malformed('a DTD (<!DOCTYPE>) is not taken');
  });
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (++elements > shape.maxElements) throw malformed(`more than ${shape.maxElements} elements`);
    if (stack.length === 0 && name !== shape.root) throw malformed(`the root element must be ${shape.root}`);
    if (stack.length >= MAX_DEPTH) throw malformed(`elements nested deeper than ${MAX_DEPTH}`);
    const parent = stack.at(-1);
    if (parent) parent.children ??= {};
    if (parent && stack.length === 1 && name in shape.repeated) {
      const n = (counts.get(name) ?? 0) + 1;
      if (n > shape.repeated[name]) throw malformed(`more than ${shape.repeated[name]} ${name} elements`);
      counts.set(name, n);
    }
    stack.push({ name, children: undefined, text: '' });
  });
  const text = (t: string) => {
    const top = stack.at(-1);
    if (top) top.text += t;
  };
  parser.on('text', text);
  parser.on('cdata', text);
  parser.on('closetag', () => {
    const frame = stack.pop()!;
    const value = frame.children ?? frame.text;
    const parent = stack.at(-1);
    if (!parent) {
      root = typeof value === 'object' ? value : {};
      return;
    }
    const siblings = parent.children!;
    if (frame.name in shape.repeated) {
      ((siblings[frame.name] ??= []) as unknown[]).push(value);
    } else {
      if (frame.name in siblings) throw malformed(`${frame.name} is given twice`);
      siblings[frame.name] = value;
    }
  });

  // A body of nothing but white space is no document (CreateBucket without a configuration).
  let blank = true;
  /** Feeds text to the parser; what it throws that is not ours is the document's fault. */
  const feed = (bytes?: Buffer) => {
    try {
      const text = bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
      if (blank && /^\s*$/.test(text)) return;
      blank = false;
      parser.write(text);
      if (!bytes) parser.close();
    } catch (err) {
      if (err instanceof S3Error) throw err;
      // saxes's well-formedness errors ("1:36: malformed character entity."), and bytes that are not UTF-8.
      throw malformed(
        err instanceof TypeError
          ? 'the body is not UTF-8'
          : String((err as Error).message)
              .replace(/^[^:]*:\d+:\d+: /, '')
              .slice(0, 200),
      );
    }
  };
  let size = 0;
  let sinceYield = 0;
  for await (const bytes of body) {
    size += bytes.length;
    if (size > shape.maxBytes) throw new S3Error('MaxMessageLengthExceeded', `Your request was too big: at most ${shape.maxBytes} bytes of XML are taken.`, 400);
    // A chunk may be large (a body injected whole): it is parsed a slice at a time too.
    for (let at = 0; at < bytes.length; at += YIELD_BYTES) {
      const slice = bytes.subarray(at, at + YIELD_BYTES);
      feed(slice);
      sinceYield += slice.length;
      if (sinceYield >= YIELD_BYTES) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  feed();
  if (blank) return undefined;
  if (!root) throw malformed(`there is no ${shape.root} element`);
  return root;
}
