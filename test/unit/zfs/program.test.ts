// Bookmarks in channel programs: batching per pool within the argv budget, reading the program's result, and the
// shared runner's routing (creations in programs, destroys one by one, the refused and the failing cases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeOpFailureLine, computeProgramBatches, parseProgramResult, runBookmarkGroups, type ProgramBatch, type ProgramFailure } from '../../../src/zfs/program.js';
import { ZfsError, computeZfsErrorCode } from '../../../src/zfs/errors.js';
import type { BookmarkOp } from '../../../src/zfs/types.js';

type Create = Extract<BookmarkOp, { op: 'bookmark' }>;
const bm = (fs: string, n: number): Create => ({ op: 'bookmark', snapshot: `${fs}@s${n}`, bookmark: `${fs}#c${n}` });
const del = (fs: string, n: number): BookmarkOp => ({ op: 'destroy', bookmark: `${fs}#c${n}` });

test('batches: one per pool, in order, the script\'s arguments are source/new pairs', () => {
  const b = computeProgramBatches([bm('tank/a', 2), bm('data/x', 5), bm('tank/b', 3)], 1 << 20);
  assert.deepEqual(b.map((x) => [x.pool, x.items]), [['tank', [0, 2]], ['data', [1]]]);
  assert.deepEqual(b[0]!.args, ['tank/a@s2', 'tank/a#c2', 'tank/b@s3', 'tank/b#c3']);
});

test('batches: the argv budget and the operation cap split them; one larger than the budget gets its own', () => {
  const items = Array.from({ length: 10 }, (_, i) => bm(`tank/d${i}`, 2));
  const per = 20 + 2 * 9; // tank/dN@s2 + tank/dN#c2, and 9 bytes per argument
  assert.deepEqual(computeProgramBatches(items, per * 3).map((x) => x.items.length), [3, 3, 3, 1]);
  assert.deepEqual(computeProgramBatches(items, 10).map((x) => x.items.length), Array(10).fill(1));
  assert.deepEqual(computeProgramBatches(items, 1 << 20, 9, 4).map((x) => x.items.length), [4, 4, 2]);
});

test('result: empty is success; failures are pair (from 1) : errno; anything else is not our result', () => {
  assert.deepEqual(parseProgramResult('{"return":""}\n'), []);
  assert.deepEqual(parseProgramResult('{"return":"2:17,5:16"}'), [{ item: 1, errno: 17 }, { item: 4, errno: 16 }]);
  assert.equal(parseProgramResult('{"return":"unsupported"}'), null);
  assert.equal(parseProgramResult('Channel program fully executed'), null);
  assert.equal(parseProgramResult('{"return":{"x":1}}'), null);
  assert.equal(parseProgramResult('{"return":"1:x"}'), null);
});

test('a bookmark the program could not make reads as zfs bookmark\'s own error, with the same code', () => {
  const b = bm('p/a', 1);
  assert.equal(computeOpFailureLine(b, 17), "cannot create bookmark 'p/a#c1': bookmark exists");
  assert.equal(computeZfsErrorCode(computeOpFailureLine(b, 17)), 'bookmark_exists');
  assert.equal(computeZfsErrorCode(computeOpFailureLine(b, 2)), 'dataset_does_not_exist');
  assert.equal(computeZfsErrorCode(computeOpFailureLine(b, 3)), 'dataset_does_not_exist');
  assert.equal(computeZfsErrorCode(computeOpFailureLine(b, 28)), 'out_of_space');
  assert.equal(computeZfsErrorCode(computeOpFailureLine(b, 1)), 'permission_denied');
  assert.equal(computeOpFailureLine(b, 99), "cannot create bookmark 'p/a#c1': error 99");
});

/** A runner whose programs answer from `answer` and whose one-by-one path records what it ran. */
function runner(answer: (batch: ProgramBatch) => ProgramFailure[] | null, programs = true) {
  const programsRun: string[][] = [];
  const oneByOne: string[] = [];
  return {
    programsRun, oneByOne,
    r: {
      programs, budget: { bytes: 1 << 20, perArgument: 9 },
      program: async (batch: ProgramBatch) => { programsRun.push(batch.args); return answer(batch); },
      oneByOne: async (group: BookmarkOp[], from: number) => {
        for (const op of group.slice(from)) oneByOne.push(`${op.op} ${op.bookmark}`);
        return null;
      },
      failure: (op: Create, errno: number) => new ZfsError({ host: 'h', argv: ['zfs', 'program'], stderr: computeOpFailureLine(op, errno) + '\n', exitCode: 0 }),
    },
  };
}

test('runner: the leading creations of every group in one program, then each group\'s destroys one by one', async () => {
  const t = runner(() => []);
  const { results, refused } = await runBookmarkGroups([[bm('p/a', 2), del('p/a', 1)], [bm('p/b', 2), bm('p/b', 3), del('p/b', 1)], [del('p/c', 1)]], t.r);
  assert.deepEqual(results, [null, null, null]);
  assert.equal(refused, false);
  assert.deepEqual(t.programsRun, [['p/a@s2', 'p/a#c2', 'p/b@s2', 'p/b#c2', 'p/b@s3', 'p/b#c3']]);
  assert.deepEqual(t.oneByOne, ['destroy p/a#c1', 'destroy p/b#c1', 'destroy p/c#c1']);
});

test('runner: a failed creation fails its group there (its destroys are not run); an existing one is checked one by one', async () => {
  const t = runner(() => [{ item: 0, errno: 2 }, { item: 1, errno: 17 }]);
  const { results } = await runBookmarkGroups([[bm('p/a', 2), del('p/a', 1)], [bm('p/b', 2), del('p/b', 1)]], t.r);
  assert.equal(results[0]?.op, 0);
  assert.equal(results[0]?.error.code, 'dataset_does_not_exist');
  assert.equal(results[1], null);
  assert.deepEqual(t.oneByOne, ['bookmark p/b#c2', 'destroy p/b#c1']);
});

test('runner: a refused program (not root) sends every group down the one-by-one path; a single creation needs no program', async () => {
  const t = runner(() => null);
  const { results, refused } = await runBookmarkGroups([[bm('p/a', 2), del('p/a', 1)], [bm('p/b', 2)]], t.r);
  assert.deepEqual(results, [null, null]);
  assert.equal(refused, true);
  assert.deepEqual(t.oneByOne, ['bookmark p/a#c2', 'destroy p/a#c1', 'bookmark p/b#c2']);
  const one = runner(() => []);
  await runBookmarkGroups([[bm('p/a', 2), del('p/a', 1)]], one.r);
  assert.deepEqual(one.programsRun, []);
  assert.deepEqual(one.oneByOne, ['bookmark p/a#c2', 'destroy p/a#c1']);
  const off = runner(() => [], false);
  await runBookmarkGroups([[bm('p/a', 2)], [bm('p/b', 2)]], off.r);
  assert.deepEqual(off.programsRun, []);
});
