// The token bucket's arithmetic and the rate-limiting Transform, on a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TokenBucket, computePieces, createRateLimitTransform } from '../../../src/zfs/ratelimit.js';

function fakeClock() {
  const c = { t: 0, sleeps: [] as number[] };
  return {
    c,
    now: () => c.t,
    sleep: async (ms: number) => { c.sleeps.push(ms); c.t += ms; },
  };
}

test('TokenBucket: starts full, goes into debt, refills at the rate up to the capacity', () => {
  const { c, now } = fakeClock();
  const b = new TokenBucket({ maxBytesPerSecond: 50, bucketCapacityBytes: 100 }, now);
  assert.equal(b.take(60), 0);
  assert.equal(b.available(), 40);
  assert.equal(b.take(60), 400); // 20 bytes of debt at 50 B/s
  c.t += 400;
  assert.equal(b.available(), 0);
  c.t += 1000;
  assert.equal(b.available(), 50);
  c.t += 10_000;
  assert.equal(b.available(), 100);
  assert.equal(b.take(100), 0);
  assert.equal(b.take(100), 2000);
});

test('TokenBucket rejects a zero rate or capacity', () => {
  assert.throws(() => new TokenBucket({ maxBytesPerSecond: 0, bucketCapacityBytes: 1 }, () => 0), RangeError);
  assert.throws(() => new TokenBucket({ maxBytesPerSecond: 1, bucketCapacityBytes: 0 }, () => 0), RangeError);
});

test('computePieces splits a chunk into bucket-sized pieces', () => {
  const buf = Buffer.from('abcdefghij');
  assert.deepEqual(computePieces(buf, 4).map((b) => b.toString()), ['abcd', 'efgh', 'ij']);
  assert.deepEqual(computePieces(buf, 10).map((b) => b.toString()), ['abcdefghij']);
});

async function runThrough(chunks: Buffer[], limit: { maxBytesPerSecond: number; bucketCapacityBytes: number }) {
  const clock = fakeClock();
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks, { objectMode: false }),
    createRateLimitTransform(limit, { now: clock.now, sleep: clock.sleep }),
    new Writable({ write(chunk: Buffer, _e, cb) { out.push(chunk); cb(); } }),
  );
  return { out: Buffer.concat(out), sleeps: clock.c.sleeps, elapsed: clock.c.t };
}

test('the Transform passes every byte and waits exactly what the rate demands', async () => {
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
  const chunks = [data.subarray(0, 300), data.subarray(300, 600), data.subarray(600, 900), data.subarray(900)];
  const r = await runThrough(chunks, { maxBytesPerSecond: 100, bucketCapacityBytes: 200 });
  assert.deepEqual(r.out, data);
  // the first 200 bytes are the burst; the other 800 take 8 s at 100 B/s
  assert.equal(r.elapsed, 8000);
  assert.deepEqual(r.sleeps, [1000, 2000, 1000, 2000, 1000, 1000]);
});

test('a bucket larger than the data never waits', async () => {
  const r = await runThrough([Buffer.alloc(500), Buffer.alloc(500)], { maxBytesPerSecond: 1, bucketCapacityBytes: 1000 });
  assert.equal(r.out.length, 1000);
  assert.deepEqual(r.sleeps, []);
});
