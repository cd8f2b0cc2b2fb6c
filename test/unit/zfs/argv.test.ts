// Exact argv of the zfs commands, argv-size batching and destroy grouping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LINUX_ARGV_OVERHEAD, MAX_ARGV_BYTES, computeArgvBatches, computeDestroyPlan, computeLinuxArgMax, computeListArgv,
  computeLocalArgvBudget, computeOptionLikeOperand, computePlaceholderArgv, computePlaceholderCheckArgv, computePool, computeReceiveArgv, computeSendArgv, computeSlices,
  computeSnapshotGroups, computeVersionListArgv,
} from '../../../src/zfs/argv.js';
import type { SendFlags } from '../../../src/zfs/types.js';

const NONE: SendFlags = { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: false, embeddedData: false };
const ALL: SendFlags = { raw: true, properties: true, backupProperties: true, largeBlocks: true, compressed: true, embeddedData: true };

test('list and placeholder argv: the datasets under all roots in one command, none = all pools; then the snapshots and bookmarks of named datasets; slices', () => {
  const COLS = 'name,type,guid,createtxg,creation,userrefs,written,encryption,encryptionroot,keystatus,receive_resume_token,origin';
  // no user property in the listing: its value could end a line and forge the rows after it
  assert.deepEqual(computeListArgv(['p/a', 'q']), ['list', '-H', '-p', '-r', '-t', 'filesystem,volume', '-o', COLS, 'p/a', 'q']);
  assert.deepEqual(computeListArgv([]).slice(-2), ['-o', COLS]);
  assert.deepEqual(computeVersionListArgv(['p/a', 'p/a/b']), ['list', '-H', '-p', '-d', '1', '-t', 'snapshot,bookmark', '-o', 'name,type,guid,createtxg,creation,userrefs,written,numclones', 'p/a', 'p/a/b']);
  assert.equal(computeOptionLikeOperand(computeVersionListArgv(['p/a'])), null, '-d is one of zform\'s own options');
  assert.deepEqual(computePlaceholderArgv(['p/a'], 'zform:placeholder'),
    ['get', '-H', '-p', '-r', '-t', 'filesystem,volume', '-o', 'name,value,source', 'zform:placeholder', 'p/a']);
  assert.deepEqual(computePlaceholderCheckArgv(['p/a', 'p/b'], 'zform:placeholder'), ['get', '-H', '-p', '-o', 'name,value,source', 'zform:placeholder', 'p/a', 'p/b']);
  // contiguous, in order, as even as they can be, never empty
  assert.deepEqual(computeSlices([1, 2, 3, 4, 5, 6, 7], 3), [[1, 2], [3, 4], [5, 6, 7]]);
  assert.deepEqual(computeSlices([1, 2], 4), [[1], [2]]);
  assert.deepEqual(computeSlices([1, 2, 3], 1), [[1, 2, 3]]);
  assert.deepEqual(computeSlices([1, 2, 3], 0), [[1, 2, 3]]);
  assert.deepEqual(computeSlices([], 4), []);
});

test('send argv: flags in a fixed order, -i/-I, resume, dry run', () => {
  assert.deepEqual(computeSendArgv({ kind: 'full', snapshot: 'p/a@s1', flags: NONE }), ['send', 'p/a@s1']);
  assert.deepEqual(computeSendArgv({ kind: 'full', snapshot: 'p/a@s1', flags: ALL }), ['send', '-w', '-p', '-b', '-L', '-c', '-e', 'p/a@s1']);
  assert.deepEqual(computeSendArgv({ kind: 'incremental', from: 'p/a#c', snapshot: 'p/a@s2', intermediates: false, flags: { ...NONE, compressed: true } }),
    ['send', '-c', '-i', 'p/a#c', 'p/a@s2']);
  assert.deepEqual(computeSendArgv({ kind: 'incremental', from: 'p/a@s1', snapshot: 'p/a@s3', intermediates: true, flags: NONE }),
    ['send', '-I', 'p/a@s1', 'p/a@s3']);
  assert.deepEqual(computeSendArgv({ kind: 'resume', token: '1-abc' }), ['send', '-t', '1-abc']);
  assert.deepEqual(computeSendArgv({ kind: 'resume', token: '1-abc' }, true), ['send', '-n', '-v', '-P', '-t', '1-abc']);
  assert.deepEqual(computeSendArgv({ kind: 'full', snapshot: 'p/a@s1', flags: { ...NONE, raw: true } }, true), ['send', '-n', '-v', '-P', '-w', 'p/a@s1']);
});

