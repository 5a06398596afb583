import { type TObject, type TProperties, Type, type TSchema } from '@sinclair/typebox';

/** The one error body every route answers with (registered once, referenced as ErrorResponse#). */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer({ examples: [404] }),
    code: Type.String({ description: 'Stable error code; the list is in the components of this document', examples: ['S3GATE_BUCKET_NOT_FOUND'] }),
    error: Type.String({ description: 'HTTP reason phrase', examples: ['Not Found'] }),
    message: Type.String({ description: 'What went wrong and what to do about it' }),
    upstream: Type.Optional(
      Type.Object(
        {
          code: Type.String({ description: "S3's (or STS's) error code, or the network error" }),
          message: Type.String(),
          status: Type.Union([Type.Integer(), Type.Null()]),
        },
        { additionalProperties: false, description: "What the tenant's S3 endpoint answered (S3GATE_TENANT_VERIFICATION_FAILED)" },
      ),
    ),
  },
  { $id: 'ErrorResponse', additionalProperties: false },
);

/** Response map of a route: its 2xx schemas plus the shared error schema for 4xx and 5xx. */
export function responses<R extends Record<number, TSchema>>(ok: R) {
  return {
    ...ok,
    '4xx': Type.Ref(ErrorResponse, { description: 'The request was refused; `code` says why and `message` what to fix' }),
    '5xx': Type.Ref(ErrorResponse, { description: "The gateway or the tenant's S3 endpoint failed; `code` says which" }),
  };
}

export const Empty = Type.Null({ description: 'No body' });

/** A response described for OpenAPI only (streams, headers): never used to serialize. */
export const described = (schema: Record<string, unknown>) => Type.Unsafe<unknown>(schema);

/**
 * A schema's object with more properties, as one closed object. (allOf of a closed object and the
 * extra properties validates nothing: the first part refuses every extra property. Strict validators
 * and the fuzzing harness found createTenant, createWebhook and getDelivery answers "invalid" so.)
 */
export function extend<T extends TProperties, U extends TProperties>(base: TObject<T>, extra: U, description?: string) {
  return Type.Object({ ...base.properties, ...extra }, { additionalProperties: false, ...(description && { description }) });
}
