// A fast webhook receiver in its own process: answers 204 as soon as a delivery's body is in, and
// writes one line per delivery to stdout: the time of receipt (ms since the epoch, performance's
// clock) and the event's type and key. Its own process, so that its answers do not wait on the
// benchmark's event loop (which may be issuing a thousand writes a second).
import { createServer } from 'node:http';

// Its own name in /proc (bench/ab.ts reports CPU by command name).
process.title = 'bench-receiver';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    res.writeHead(204).end();
    const e = JSON.parse(Buffer.concat(chunks).toString());
    process.stdout.write(`${at.toFixed(3)} ${e.type} ${e.data.key}\n`);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
