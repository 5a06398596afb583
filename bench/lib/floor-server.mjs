// The memory floor: the packages the gateway is required to build on (Fastify, mercurius with a
// schema, the AWS SDK's S3 client, better-sqlite3 with a table, undici), loaded by one Node process that
// serves a 1 KiB object from S3 through the SDK: no routes, services, events or pools of the gateway's.
// argv: port endpoint accessKeyId secretAccessKey bucket key
import Fastify from 'fastify';
import mercurius from 'mercurius';
import Database from 'better-sqlite3';
import 'undici';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

const [port, endpoint, accessKeyId, secretAccessKey, bucket, key] = process.argv.slice(2);
const db = new Database(':memory:');
db.exec('create table t (id text primary key)');
const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
const app = Fastify();
app.register(mercurius, { schema: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } });
app.get('/object', async (_req, reply) => {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return reply.type('application/octet-stream').send(out.Body);
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('up\n');
