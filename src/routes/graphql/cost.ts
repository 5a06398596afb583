import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** A field that costs a call to S3 or to the state store (on top of the 1 every field costs). */
const BACKEND_COST = 10;

/**
 * Fields that reach the backend; each one of their results may cost its children again. A listed
 * object's contentType and metadata are batched lookups with their own cap (maxLookups).
 */
const BACKEND_FIELDS = new Set([
  'Query.buckets',
  'Query.bucket',
  'Query.object',
  'Query.webhooks',
  'Query.webhook',
  'Query.events',
  'Bucket.objects',
  'Bucket.object',
  'Object.text',
  'Webhook.deliveries',
]);

/** Lists with no page size: how many items they are assumed to hold. */
const ASSUMED_LENGTH: Record<string, number> = { 'Query.buckets': 10, 'Query.webhooks': 10 };

/** Argument values that are worst cases, used when a value cannot be read. */
const WORST = { first: 1000, maxBytes: 1024 * 1024 };

export interface Cost {
  /** Estimated work: 1 per field, more per backend call, times the items of enclosing lists. */
  cost: number;
  /** Fields that carry an alias: each one runs its resolver again. */
  aliases: number;
}

/**
 * The estimated cost of one operation, computed before anything runs: every value (leaf) field counts
 * 1 (so aliases and fragments are counted as often as they run), a field that reaches the backend 10 more,
 * `text` one more per KiB it may return, and a list's children once per item: a connection's page
 * (`first`) for its edges, an assumed length for lists without pages. Introspection counts like any other field: 10,000 aliases of `__schema` cost 10,000s.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName?: string): Cost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION) operations.push(d);
  }
  const operation = operations.find((o) => (operationName ? o.name?.value === operationName : true)) ?? operations[0];
  const result: Cost = { cost: 0, aliases: 0 };
  if (!operation) return result;
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return result;

  /** `page`: the page size of the enclosing connection, which its list field (edges) repeats. */
  const walk = (type: GraphQLObjectType, set: SelectionSetNode, seen: ReadonlySet<string>, page: number | undefined): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) result.aliases++;
        const name = sel.name.value;
        // A value costs 1; an object is structure (edges, node, pageInfo) and costs what it holds.
        if (!sel.selectionSet || name.startsWith('__')) total += 1;
        if (name.startsWith('__')) {
          // Introspection: its own types (__Schema, __Type) are not in the type map's object types by name here.
          if (sel.selectionSet) total += walkIntrospection(sel.selectionSet, seen);
          continue;
        }
        const field = type.getFields()[name];
        if (!field) continue;
        const id = `${type.name}.${name}`;
        const args = argumentsOf(field, sel, variables);
        if (BACKEND_FIELDS.has(id) || type === schema.getMutationType()) total += BACKEND_COST;
        if (name === 'text') total += Math.ceil(Number(args.maxBytes ?? WORST.maxBytes) / 1024);
        const child = getNamedType(field.type);
        if (!sel.selectionSet || !isObjectType(child)) continue;
        // A connection (a field with `first`) passes its page size down to its list (edges).
        const paged = field.args.some((a) => a.name === 'first');
        const size = paged ? Math.min(WORST.first, Math.max(1, Number(args.first ?? WORST.first) || WORST.first)) : page;
        const isList = isListType(getNullableType(field.type));
        const items = isList ? (page ?? ASSUMED_LENGTH[id] ?? 1) : 1;
        total += items * walk(child, sel.selectionSet, seen, paged ? size : isList ? undefined : page);
      } else {
        const set2 = sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : fragments.get(sel.name.value)?.selectionSet;
        const condition = sel.kind === Kind.INLINE_FRAGMENT ? sel.typeCondition?.name.value : fragments.get(sel.name.value)?.typeCondition.name.value;
        const key = sel.kind === Kind.FRAGMENT_SPREAD ? sel.name.value : undefined;
        // A cycle is NoFragmentCycles's to report.
        if (!set2 || (key && seen.has(key))) continue;
        const target = condition ? schema.getType(condition) : type;
        const next = key ? new Set([...seen, key]) : seen;
        total += isObjectType(target) ? walk(target, set2, next, page) : walkIntrospection(set2, next);
      }
    }
    return total;
  };

  /** Introspection selections: every field 1, fragments expanded. */
  const walkIntrospection = (set: SelectionSetNode, seen: ReadonlySet<string>): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) result.aliases++;
        total += 1 + (sel.selectionSet ? walkIntrospection(sel.selectionSet, seen) : 0);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        total += walkIntrospection(sel.selectionSet, seen);
      } else if (!seen.has(sel.name.value)) {
        const f = fragments.get(sel.name.value);
        if (f) total += walkIntrospection(f.selectionSet, new Set([...seen, sel.name.value]));
      }
    }
    return total;
  };

  result.cost = walk(root, operation.selectionSet, new Set(), undefined);
  return result;
}

/** The field's argument values (literals, variables, defaults); worst cases where they cannot be read. */
function argumentsOf(field: GraphQLField<unknown, unknown>, node: Parameters<typeof getArgumentValues>[1], variables: Record<string, unknown> | undefined): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, variables ?? {});
  } catch {
    return {};
  }
}
