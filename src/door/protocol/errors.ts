/**
 * An error as S3 itself answers it: its `<Code>`, HTTP status and message, and any extra elements S3
 * puts beside them (`<Region>`, `<ArgumentName>`). The door's own refusals (authentication, protocol)
 * are these; the services' errors are translated by s3ErrorOf.
 */
export class S3Error extends Error {
  constructor(
    readonly s3Code: string,
    message: string,
    readonly status: number,
    readonly fields: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Shorthands for the refusals S3 answers most. */
export const s3 = {
  accessDenied: (message = 'Access Denied') => new S3Error('AccessDenied', message, 403),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Error('InvalidArgument', message, 400, { ...(name !== undefined && { ArgumentName: name }), ...(value !== undefined && { ArgumentValue: value }) }),
  invalidRequest: (message: string) => new S3Error('InvalidRequest', message, 400),
  notImplemented: (what: string) => new S3Error('NotImplemented', `${what} is not implemented by s3gate; see its README for the operations it serves`, 501),
  malformedXml: () => new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400),
  signatureMismatch: () => new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', 403),
};
