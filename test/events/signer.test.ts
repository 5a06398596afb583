import { test } from 'tap';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signatureHeader } from '../../src/events/signer.js';

test('signatures are Standard Webhooks signatures: the reference library verifies each of them', async (t) => {
  const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
  const at = new Date(Math.floor(Date.now() / 1000) * 1000 + 400); // verify() accepts 5 minutes either side of now
  const body = JSON.stringify({ type: 's3:ObjectCreated:Put', data: { key: 'ünïcode/ключ' } });
  const header = signatureHeader([current, previous], 'evt_01', at, body);
  t.match(header, /^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
  const headers = { 'webhook-id': 'evt_01', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': header };
  for (const secret of [current, previous]) {
    const wh = new Webhook(secret);
    t.same(wh.verify(body, headers), JSON.parse(body), 'verifies with either secret');
    t.equal(header.split(' ')[[current, previous].indexOf(secret)], wh.sign('evt_01', at, body), 'the same bytes as the reference signer');
  }
  t.throws(() => new Webhook(newWebhookSecret()).verify(body, headers), 'another secret does not verify');
  t.throws(() => new Webhook(current).verify(body + ' ', headers), 'a changed body does not verify');
});
