import type { FastifyInstance } from 'fastify';

/** Every event id in a tenant's log (GET /v1/events, page by page), oldest first. */
export async function eventIds(app: FastifyInstance, headers: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor: string | null = ''; cursor !== null; ) {
    const page = (await app.inject({ method: 'GET', url: `/v1/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, headers })).json() as { events: { id: string }[]; nextCursor: string | null };
    ids.push(...page.events.map((e) => e.id));
    cursor = page.nextCursor;
  }
  return ids;
}
