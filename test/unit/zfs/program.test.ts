// The channel program's pure parts: batching of groups per pool within the argv budget, and reading its result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOpFailureLine, computeProgramBatches, parseProgramResult } from '../../../src/zfs/program.js';
import { computeZfsErrorCode } from '../../../src/zfs/errors.js';
import type { BookmarkOp } from '../../../src/zfs/types.js';

const move = (fs: string, n: number): BookmarkOp[] => [
  { op: 'bookmark', snapshot: `${fs}@s${n}`, bookmark: `${fs}#c${n}` },
  { op: 'destroy', bookmark: `${fs}#c${n - 1}` },
];

test('batches: one per pool, groups in order and never split, arguments opened by "g" per group', () => {
  const groups = [move('tank/a', 2), move('data/x', 5), [], move('tank/b', 3)];
  const b = computeProgramBatches(groups, 1 << 20);
  assert.deepEqual(b.map((x) => [x.pool, x.groups]), [['tank', [0, 3]], ['data', [1]]]);
  assert.deepEqual(b[0]!.args, ['g', 'b', 'tank/a@s2', 'tank/a#c2', 'd', 'tank/a#c1', 'g', 'b', 'tank/b@s3', 'tank/b#c3', 'd', 'tank/b#c2']);
});

test('batches: the argv budget and the operation cap split between groups; a group larger than the budget gets a batch of its own', () => {
  const groups = Array.from({ length: 10 }, (_, i) => move(`tank/d${i}`, 2));
  // each group: g b tank/dN@s2 tank/dN#c2 d tank/dN#c1 = 1+1+10+10+1+10 bytes + 6 arguments × 9
  const per = 33 + 6 * 9;
  const b = computeProgramBatches(groups, per * 3);
  assert.deepEqual(b.map((x) => x.groups.length), [3, 3, 3, 1]);
  assert.deepEqual(b.flatMap((x) => x.groups), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const tiny = computeProgramBatches(groups.slice(0, 2), 10);
  assert.deepEqual(tiny.map((x) => x.groups), [[0], [1]]);
  // and at most maxOps operations per program (2 per group here)
  assert.deepEqual(computeProgramBatches(groups, 1 << 20, 9, 5).map((x) => x.groups.length), [2, 2, 2, 2, 2]);
});

test('result: empty is success; failures are group (from 1) : op : errno; anything else is not our result', () => {
  assert.deepEqual(parseProgramResult('{"return":""}\n'), []);
  assert.deepEqual(parseProgramResult('{"return":"2:0:17,5:1:16"}'), [{ group: 1, op: 0, errno: 17 }, { group: 4, op: 1, errno: 16 }]);
  assert.equal(parseProgramResult('{"return":"unsupported"}'), null);
  assert.equal(parseProgramResult('Channel program fully executed'), null);
  assert.equal(parseProgramResult('{"return":{"x":1}}'), null);
  assert.equal(parseProgramResult('{"return":"1:0:x"}'), null);
});

test('a failed operation reads as the zfs command\'s own error would, so that it gets the same code', () => {
  const bm: BookmarkOp = { op: 'bookmark', snapshot: 'p/a@s', bookmark: 'p/a#b' };
  const d: BookmarkOp = { op: 'destroy', bookmark: 'p/a#b' };
  assert.equal(computeOpFailureLine(bm, 17), "cannot create bookmark 'p/a#b': bookmark exists");
  assert.equal(computeZfsErrorCode(computeOpFailureLine(bm, 17)), 'bookmark_exists');
  assert.equal(computeZfsErrorCode(computeOpFailureLine(bm, 2)), 'dataset_does_not_exist');
  assert.equal(computeZfsErrorCode(computeOpFailureLine(d, 16)), 'dataset_busy');
  assert.equal(computeZfsErrorCode(computeOpFailureLine(bm, 28)), 'out_of_space');
  assert.equal(computeZfsErrorCode(computeOpFailureLine(bm, 1)), 'permission_denied');
  assert.equal(computeOpFailureLine(d, 99), "cannot destroy 'p/a#b': error 99");
});
