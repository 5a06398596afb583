import { Webhook as Verifier } from 'standardwebhooks';
import t from 'tap';
import { createTenant, listen, testApp } from '../helpers/app.js';
import { gqlClient } from '../helpers/graphql.js';
import { receiver } from '../helpers/receiver.js';
import { until } from '../helpers/stall.js';

/** Webhook subscriptions and the event log, managed through GraphQL, delivering to a real receiver. */
t.test('webhooks and events over GraphQL', async (t) => {
  const app = await testApp(t, { env: { S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true', S3GATE_WEBHOOK_RETRY_SCHEDULE: '0.05,0.05', S3GATE_WEBHOOK_POLL_MS: '20' } });
  const key = await createTenant(app, { id: 'gqhooks', driver: 'disk' });
  const gql = gqlClient(await listen(app), key);
  const rx = await receiver(t);
  await gql(`mutation { createBucket(name: "hook-bkt") { created } }`);

  const created = await gql(
    `mutation($url: String!) { createWebhook(input: { url: $url, events: ["s3:ObjectCreated:*"], filter: { prefix: "in/" }, description: "gq" }) { secret webhook { id url events filter { bucket prefix suffix } enabled description } } }`,
    { url: rx.url },
  );
  const { secret, webhook } = created.data!.createWebhook;
  t.match(secret, /^whsec_/);
  t.same(webhook.filter, { bucket: null, prefix: 'in/', suffix: null });
  t.same({ ...webhook, id: undefined, filter: undefined }, { id: undefined, filter: undefined, url: rx.url, events: ['s3:ObjectCreated:*'], enabled: true, description: 'gq' });

  t.test('a write through GraphQL is delivered, signed, and shows in the delivery log', async (t) => {
    await gql(`mutation { putObject(bucket: "hook-bkt", key: "in/a.txt", content: "a") { key } putObject2: putObject(bucket: "hook-bkt", key: "out/b.txt", content: "b") { key } }`);
    await until(() => rx.received.length === 1, 10_000, 'the delivery');
    const got = rx.received[0];
    const payload = new Verifier(secret).verify(got.body, got.headers as Record<string, string>) as { type: string; data: { key: string } };
    t.match(payload, { type: 's3:ObjectCreated:Put', data: { key: 'in/a.txt' } }, 'the signature verifies with the secret from createWebhook');
    await until(
      async () => (await gql(`query($id: ID!) { webhook(id: $id) { deliveries { edges { node { status } } } } }`, { id: webhook.id })).data!.webhook.deliveries.edges[0]?.node.status === 'delivered',
    );
    const log = await gql(
      `query($id: ID!) { webhook(id: $id) { deliveries(status: delivered) { edges { cursor node { id eventId type status attempts lastStatus } } pageInfo { hasNextPage endCursor } } } }`,
      { id: webhook.id },
    );
    const conn = log.data!.webhook.deliveries;
    t.equal(conn.edges.length, 1);
    t.match(conn.edges[0].node, { eventId: got.headers['webhook-id'], type: 's3:ObjectCreated:Put', status: 'delivered', attempts: 1, lastStatus: 200 });
    t.same(conn.pageInfo, { hasNextPage: false, endCursor: conn.edges[0].cursor });

    const retried = await gql(`mutation($w: ID!, $d: ID!) { retryDelivery(webhookId: $w, deliveryId: $d) { id status } }`, { w: webhook.id, d: conn.edges[0].node.id });
    t.same(retried.data, { retryDelivery: { id: conn.edges[0].node.id, status: 'pending' } });
    await until(() => rx.received.length === 2, 10_000, 'the retried delivery');
    t.equal(rx.received[1].headers['webhook-id'], got.headers['webhook-id'], 'the same event id again');
  });

  t.test('events(...) pages the log with cursors', async (t) => {
    const first = await gql(`{ events(bucket: "hook-bkt", first: 1) { edges { cursor node { id type data { key source } } } pageInfo { hasNextPage endCursor } } }`);
    const page1 = first.data!.events;
    t.same(
      page1.edges.map((e: { node: { data: { key: string } } }) => e.node.data.key),
      ['in/a.txt'],
    );
    t.equal(page1.pageInfo.hasNextPage, true);
    const second = await gql(`query($after: String) { events(bucket: "hook-bkt", first: 5, after: $after) { edges { node { data { key } } } pageInfo { hasNextPage } } }`, {
      after: page1.pageInfo.endCursor,
    });
    t.same(second.data!.events, { edges: [{ node: { data: { key: 'out/b.txt' } } }], pageInfo: { hasNextPage: false } });
    const byPrefix = await gql(`{ events(prefix: "out/") { edges { node { data { key } } } } }`);
    t.equal(byPrefix.data!.events.edges.length, 1);
  });

  t.test('update, test, rotate, replay and delete', async (t) => {
    const updated = await gql(`mutation($id: ID!) { updateWebhook(id: $id, input: { filter: {}, description: "all" }) { description filter { prefix } } }`, { id: webhook.id });
    t.same(updated.data, { updateWebhook: { description: 'all', filter: { prefix: null } } });
    const empty = await gql(`mutation($id: ID!) { updateWebhook(id: $id, input: {}) { id } }`, { id: webhook.id });
    t.equal(empty.errors![0].extensions.code, 'S3GATE_VALIDATION');
    const badUrl = await gql(`mutation { createWebhook(input: { url: "ftp://x", events: ["*"] }) { secret } }`);
    t.equal(badUrl.errors![0].extensions.code, 'S3GATE_INVALID_WEBHOOK_URL');

    const test = await gql(`mutation($id: ID!) { testWebhook(id: $id) { ok status eventId } }`, { id: webhook.id });
    t.match(test.data!.testWebhook, { ok: true, status: 200, eventId: /^evt_/ });

    const rotated = await gql(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret webhook { id } } }`, { id: webhook.id });
    const newSecret = rotated.data!.rotateWebhookSecret.secret;
    t.not(newSecret, secret);

    const before = rx.received.length;
    const replay = await gql(`mutation($id: ID!, $since: DateTime!) { replayWebhook(id: $id, since: $since) }`, { id: webhook.id, since: new Date(Date.now() - 60_000).toISOString() });
    t.equal(replay.data!.replayWebhook, 2, 'both logged events match the widened filter');
    await until(() => rx.received.length === before + 2, 10_000, 'the replayed deliveries');
    const last = rx.received[rx.received.length - 1];
    t.ok(new Verifier(newSecret).verify(last.body, last.headers as Record<string, string>), 'signed with the new secret');

    t.same((await gql(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: webhook.id })).data, { deleteWebhook: true });
    t.same((await gql(`query($id: ID!) { webhook(id: $id) { id } }`, { id: webhook.id })).data, { webhook: null });
    t.same((await gql(`{ webhooks { id } }`)).data, { webhooks: [] });
    const gone = await gql(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: webhook.id });
    t.equal(gone.errors![0].extensions.code, 'S3GATE_WEBHOOK_NOT_FOUND');
  });
});
