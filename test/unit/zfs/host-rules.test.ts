// CommandZfsHost's idempotency rules run against the fake pool state (FakeHost): the three rules the former in-src
// fake re-implemented differently (destroy's retry only when every line is benign, no retry without progress,
// getGuids' missing names) are now the host's own, proven here with OpenZFS's texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { ZfsError } from '../../../src/zfs/errors.js';

const destroys = (h: FakeHost) => h.commandLog.filter((a) => a[1] === 'destroy').map((a) => a.slice(1).join(' '));

function world(): FakeHost {
  return new FakeHost('local').apply('pool p', 'create p/a', 'snapshot p/a@s1', 'snapshot p/a@s2', 'snapshot p/a@s3', 'hold keep p/a@s2');
}

test('destroy: a held snapshot is left out of a retry that destroys the others, then its busy error is thrown', async () => {
  const h = world();
  await assert.rejects(h.destroy(['p/a@s1', 'p/a@s2', 'p/a@s3']), (e: unknown) => e instanceof ZfsError && e.code === 'dataset_busy' && /p\/a@s2/.test(e.message));
  assert.deepEqual(destroys(h), ['destroy p/a@s1,s2,s3', 'destroy p/a@s1,s3']);
  assert.equal(h.guidOf('p/a@s1'), undefined);
  assert.equal(h.guidOf('p/a@s3'), undefined);
  assert.ok(h.guidOf('p/a@s2'));
});

test('destroy: no retry when one line of the failure is not a busy snapshot (every line must be benign)', async () => {
  const h = world();
  h.failNext('destroy', 'cannot destroy snapshot p/a@s2: dataset is busy\ncannot destroy snapshot p/a@s3: permission denied');
  await assert.rejects(h.destroy(['p/a@s1', 'p/a@s2', 'p/a@s3']), (e: unknown) => e instanceof ZfsError && e.code === 'permission_denied');
  assert.deepEqual(destroys(h), ['destroy p/a@s1,s2,s3'], 'stopped at the first failure');
  assert.ok(h.guidOf('p/a@s1'), 'nothing destroyed');
});

test('destroy: a retry that would leave out nothing fails instead of looping (no progress)', async () => {
  const h = world();
  // busy, but naming a snapshot that is not in the batch: leaving it out changes nothing
  h.failNext('destroy', 'cannot destroy snapshot p/a@other: dataset is busy');
  await assert.rejects(h.destroy(['p/a@s1', 'p/a@s3']), (e: unknown) => e instanceof ZfsError && e.code === 'dataset_busy' && /p\/a@other/.test(e.message));
  assert.deepEqual(destroys(h), ['destroy p/a@s1,s3']);
  assert.ok(h.guidOf('p/a@s1'));
});

test('destroy: snapshots and bookmarks already gone are fine; a missing dataset too', async () => {
  const h = world();
  h.apply('bookmark p/a@s1 #b1');
  await h.destroy(['p/a@nope', 'p/gone@x', 'p/a#nope', 'p/a#b1']);
  assert.equal(h.guidOf('p/a#b1'), undefined);
  assert.deepEqual(destroys(h), ['destroy p/a@nope', 'destroy p/gone@x', 'destroy p/a#nope', 'destroy p/a#b1']);
});

test('getGuids: missing snapshots, datasets and bookmarks are absent; any other failure line throws', async () => {
  const h = world();
  h.apply('bookmark p/a@s1 #b1');
  const m = await h.getGuids(['p/a@s1', 'p/a#b1', 'p/a@nope', 'p/a#nope', 'p/gone', 'p/gone@x']);
  assert.deepEqual([...m.keys()].sort(), ['p/a#b1', 'p/a@s1']);
  assert.equal(m.get('p/a#b1'), h.guidOf('p/a@s1'));
  assert.equal(h.commandLog.filter((a) => a[1] === 'get').length, 1);
  // a missing name does not excuse another failure in the same command
  h.failNext('get', "cannot open 'p/a@nope': dataset does not exist\ncannot open 'p': pool I/O is currently suspended");
  await assert.rejects(h.getGuids(['p/a@s1', 'p/a@nope']), /pool I\/O is currently suspended/);
});

test('hold and release: an existing tag and a missing one are fine, other failures name only what failed', async () => {
  const h = world();
  await h.hold('keep', ['p/a@s1', 'p/a@s2']);
  assert.deepEqual((await h.list(['p'])).holds.map((x) => `${x.snapshot} ${x.tag}`).sort(), ['p/a@s1 keep', 'p/a@s2 keep']);
  await h.release('keep', ['p/a@s1', 'p/a@s1x', 'p/a@s3']);
  await assert.rejects(h.hold('t', ['p/a@s1', 'p/a@gone']), (e: unknown) => e instanceof ZfsError && e.code === 'dataset_does_not_exist' && !/p\/a@s1'/.test(e.message));
  assert.deepEqual((await h.list(['p'])).holds.map((x) => `${x.snapshot} ${x.tag}`).sort(), ['p/a@s1 t', 'p/a@s2 keep']);
});
