import type { EventType, ObjectEvent } from '../model/event.js';
import { newId } from '../lib/ids.js';
import type { DeliveryRow, EventRow } from './schema.js';

/** An event as the API answers it, from its row. */
export function toEvent(row: EventRow): ObjectEvent {
  return {
    id: row.id,
    type: row.type as EventType,
    timestamp: row.created_at,
    data: {
      tenant: row.tenant_id,
      bucket: row.bucket,
      key: row.key,
      // PostgreSQL's bigint arrives as a string.
      size: row.size === null ? null : Number(row.size),
      etag: row.etag,
      versionId: row.version_id,
      sequencer: row.sequencer,
      source: row.source,
    },
  };
}

/** A delivery of an event to a subscription, due at once. */
export function pendingDelivery(webhookId: string, tenantId: string, eventId: string, now: string): DeliveryRow {
  return {
    id: newId('dlv'),
    webhook_id: webhookId,
    tenant_id: tenantId,
    event_id: eventId,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    last_status: null,
    last_error: null,
    locked_until: null,
    locked_by: null,
    created_at: now,
    updated_at: now,
  };
}
