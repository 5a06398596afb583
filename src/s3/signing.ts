/**
 * The AWS SDK's signing and checksum primitives, for the S3 door's protocol (src/door/protocol): the
 * door verifies SigV4 with the same arithmetic the SDK signs with, and only src/s3 imports the SDK.
 */
export { SignatureV4, getCanonicalHeaders } from '@smithy/signature-v4';
export type { HeaderBag, HttpRequest, QueryParameterBag } from '@smithy/types';
export { Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
export { Sha256 } from './sha256.js';
