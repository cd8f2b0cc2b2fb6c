// Incremental replication: GUID matching by createtxg, step shapes per protection mode, regex-excluded
// snapshots, a bookmark as the common base, sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionsOf, cur, job, lines, plan, tent } from '../../support/dsl.js';
import type { ProtectionMode } from '../../../src/config/types.js';

const T = 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j]';
const protect = (mode: ProtectionMode) => job({ filesystems: { tank: true }, replication: { protection: { initial: mode, incremental: mode } } });

test('up to date with its cursor and last-received hold: no actions', () => {
  const p = plan({ job: job({ filesystems: { tank: true } }), src: `tank @s1:g1 #${cur('g1')}:g1`, dst: T });
  assert.deepEqual(lines(p, 'tank'), []);
  assert.equal(p.summary.sends, 0);
});

test('matching is by GUID, not by name; the common snapshot is the newest target snapshot found on the source', () => {
  const p = plan({ job: job({ filesystems: { tank: true } }), src: `tank @renamed:g1 @s2:g2 #${cur('g1')}:g1`, dst: 'backup\nbackup/tank @s0:g0 @s1:g1[hold=zform_last_received_J_j]' });
  assert.equal(lines(p, 'tank')[1], 'send -i tank@renamed -> @s2');
});

const SRC = `tank @s1:g1 @s2:g2 @s3:g3 @s4:g4 #${cur('g1')}:g1`;
const shapes: [ProtectionMode, string[]][] = [
  ['guarantee_resumability', [
    'hold step tank@s1,@s2,@s3,@s4',
    'send -I tank@s1 -> @s4 [s2,s3,s4]',
    'hold last_received backup/tank@s4',
    'release last_received backup/tank@s1',
    'bookmark cursor tank@s4',
    'destroy tank#cursor(g1)',
    'release step tank@s1,@s2,@s3,@s4',
  ]],
  ['guarantee_nothing', [
    'send -I tank@s1 -> @s4 [s2,s3,s4]',
    'release last_received backup/tank@s1',
    'destroy tank#cursor(g1)',
  ]],
  ['guarantee_incremental', [
    // one -I stream; every snapshot it delivers has a tentative cursor first (one channel program at apply), so an
    // interrupted stream leaves the target at a snapshot the source can still send incrementally from
    'bookmark tentative tank@s2',
    'bookmark tentative tank@s3',
    'bookmark tentative tank@s4',
    'send -I tank@s1 -> @s4 [s2,s3,s4]',
    'hold last_received backup/tank@s4',
    'release last_received backup/tank@s1',
    'bookmark cursor tank@s4',
    'destroy tank#cursor(g1),#tentative(g2),#tentative(g3),#tentative(g4)',
  ]],
];
for (const [mode, expected] of shapes) {
  test(`step shape under ${mode}`, () => {
    const p = plan({ job: protect(mode), src: SRC, dst: T });
    assert.deepEqual(lines(p, 'tank'), expected);
  });
}

test('guarantee_incremental, an -I stream cut after @s3 and @s3 pruned on the source: the next step starts at its tentative cursor', () => {
  // as the cut apply of the shape above leaves it: cursor on s1, tentative cursors on s2..s4, target at s3
  const p = plan({
    job: protect('guarantee_incremental'),
    src: `tank @s1:g1 #${cur('g1')}:g1 #${tent('g2')}:g2 #${tent('g3')}:g3 @s4:g4 #${tent('g4')}:g4`,
    dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j] @s2:g2 @s3:g3',
  });
  assert.deepEqual(lines(p, 'tank'), [
    'send -i tank#tentative(g3) -> @s4',
    'hold last_received backup/tank@s4',
    'release last_received backup/tank@s1',
    'bookmark cursor tank@s4',
    'destroy tank#cursor(g1),#tentative(g2),#tentative(g3),#tentative(g4)',
  ]);
});

