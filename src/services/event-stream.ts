import { errors } from '../errors.js';
import { isoTime } from '../model/names.js';
import type { ObjectEvent } from '../model/event.js';
import type { EventService } from './events.js';

/** Events read from the log per query while catching up. */
const PAGE = 500;
/**
 * How far before the live subscription began an event may have been recorded and still be published
 * to it (recorded, then committed and published a moment later): replayed events this recent are
 * remembered, so the live stream does not send them a second time. Older ones cannot be in it.
 */
const OVERLAP_MS = 10_000;

const EVENT_ID = /^evt_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Where a resumed stream starts: after an event the client has, or at a time. */
export interface ResumeFrom {
  after?: string;
  since?: string;
}

/**
 * A tenant's events from a point on, with no gap and no duplicate: `live` must already be subscribed
 * (so nothing recorded from now on is missed); the log is read from the point on, page by page, and
 * then the live events follow, less those the log already gave. `eventOf` and `wrap` convert between
 * the live stream's items and events. Ending the returned iterator ends `live`.
 */
export async function* resume<T>(
  events: Pick<EventService, 'list'>,
  tenantId: string,
  from: ResumeFrom,
  live: AsyncIterable<T>,
  eventOf: (item: T) => ObjectEvent,
  wrap: (e: ObjectEvent) => T,
): AsyncGenerator<T> {
  const began = Date.now() - OVERLAP_MS;
  const it = live[Symbol.asyncIterator]();
  try {
    const replayed = new Set<string>();
    let cursor = from.after;
    for (;;) {
      const page = await events.list(tenantId, { cursor, since: from.since, limit: PAGE });
      for (const e of page.events) {
        if (Date.parse(e.timestamp) >= began) replayed.add(e.id);
        yield wrap(e);
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      const e = eventOf(r.value);
      if (from.after !== undefined && e.id <= from.after) continue;
      if (replayed.delete(e.id)) continue;
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

/** Checks where a resumed stream starts; throws a validation error naming what is wrong. */
export function checkResumeFrom(from: ResumeFrom): ResumeFrom {
  if (from.after !== undefined && from.since !== undefined) throw new errors.Validation('give after (an event id) or since (a time), not both');
  if (from.after !== undefined && !EVENT_ID.test(from.after)) throw new errors.Validation(`after must be an event id (evt_ and 26 characters), got '${from.after.slice(0, 64)}'`);
  if (from.since !== undefined) isoTime(from.since, 'since');
  return from;
}