test('receive argv', () => {
  assert.deepEqual(computeReceiveArgv({ dataset: 'q/b', resumable: false, force: false, noMount: false, override: {}, inherit: [] }), ['receive', 'q/b']);
  assert.deepEqual(computeReceiveArgv({
    dataset: 'q/b', resumable: true, force: true, noMount: true, override: { mountpoint: 'none', 'zform:x': 'a b' }, inherit: ['keylocation', 'compression'],
  }), ['receive', '-s', '-F', '-u', '-o', 'mountpoint=none', '-o', 'zform:x=a b', '-x', 'keylocation', '-x', 'compression', 'q/b']);
});

test('computeArgvBatches keeps each batch within the byte budget', () => {
  assert.deepEqual(computeArgvBatches([]), []);
  assert.deepEqual(computeArgvBatches(['aaa', 'bb', 'c', 'dddd', 'e'], 7), [['aaa', 'bb'], ['c', 'dddd'], ['e']]);
  assert.deepEqual(computeArgvBatches(['toolongforbudget', 'x'], 4), [['toolongforbudget'], ['x']]);
  const many = Array.from({ length: 5000 }, (_, i) => `pool/some/dataset@zform_20240101_000000_${String(i).padStart(4, '0')}`);
  const batches = computeArgvBatches(many);
  assert.equal(batches.length, 3); // 5000 × 45 bytes
  assert.deepEqual(batches.flat(), many);
  for (const b of batches) assert.ok(b.reduce((n, s) => n + s.length + 1, 0) <= MAX_ARGV_BYTES);
});

test('computeArgvBatches counts a given overhead per item (a pointer as well as the NUL)', () => {
  assert.deepEqual(computeArgvBatches(['aaa', 'bb', 'c'], 12, 4), [['aaa'], ['bb', 'c']]);
  assert.deepEqual(computeArgvBatches(['aaa', 'bb', 'c'], 12), [['aaa', 'bb', 'c']]);
});

test('computeLinuxArgMax: a quarter of the stack limit, between 128 KiB and 6 MiB', () => {
  assert.equal(computeLinuxArgMax(8 * 1024 * 1024), 2 * 1024 * 1024);
  assert.equal(computeLinuxArgMax(null), 6 * 1024 * 1024);
  assert.equal(computeLinuxArgMax(64 * 1024 * 1024), 6 * 1024 * 1024);
  assert.equal(computeLinuxArgMax(256 * 1024), 128 * 1024);
});

test('computeLocalArgvBudget: half of what remains after the environment, never below the default', () => {
  assert.equal(computeLocalArgvBudget(8 * 1024 * 1024, 4096), (2 * 1024 * 1024 - 4096) / 2);
  assert.equal(computeLocalArgvBudget(256 * 1024, 4096), MAX_ARGV_BYTES);
  assert.equal(computeLocalArgvBudget(8 * 1024 * 1024, 3 * 1024 * 1024), MAX_ARGV_BYTES);
  // 10,000 held snapshots with names of 60 bytes: one command locally at the usual 8 MiB stack, six at the default
  const held = Array.from({ length: 10000 }, (_, i) => `dst/backup/src/g${String(i % 100).padStart(4, '0')}/d${String(i).padStart(6, '0')}@zform_20261122_000516_000`);
  assert.equal(computeArgvBatches(held, computeLocalArgvBudget(8 * 1024 * 1024, 4096), LINUX_ARGV_OVERHEAD).length, 1);
  assert.equal(computeArgvBatches(held).length, 6);
});

