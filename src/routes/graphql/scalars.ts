import { GraphQLError, Kind, type GraphQLScalarTypeConfig, type ValueNode } from 'graphql';

/** How a scalar of schema.graphql is read and written (its name and description stay the SDL's). */
type Scalar<T> = Required<Pick<GraphQLScalarTypeConfig<T, T>, 'serialize' | 'parseValue' | 'parseLiteral'>>;

const invalid = (message: string) => new GraphQLError(message, { extensions: { code: 'S3GATE_GRAPHQL_INVALID' } });

function toIso(value: unknown): string {
  const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (!d || Number.isNaN(d.getTime())) throw invalid(`DateTime must be an ISO 8601 date-time such as 2026-11-25T15:00:00Z; got ${JSON.stringify(value)}`);
  return d.toISOString();
}

export const DateTime: Scalar<string> = {
  serialize: toIso,
  parseValue: toIso,
  parseLiteral: (node) => toIso(node.kind === Kind.STRING ? node.value : undefined),
};

function toLong(value: unknown): number {
  // PostgreSQL's bigint arrives as a string.
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalid(`Long must be a whole number up to 2^53; got ${JSON.stringify(value)}`);
  return n;
}

export const Long: Scalar<number> = {
  serialize: toLong,
  parseValue: toLong,
  parseLiteral: (node) => toLong(node.kind === Kind.INT ? Number(node.value) : undefined),
};

function toStringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('StringMap must be a JSON object of strings, e.g. {"owner": "ana"}');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid(`StringMap values must be strings; '${k}' is ${JSON.stringify(v)}`);
  }
  return value as Record<string, string>;
}

function literalMap(node: ValueNode): Record<string, string> {
  if (node.kind !== Kind.OBJECT) throw invalid('StringMap must be an object of strings, e.g. {owner: "ana"}');
  const out: Record<string, string> = {};
  for (const field of node.fields) {
    if (field.value.kind !== Kind.STRING) throw invalid(`StringMap values must be strings; '${field.name.value}' is not`);
    out[field.name.value] = field.value.value;
  }
  return out;
}

export const StringMap: Scalar<Record<string, string>> = {
  serialize: toStringMap,
  parseValue: toStringMap,
  parseLiteral: (node) => {
    if (node.kind === Kind.VARIABLE) throw invalid('StringMap variables are parsed as values');
    return literalMap(node);
  },
};
