// ChannelSlots: no limit until the server refuses one; then channels wait for a free slot in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelSlots } from '../../../src/zfs/ssh-slots.js';

const settled = async <T>(p: Promise<T>): Promise<boolean> => {
  let done = false;
  void p.then(() => { done = true; }, () => { done = true; });
  await new Promise((r) => setImmediate(r));
  return done;
};

test('unlimited until a refusal; a refusal while 3 are open sets the limit to 3', async () => {
  const s = new ChannelSlots();
  for (let i = 0; i < 4; i++) await s.acquire();
  assert.equal(s.open, 4);
  assert.equal(s.limit, Number.POSITIVE_INFINITY);
  assert.equal(s.refused(), true); // the 4th was refused: wait and retry
  assert.equal(s.open, 3);
  assert.equal(s.limit, 3);
  const retry = s.acquire();
  const next = s.acquire();
  assert.equal(await settled(retry), false);
  s.release();
  assert.equal(await settled(retry), true);
  assert.equal(await settled(next), false);
  s.release();
  assert.equal(await settled(next), true);
  assert.equal(s.open, 3);
});

test('a refusal with nothing else open is not a limit', async () => {
  const s = new ChannelSlots();
  await s.acquire();
  assert.equal(s.refused(), false);
  assert.equal(s.open, 0);
  assert.equal(s.limit, Number.POSITIVE_INFINITY);
});

test('the limit only goes down', async () => {
  const s = new ChannelSlots();
  for (let i = 0; i < 3; i++) await s.acquire();
  s.refused();
  assert.equal(s.limit, 2);
  s.release();
  s.release();
  await s.acquire();
  await s.acquire();
  assert.equal(s.open, 2);
  s.release();
  await s.acquire();
  assert.equal(s.limit, 2);
});

test('failAll rejects the waiters with the given error', async () => {
  const s = new ChannelSlots();
  await s.acquire();
  await s.acquire();
  s.refused();
  const waiting = s.acquire();
  const err = new Error('gone');
  s.failAll(err);
  await assert.rejects(waiting, (e: unknown) => e === err);
});
