/**
 * Whether a string can be sent as an HTTP header value as it is: tab, space, visible ASCII and the
 * obs-text bytes 0x80-0xFF (Node's own rule). CR, LF, NUL and any character above U+00FF (U+2028)
 * cannot: Node refuses to send them (ERR_INVALID_CHAR).
 */
export function isHeaderValue(value: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const ESSENCE = new RegExp(`^${TOKEN}/${TOKEN}$`);

/**
 * A Content-Type's essence (type/subtype, lower case), or undefined when it does not name one clear
 * media type. A comma makes it a list, of which a browser may take another type than the first
 * (`image/png; charset=x, text/html` is rendered as HTML): that is never one clear type.
 */
export function mediaEssence(value: string): string | undefined {
  if (value.includes(',')) return undefined;
  const essence = value.split(';', 1)[0].trim().toLowerCase();
  return ESSENCE.test(essence) ? essence : undefined;
}