test('the send says which shape and why', () => {
  const reasons = (mode: ProtectionMode) => actionsOf(plan({ job: protect(mode), src: SRC, dst: T }), 'tank', 'send').map((s) => s.reason);
  assert.deepEqual(reasons('guarantee_resumability'), ['batched -I (3 snapshots): guarantee_resumability holds every snapshot in the range']);
  assert.deepEqual(reasons('guarantee_nothing'), ['batched -I (3 snapshots): guarantee_nothing protects nothing, so one stream carries them all']);
  assert.deepEqual(reasons('guarantee_incremental'), ['batched -I (3 snapshots): guarantee_incremental bookmarks every snapshot in the range as a tentative cursor']);
  const send = actionsOf(plan({ job: protect('guarantee_resumability'), src: SRC, dst: T }), 'tank', 'send')[0]!;
  assert.equal(send.intermediates, true);
  assert.deepEqual(send.includes.map((r) => r.name), ['s2', 's3', 's4']);
  assert.equal(send.estimatedBytes, 3 * 1024 * 1024);
});

test('snapshots excluded by replication.snapshots are never sent: -i hops across them, -I between them', () => {
  const p = plan({
    job: job({ filesystems: { tank: true }, replication: { snapshots: '^z' } }),
    src: `tank @z1:g1 @z2:g2 @m1 @m2 @z3:g3 @z4:g4 @z5:g5 @m3 @z6:g6 @m4`,
    dst: 'backup\nbackup/tank @z1:g1',
  });
  assert.deepEqual(lines(p, 'tank').filter((l) => l.startsWith('send')), [
    'send -i tank@z1 -> @z2',
    'send -i tank@z2 -> @z3',
    'send -I tank@z3 -> @z5 [z4,z5]',
    'send -i tank@z5 -> @z6',
  ]);
  const sends = actionsOf(p, 'tank', 'send');
  assert.deepEqual(sends.map((s) => s.reason), [
    '-i: one snapshot; the next one lies beyond snapshots not matching replication.snapshots',
    '-i: skips 2 snapshots not matching replication.snapshots (@m1, @m2)',
    'batched -I (2 snapshots): guarantee_resumability holds every snapshot in the range',
    '-i: skips 1 snapshot not matching replication.snapshots (@m3)',
  ]);
  assert.deepEqual(sends.map((s) => s.estimatedBytes! / 1024 / 1024), [1, 3, 2, 2]);
});

test('a source bookmark (the replication cursor) as the only common base: -i from it, then -I', () => {
  const p = plan({ job: job({ filesystems: { tank: true } }), src: `tank #${cur('g1')}:g1[txg=5] @s2:g2 @s3:g3`, dst: T });
  assert.deepEqual(lines(p, 'tank'), [
    'hold step tank@s2',
    'send -i tank#cursor(g1) -> @s2',
    'hold last_received backup/tank@s2',
    'release last_received backup/tank@s1',
    'bookmark cursor tank@s2',
    'destroy tank#cursor(g1)',
    'release step tank@s2',
    'hold step tank@s2,@s3',
    'send -i tank@s2 -> @s3',
    'hold last_received backup/tank@s3',
    'release last_received backup/tank@s2',
    'bookmark cursor tank@s3',
    'destroy tank#cursor(g2)',
    'release step tank@s2,@s3',
  ]);
  const [first] = actionsOf(p, 'tank', 'send');
  assert.equal(first!.reason, `-i: from bookmark #${cur('g1')} (zfs send -I cannot start at a bookmark)`);
  assert.equal(first!.from!.kind, 'bookmark');
});

test('a source snapshot is preferred over a bookmark of the same GUID as the base', () => {
  const p = plan({ job: job({ filesystems: { tank: true } }), src: `tank @s1:g1 #${cur('g1')}:g1 #other:g1 @s2:g2`, dst: T });
  assert.deepEqual(actionsOf(p, 'tank', 'send').map((s) => `${s.from!.kind} ${s.from!.name}`), ['snapshot s1']);
});

test('a user bookmark works as a base too, and is never destroyed', () => {
  const p = plan({ job: job({ filesystems: { tank: true } }), src: 'tank #mine:g1[txg=5] @s2:g2', dst: T });
  assert.equal(lines(p, 'tank')[1], 'send -i tank#mine -> @s2');
  assert.ok(!lines(p, 'tank').some((l) => l.includes('#mine') && l.startsWith('destroy')));
});

