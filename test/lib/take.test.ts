import { PassThrough, Readable } from 'node:stream';
import t from 'tap';
import { readUpTo, take } from '../../src/lib/take.js';

async function text(s: Readable): Promise<string> {
  let out = '';
  for await (const c of s) out += c;
  return out;
}

t.test('cuts a stream into byte-exact consecutive slices', async (t) => {
  const src = Readable.from([Buffer.from('abcdefg'), Buffer.from('hij'), Buffer.from('klmnopqrstu')], { objectMode: false });
  src.pause();
  t.equal(await text(take(src, 5)), 'abcde');
  t.equal(await text(take(src, 4)), 'fghi');
  t.equal(await text(take(src, 0)), '');
  t.equal(await text(take(src, 12)), 'jklmnopqrstu');
});

t.test('fails a slice when the source ends early', async (t) => {
  const src = Readable.from([Buffer.from('abc')], { objectMode: false });
  await t.rejects(text(take(src, 10)), /ended 7 bytes early/);
});

t.test('fails a slice when the source fails', async (t) => {
  const src = new PassThrough();
  const slice = take(src, 10);
  src.write('abc');
  setImmediate(() => src.destroy(new Error('client went away')));
  await t.rejects(text(slice), /client went away/);
});

t.test('keeps back-pressure: reads no more than the consumer asks for', async (t) => {
  const src = new PassThrough({ highWaterMark: 16 });
  const slice = take(src, 1024 * 1024);
  let written = 0;
  const chunk = Buffer.alloc(1024);
  while (src.write(chunk)) written += chunk.length;
  t.ok(written < 64 * 1024, `the source filled up after ${written} bytes without a consumer`);
  slice.destroy();
});

t.test('readUpTo holds at most max bytes and puts the rest back', async (t) => {
  const src = Readable.from([Buffer.from('abcdefg'), Buffer.from('hij')], { objectMode: false });
  src.pause();
  const a = await readUpTo(src, 4);
  t.same([a.buf.toString(), a.ended, a.error], ['abcd', false, undefined]);
  const b = await readUpTo(src, 100);
  t.same([b.buf.toString(), b.ended], ['efghij', true], 'the rest, and the end');
  const c = await readUpTo(src, 10);
  t.same([c.buf.length, c.ended], [0, true]);
});

t.test('readUpTo reports a failure with the bytes read before it', async (t) => {
  const src = new PassThrough();
  src.write('abc');
  setImmediate(() => src.destroy(new Error('client went away')));
  const got = await readUpTo(src, 10);
  t.equal(got.buf.toString(), 'abc');
  t.equal(got.ended, false);
  t.match(got.error?.message, /client went away/);
});
