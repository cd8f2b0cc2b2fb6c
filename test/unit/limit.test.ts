// mapLimited: every item once, at most `limit` calls in flight, results in the items' order, and no call starts
// after one has failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapLimited } from '../../src/limit.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('at most limit calls at once, reaching it; the results in the order of the items', async () => {
  let inFlight = 0;
  let max = 0;
  const items = Array.from({ length: 25 }, (_, i) => i);
  const out = await mapLimited(items, 4, async (x, k) => {
    inFlight++;
    max = Math.max(max, inFlight);
    await tick((x * 7) % 5); // out of order completions
    inFlight--;
    return `${x}:${k}`;
  });
  assert.equal(max, 4);
  assert.deepEqual(out, items.map((x) => `${x}:${x}`));
  assert.deepEqual(await mapLimited([], 3, async () => 1), []);
  assert.deepEqual(await mapLimited([5], 8, async (x) => x * 2), [10]);
});

test('a failure rejects the whole with its error, and no call starts after it', async () => {
  const started: number[] = [];
  const p = mapLimited(Array.from({ length: 20 }, (_, i) => i), 2, async (x) => {
    started.push(x);
    await tick(1);
    if (x === 3) throw new Error('three failed');
    return x;
  });
  await assert.rejects(p, /three failed/);
  await tick(20);
  assert.ok(started.length <= 5, `started ${started.join(',')}`); // 0..3, and at most the one the other worker took
  await assert.rejects(mapLimited([1], 0, async (x) => x), RangeError);
});
