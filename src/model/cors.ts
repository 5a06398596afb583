import { errors } from '../errors.js';

/** One rule of a bucket's CORS configuration, as S3 has it. */
export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);
/** S3's bound on a configuration: 100 rules. */
export const MAX_CORS_RULES = 100;

/** Refuses a configuration S3 refuses: no rule, too many, an unknown method, more than one `*` in an origin or header. */
export function validateCors(rules: CorsRule[]): void {
  if (rules.length === 0 || rules.length > MAX_CORS_RULES) throw new errors.Validation(`a CORS configuration has 1 to ${MAX_CORS_RULES} rules; got ${rules.length}`);
  for (const r of rules) {
    if (r.allowedOrigins.length === 0 || r.allowedMethods.length === 0) throw new errors.Validation('every CORS rule needs at least one AllowedOrigin and one AllowedMethod');
    for (const m of r.allowedMethods) if (!METHODS.has(m)) throw new errors.Validation(`Found unsupported HTTP method in CORS config. Unsupported method is ${m.slice(0, 20)}`);
    for (const p of [...r.allowedOrigins, ...r.allowedHeaders]) if ((p.match(/\*/g) ?? []).length > 1) throw new errors.Validation(`'${p.slice(0, 100)}' has more than one wildcard`);
    if (r.maxAgeSeconds !== undefined && (!Number.isSafeInteger(r.maxAgeSeconds) || r.maxAgeSeconds < 0)) throw new errors.Validation('MaxAgeSeconds is a whole number of seconds');
  }
}

/** A pattern with at most one `*`, matched case-sensitively (origins) or not (headers). */
function wildcard(pattern: string, value: string, caseless: boolean): boolean {
  const [p, v] = caseless ? [pattern.toLowerCase(), value.toLowerCase()] : [pattern, value];
  const star = p.indexOf('*');
  if (star < 0) return p === v;
  return v.length >= p.length - 1 && v.startsWith(p.slice(0, star)) && v.endsWith(p.slice(star + 1));
}

/** The first rule that lets this origin use this method with these request headers, as S3 picks it. */
export function matchCors(rules: CorsRule[], origin: string, method: string, requestHeaders: string[] = []): CorsRule | undefined {
  return rules.find(
    (r) => r.allowedOrigins.some((o) => wildcard(o, origin, false)) && r.allowedMethods.includes(method) && requestHeaders.every((h) => r.allowedHeaders.some((a) => wildcard(a, h, true))),
  );
}

/** The answer's Access-Control-* headers for a matched rule (a preflight also names what it allows). */
export function corsHeaders(rule: CorsRule, origin: string, preflight?: { method: string; headers: string[] }): Record<string, string> {
  const any = rule.allowedOrigins.includes('*');
  const out: Record<string, string> = {
    'access-control-allow-origin': any ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!any) out['access-control-allow-credentials'] = 'true';
  if (preflight && preflight.headers.length > 0) out['access-control-allow-headers'] = preflight.headers.join(', ');
  if (rule.exposeHeaders.length > 0) out['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) out['access-control-max-age'] = String(rule.maxAgeSeconds);
  return out;
}
