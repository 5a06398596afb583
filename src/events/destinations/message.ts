import type { ObjectEvent } from '../../model/event.js';
import type { EventFormat } from '../../model/destination.js';
import { signatureHeader } from '../signer.js';

/** What every destination sends of an event: a body, its type, and headers that name and sign it. */
export interface Message {
  id: string;
  body: string;
  contentType: string;
  /** webhook-id, webhook-timestamp, webhook-signature (Standard Webhooks' scheme on every transport), and ce-* in binary mode. */
  headers: Record<string, string>;
}

/**
 * The CloudEvents attributes of an event, named as the CloudEvents adapter for S3 events names them:
 * type `com.amazonaws.s3.` + the event name (so consumers of S3-style events recognise it), source the
 * event source, scope and bucket (`s3gate:s3.<tenant>.<bucket>`: the tenant stands where S3 puts its
 * region), subject the key, id the event's own id.
 */
export function cloudEventAttributes(e: ObjectEvent): { specversion: '1.0'; id: string; source: string; type: string; subject: string; time: string } {
  return {
    specversion: '1.0',
    id: e.id,
    source: `s3gate:s3.${e.data.tenant}.${e.data.bucket}`,
    type: `com.amazonaws.s3.${e.type.replace(/^s3:/, '')}`,
    subject: e.data.key,
    time: e.timestamp,
  };
}

/**
 * An event as a destination sends it. `binary` (webhooks) puts CloudEvents attributes in ce-* headers
 * with the event as the body; otherwise a CloudEvent is one structured JSON document. The signature
 * covers the body as sent, with the subscription's secrets.
 */
export function messageOf(e: ObjectEvent, format: EventFormat, secrets: string[], opts: { binary: boolean; now?: Date }): Message {
  const now = opts.now ?? new Date();
  const headers: Record<string, string> = {};
  let body: string;
  let contentType = 'application/json';
  if (format === 'cloudevents') {
    const ce = cloudEventAttributes(e);
    if (opts.binary) {
      body = JSON.stringify(e);
      // HTTP binding: header values percent-encode what is not printable ASCII (a key may hold anything).
      for (const [name, value] of Object.entries(ce)) headers[`ce-${name}`] = encodeHeader(value);
    } else {
      body = JSON.stringify({ ...ce, datacontenttype: 'application/json', data: e });
      contentType = 'application/cloudevents+json';
    }
  } else body = JSON.stringify(e);
  headers['webhook-id'] = e.id;
  headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000));
  headers['webhook-signature'] = signatureHeader(secrets, e.id, now, body);
  return { id: e.id, body, contentType, headers };
}

function encodeHeader(value: string): string {
  return value.replace(/[^\x21-\x7e]|%|"/gu, (c) => encodeURIComponent(c).replace(/'/g, '%27'));
}
