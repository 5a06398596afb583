import t from 'tap';
import { ObjectInfoLoader } from '../../src/routes/graphql/object-info.js';
import type { RequestContext } from '../../src/model/context.js';
import type { ObjectService } from '../../src/services/objects.js';

/**
 * The loader's own bookkeeping (concurrency, one lookup per object, the cap), with a stand-in for the
 * object service; the S3 side is tested through RGW in api.test.ts.
 */
t.test('at most `concurrency` lookups at once, each object once, and no more than `max`', async (t) => {
  let active = 0;
  let peak = 0;
  const calls: string[] = [];
  const objects = {
    head: async (_ctx: unknown, bucket: string, key: string) => {
      calls.push(key);
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      if (key === 'gone') throw Object.assign(new Error('not found'), { code: 'S3GATE_OBJECT_NOT_FOUND' });
      return { status: 200, info: { key, size: 1, etag: 'e', lastModified: new Date(0), contentType: 'text/plain', metadata: { bucket } } };
    },
  } as unknown as ObjectService;
  const loader = new ObjectInfoLoader(objects, {} as RequestContext, { concurrency: 3, max: 20 });
  const nodes = Array.from({ length: 20 }, (_, i) => ({ bucket: 'b', key: `k${i % 10}` }));
  const out = await loader.many([...nodes, { bucket: 'b', key: 'gone' }]);
  t.equal(peak, 3, 'never more than 3 in flight');
  t.equal(calls.length, 11, '10 distinct objects and the missing one, each asked once');
  t.match(out[0], { key: 'k0', contentType: 'text/plain' });
  t.match(out[20], { code: 'S3GATE_OBJECT_NOT_FOUND' }, "a failed lookup is that field's error");
  const full = new ObjectInfoLoader(objects, {} as RequestContext, { concurrency: 3, max: 2 });
  const capped = await full.many([
    { bucket: 'b', key: 'x' },
    { bucket: 'b', key: 'y' },
    { bucket: 'b', key: 'z' },
  ]);
  t.match(capped[2], { code: 'S3GATE_TOO_MANY_LOOKUPS' });
  const known = await full.info({ bucket: 'b', key: 'w', size: 1, etag: 'e', lastModified: new Date(0), contentType: 'a/b', metadata: {} });
  t.equal(known.contentType, 'a/b', 'a node that has every field needs no lookup');
});