test('computeDestroyPlan groups snapshots per dataset, bookmarks one by one, datasets apart', () => {
  assert.deepEqual(computeDestroyPlan(['p/a@s1', 'p/b@x', 'p/a#c1', 'p/a@s2', 'p/a@s1', 'p/a#c2', 'p/c']), {
    snapshotArgs: ['p/a@s1,s2', 'p/b@x'], bookmarks: ['p/a#c1', 'p/a#c2'], other: ['p/c'],
  });
  assert.deepEqual(computeDestroyPlan([]), { snapshotArgs: [], bookmarks: [], other: [] });
});

test('computeDestroyPlan splits a group whose argument would be too long', () => {
  assert.deepEqual(computeDestroyPlan(['p/a@s1', 'p/a@s2', 'p/a@s3', 'p/a@s4'], 11).snapshotArgs, ['p/a@s1,s2', 'p/a@s3,s4']);
  const snaps = Array.from({ length: 5000 }, (_, i) => `tank/home/user@zform_20240101_${String(i).padStart(6, '0')}`);
  const args = computeDestroyPlan(snaps).snapshotArgs;
  assert.equal(args.length, 2);
  for (const a of args) assert.ok(Buffer.byteLength(a) <= MAX_ARGV_BYTES);
  assert.deepEqual(args.flatMap((a) => a.slice('tank/home/user@'.length).split(',').map((s) => `tank/home/user@${s}`)), snaps);
});

test('computeSnapshotGroups: one group per pool, in first-seen order', () => {
  assert.equal(computePool('tank/a/b@s'), 'tank');
  assert.equal(computePool('tank#b'), 'tank');
  assert.deepEqual(computeSnapshotGroups(['p/a@x', 'q/b@x', 'p/c@x', 'p/a@x', 'p@x']), [['p/a@x', 'p/c@x', 'p@x'], ['q/b@x']]);
});

test('computeOptionLikeOperand: names and tokens that zfs would read as options', async () => {
  const { computeOptionLikeOperand } = await import('../../../src/zfs/argv.js');
  assert.equal(computeOptionLikeOperand(['rollback', '-r', 'tank/a@s1']), null);
  assert.equal(computeOptionLikeOperand(['rollback', '-r', '-R@x']), '-R@x');
  assert.equal(computeOptionLikeOperand(['destroy', '-nvx']), '-nvx');
  assert.equal(computeOptionLikeOperand(['receive', '-s', '-F', '-o', 'mountpoint=none', '-Rf']), '-Rf');
  assert.equal(computeOptionLikeOperand(['program', '-j', 'tank', '-', 'tank/a@-snap']), null); // a snapshot named -snap is fine
});

test('a name starting with "-" never reaches zfs: CommandZfsHost and the fake refuse before running anything', async () => {
  const { CommandZfsHost } = await import('../../../src/zfs/host.js');
  const { FakeHost } = await import('../../support/fake-zfs/host.js');
  const { ScriptedExecutor } = await import('./scripted.js');
  const exec = new ScriptedExecutor('h', () => ({}));
  const host = new CommandZfsHost(exec);
  const message = 'refusing to run zfs rollback on h: "-R@x" would read as an option (no ZFS name starts with "-")';
  await assert.rejects(host.rollback('-R@x', true), { name: 'ZfsError', message });
  await assert.rejects(host.destroy(['-Rf@a']), /"-Rf@a" would read as an option/);
  await assert.rejects(host.list(['-nvx']), /"-nvx" would read as an option/);
  assert.deepEqual(exec.calls, []);
  const fake = new FakeHost('h').apply('pool tank', 'create tank/a', 'snapshot tank/a@s1');
  await assert.rejects(fake.rollback('-R@x', true), { message });
  assert.deepEqual(fake.commandLog, []);
});