test('target bookmarks are ignored for matching', () => {
  const p = plan({ job: job({ filesystems: { tank: true } }), src: 'tank @s1:g1 @s2:g2', dst: 'backup\nbackup/tank #b2:g2[txg=50] @s1:g1' });
  assert.equal(lines(p, 'tank')[1], 'send -i tank@s1 -> @s2');
});

test('the snapshot this plan takes is the newest source snapshot and is replicated in the same run', () => {
  const p = plan({
    job: job({ filesystems: { tank: true }, snapshotting: { prefix: 'zf_', intervalMs: 3600_000, timestampFormat: 'dense' } }),
    src: 'tank written=5M @zf_old:g1[c=2026-03-01T10:00:00Z] @s2:g2',
    dst: T,
  });
  assert.deepEqual(lines(p, 'snapshots'), ['snapshot tank@zf_20260301_120000_000']);
  const [send] = actionsOf(p, 'tank', 'send');
  assert.equal(send!.to.name, 'zf_20260301_120000_000');
  assert.equal(send!.to.guid, null);
  assert.equal(send!.estimatedBytes, 6 * 1024 * 1024, 'written of @s2 plus the dataset\'s written');
  const [bm] = actionsOf(p, 'tank', 'bookmark');
  assert.equal(bm!.bookmark, null, 'the cursor name needs the GUID: apply derives it');
});

test('a planned snapshot that replication.snapshots excludes is taken but not sent', () => {
  const p = plan({
    job: job({ filesystems: { tank: true }, replication: { snapshots: '^s' }, snapshotting: { prefix: 'zf_', intervalMs: 3600_000, timestampFormat: 'dense' } }),
    src: `tank @s1:g1 #${cur('g1')}:g1`, dst: T,
  });
  assert.equal(lines(p, 'snapshots').length, 1);
  assert.deepEqual(lines(p, 'tank'), []);
});

test('guarantee_incremental with a planned snapshot: the tentative cursor is named and destroyed at apply', () => {
  const p = plan({
    job: job({ filesystems: { tank: true }, replication: { protection: { initial: 'guarantee_incremental', incremental: 'guarantee_incremental' } }, snapshotting: { prefix: 'z_', intervalMs: 1000, timestampFormat: 'human' } }),
    src: `tank @s1:g1 #${tent('g1')}:g1`, dst: T,
  });
  assert.deepEqual(lines(p, 'tank'), [
    'bookmark tentative tank@z_2026-03-01_12:00:00 (name after apply)',
    'send -i tank@s1 -> @z_2026-03-01_12:00:00',
    'hold last_received backup/tank@z_2026-03-01_12:00:00',
    'release last_received backup/tank@s1',
    'bookmark cursor tank@z_2026-03-01_12:00:00 (name after apply)',
    'destroy tank#tentative(g1) tentative-of-tank@z_2026-03-01_12:00:00',
  ]);
  const [destroy] = actionsOf(p, 'tank', 'destroy_bookmarks');
  assert.deepEqual(destroy!.derived, [{ role: 'tentative_cursor', snapshot: { dataset: 'tank', kind: 'snapshot', name: 'z_2026-03-01_12:00:00', guid: null, createtxg: null } }]);
});

test('sends name both hosts; protection lines run on their side', () => {
  const p = plan({ job: job({ sourceHost: 'local', target: { host: 'nas' }, filesystems: { tank: true } }), src: SRC, dst: T });
  const acts = p.jobs[0]!.datasets[0]!.actions;
  assert.deepEqual(acts.map((a) => `${a.kind}@${a.host}/${a.side}`), [
    'hold@local/source', 'send@local/source', 'hold@nas/target', 'release@nas/target', 'bookmark@local/source', 'destroy_bookmarks@local/source', 'release@local/source',
  ]);
  const [send] = actionsOf(p, 'tank', 'send');
  assert.equal(send!.targetHost, 'nas');
  assert.equal(send!.targetDataset, 'backup/tank');
});
