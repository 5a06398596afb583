import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import {
  buildSchema,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLOutputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import t from 'tap';
import { EventFilter, ObjectEvent } from '../../src/model/event.js';
import { Delivery, DeliveryStatus, Webhook } from '../../src/model/webhook.js';
import { DeleteManyResult, ObjectVersion, PresignResult, VersionList } from '../../src/schema/objects.js';
import { TestResult, WebhookCreate, WebhookPatch } from '../../src/schema/webhooks.js';

const schema = buildSchema(readFileSync(new URL('../../src/schema/schema.graphql', import.meta.url), 'utf8'));

/**
 * The GraphQL types that have a TypeBox twin (the source the REST shapes, the TypeScript types and
 * openapi.yaml come from), and the fields only GraphQL has (connections resolved per field).
 */
const TWINS: { graphql: string; typebox: TSchema; graphqlOnly?: string[] }[] = [
  { graphql: 'ObjectEvent', typebox: ObjectEvent },
  { graphql: 'Webhook', typebox: Webhook, graphqlOnly: ['deliveries'] },
  { graphql: 'WebhookFilter', typebox: EventFilter },
  { graphql: 'WebhookFilterInput', typebox: EventFilter },
  { graphql: 'CreateWebhookInput', typebox: WebhookCreate },
  { graphql: 'UpdateWebhookInput', typebox: WebhookPatch },
  { graphql: 'Delivery', typebox: Delivery },
  { graphql: 'DeliveryStatus', typebox: DeliveryStatus },
  { graphql: 'WebhookTestResult', typebox: TestResult },
  { graphql: 'DeleteObjectsResult', typebox: DeleteManyResult },
  { graphql: 'PresignedRequest', typebox: PresignResult },
  { graphql: 'ObjectVersion', typebox: ObjectVersion },
  { graphql: 'ObjectVersionPage', typebox: VersionList },
];

const literals = (s: TSchema): string[] | undefined =>
  Array.isArray(s.anyOf) && s.anyOf.every((x: TSchema) => typeof x.const === 'string') ? s.anyOf.map((x: TSchema) => x.const as string) : undefined;

/** Which TypeBox schemas each GraphQL scalar stands for. */
const SCALARS: Record<string, (s: TSchema) => boolean> = {
  String: (s) => s.type === 'string' || Boolean(literals(s)),
  ID: (s) => s.type === 'string',
  DateTime: (s) => s.type === 'string' && s.format === 'date-time',
  Int: (s) => s.type === 'integer',
  Long: (s) => s.type === 'integer',
  Boolean: (s) => s.type === 'boolean',
  StringMap: (s) => s.type === 'object' && s.patternProperties !== undefined,
};

/** A TypeBox schema without its null branch, and whether it had one. */
function withoutNull(s: TSchema): { schema: TSchema; nullable: boolean } {
  if (!Array.isArray(s.anyOf) || !s.anyOf.some((x: TSchema) => x.type === 'null')) return { schema: s, nullable: false };
  const rest = s.anyOf.filter((x: TSchema) => x.type !== 'null');
  return { schema: rest.length === 1 ? rest[0] : { ...s, anyOf: rest }, nullable: true };
}

/** Whether a GraphQL type (non-null already taken off) and a TypeBox schema describe the same values; the differences, by path. */
function compare(gql: GraphQLOutputType | GraphQLInputType, tb: TSchema, path: string, problems: string[]): void {
  if (isNonNullType(gql)) throw new Error('compare takes the nullable type');
  if (isListType(gql)) {
    if (tb.type !== 'array') return void problems.push(`${path}: a list in GraphQL, ${tb.type ?? 'a union'} in TypeBox`);
    const item = gql.ofType as GraphQLOutputType;
    if (!isNonNullType(item)) problems.push(`${path}[]: items are nullable in GraphQL, never null in TypeBox`);
    compare(isNonNullType(item) ? item.ofType : item, tb.items as TSchema, `${path}[]`, problems);
    return;
  }
  if (isEnumType(gql)) {
    const values = literals(tb);
    const expected = gql.getValues().map((v) => v.value as string);
    if (!values || values.slice().sort().join() !== expected.slice().sort().join()) problems.push(`${path}: enum ${gql.name} is ${expected.join('|')}, TypeBox ${values?.join('|') ?? tb.type}`);
    return;
  }
  if (isScalarType(gql)) {
    if (!SCALARS[gql.name]?.(tb)) problems.push(`${path}: ${gql.name} in GraphQL, ${JSON.stringify({ type: tb.type, format: tb.format })} in TypeBox`);
    return;
  }
  if (isObjectType(gql) || isInputObjectType(gql)) {
    compareFields(gql.getFields(), tb, path, problems, []);
    return;
  }
  problems.push(`${path}: ${String(gql)} has no TypeBox counterpart this test knows`);
}

function compareFields(fields: Record<string, GraphQLField<unknown, unknown> | GraphQLInputField>, tb: TSchema, path: string, problems: string[], graphqlOnly: string[]): void {
  if (tb.type !== 'object' || !tb.properties) return void problems.push(`${path}: an object in GraphQL, ${tb.type} in TypeBox`);
  const properties = tb.properties as Record<string, TSchema>;
  const required = new Set<string>((tb.required as string[] | undefined) ?? []);
  const names = Object.keys(fields).filter((n) => !graphqlOnly.includes(n));
  for (const n of names) if (!(n in properties)) problems.push(`${path}.${n}: in GraphQL, not in TypeBox`);
  for (const n of Object.keys(properties)) if (!names.includes(n)) problems.push(`${path}.${n}: in TypeBox, not in GraphQL`);
  for (const n of names.filter((x) => x in properties)) {
    const type = fields[n].type;
    const { schema: inner, nullable } = withoutNull(properties[n]);
    const mayBeAbsent = nullable || !required.has(n);
    if (isNonNullType(type) === mayBeAbsent) {
      problems.push(`${path}.${n}: ${isNonNullType(type) ? 'non-null' : 'nullable'} in GraphQL, ${mayBeAbsent ? 'optional or nullable' : 'required'} in TypeBox`);
    }
    compare(isNonNullType(type) ? type.ofType : type, inner, `${path}.${n}`, problems);
  }
}

t.test('each GraphQL type with a TypeBox twin matches it field by field: names, nullability, scalar kinds, enums', async (t) => {
  for (const twin of TWINS) {
    const type = schema.getType(twin.graphql);
    if (!type) {
      t.fail(`${twin.graphql} is in the SDL`);
      continue;
    }
    const problems: string[] = [];
    if (isObjectType(type) || isInputObjectType(type)) compareFields(type.getFields(), twin.typebox, twin.graphql, problems, twin.graphqlOnly ?? []);
    else compare(type, twin.typebox, twin.graphql, problems);
    t.same(problems, [], `${twin.graphql} and its TypeBox twin agree`);
  }
});

t.test('the checker itself fails on a difference of name, nullability, kind or enum value', async (t) => {
  const { Type } = await import('@sinclair/typebox');
  const probe = buildSchema('type P { a: String!, b: Int, e: E! } enum E { x y }');
  const fields = (probe.getType('P') as import('graphql').GraphQLObjectType).getFields();
  const run = (tb: TSchema) => {
    const problems: string[] = [];
    compareFields(fields, tb, 'P', problems, []);
    return problems;
  };
  const E = Type.Union([Type.Literal('x'), Type.Literal('y')]);
  t.same(run(Type.Object({ a: Type.String(), b: Type.Optional(Type.Integer()), e: E })), [], 'a twin passes');
  t.match(run(Type.Object({ a: Type.String(), c: Type.Optional(Type.Integer()), e: E })), [/P\.b: in GraphQL, not in TypeBox/, /P\.c: in TypeBox, not in GraphQL/]);
  t.match(run(Type.Object({ a: Type.Optional(Type.String()), b: Type.Optional(Type.Integer()), e: E })), [/P\.a: non-null in GraphQL/]);
  t.match(run(Type.Object({ a: Type.String(), b: Type.Optional(Type.String()), e: E })), [/P\.b: Int in GraphQL/]);
  t.match(run(Type.Object({ a: Type.String(), b: Type.Optional(Type.Integer()), e: Type.Union([Type.Literal('x'), Type.Literal('z')]) })), [/P\.e: enum E is x\|y/]);
  t.ok(getNamedType(fields.a.type), 'the probe schema is read');
});
