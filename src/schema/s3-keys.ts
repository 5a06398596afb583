import { Type } from '@sinclair/typebox';

export const S3KeyCreated = Type.Object(
  {
    accessKeyId: Type.String({ description: 'S3G…, 20 characters: the access key id S3 clients send' }),
    secretAccessKey: Type.String({ description: 'Shown only in this response; sealed at rest' }),
  },
  { additionalProperties: false },
);

export const S3KeyList = Type.Object(
  {
    s3Keys: Type.Array(
      Type.Object(
        {
          accessKeyId: Type.String(),
          createdAt: Type.String({ format: 'date-time' }),
          revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const S3KeyParams = Type.Object({ accessKeyId: Type.String() });
