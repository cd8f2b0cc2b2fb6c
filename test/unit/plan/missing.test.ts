// Source datasets that disappear, move or are recreated: warned, destroyed only when the job says so and it is safe,
// renamed by GUID when the job follows renames, and a recreated one is a conflict with both GUIDs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { G, dsPlan, job, lines, plan } from '../../support/dsl.js';
import { renderPlanHuman } from '../../../src/views/plan-human.js';
import { blockedDatasets, jobBlocker, planErrors } from '../../../src/plan/queries.js';
import { validatePlanJson } from '../../support/plan-schema.js';

const DAY = 86_400_000;
const LR = 'zform_last_received_J_j';
/** tank/gone was replicated, then destroyed on the source; its newest snapshot is from 2026-01-01 (~59 days before NOW) */
const GONE = {
  src: 'tank\ntank/keep @s1:g1',
  dst: `backup\nbackup/tank placeholder\nbackup/tank/keep @s1:g1[hold=${LR}]\nbackup/tank/gone @a:g5 @b:g6[hold=${LR}] #bm:g6`,
};

test('a source dataset destroyed: a warning per dataset, the target and its snapshots kept, no action', () => {
  const p = plan({ job: job(), ...GONE });
  const d = dsPlan(p, 'tank/gone');
  assert.deepEqual(d.actions, []);
  assert.equal(d.target, 'backup/tank/gone');
  assert.equal(d.diagnostics.length, 1);
  const w = d.diagnostics[0]!;
  assert.equal(w.severity, 'warning');
  assert.equal(w.summary, 'source gone: tank/gone no longer exists on local; backup/tank/gone and its 2 snapshots are kept');
  assert.match(w.detail[0]!, /^nothing is destroyed: replication.destroy_missing/);
  assert.equal(w.conflict?.type, 'source_missing');
  if (w.conflict?.type === 'source_missing') assert.equal(w.conflict.targetNewest?.guid, G('g6'));
  assert.equal(p.summary.destroys, 0);
  assert.deepEqual(validatePlanJson(p), []);
});

test('destroy_missing past its age: this job\'s hold released, then the dataset with every snapshot and bookmark named', () => {
  const p = plan({ job: job({ replication: { destroyMissingMs: 30 * DAY } }), ...GONE });
  assert.deepEqual(lines(p, 'tank/gone'), ['release last_received backup/tank/gone@b', 'destroy dataset backup/tank/gone with backup/tank/gone@a,#bm,@b']);
  const d = dsPlan(p, 'tank/gone');
  assert.match(d.diagnostics[0]!.detail[0]!, /^planned: destroy backup\/tank\/gone \(replication.destroy_missing 30d\)/);
  assert.equal(p.summary.destroys, 4, '3 versions and the dataset');
  assert.deepEqual(validatePlanJson(p), []);
  const human = renderPlanHuman(p, { color: false });
  assert.match(human, / {3}- destroy dataset backup\/tank\/gone, with 3 snapshots\/bookmarks:\n\s+backup\/tank\/gone@a\n\s+backup\/tank\/gone#bm\n\s+backup\/tank\/gone@b\n/);
  // not yet old enough: counted from the newest target snapshot
  const young = plan({ job: job({ replication: { destroyMissingMs: 90 * DAY } }), ...GONE });
  assert.deepEqual(lines(young, 'tank/gone'), []);
  assert.match(dsPlan(young, 'tank/gone').diagnostics[0]!.detail[0]!, /^kept until 2026-04-01T00:\d\d:00.000Z: replication.destroy_missing 90d counts from the newest snapshot @b/);
});

test('destroy_missing never destroys a target with foreign holds, without this job\'s hold, with staying children or a resume token', () => {
  const J = job({ replication: { destroyMissingMs: DAY } });
  const kept = (dst: string, ds = 'tank/gone') => {
    const p = plan({ job: J, src: 'tank\ntank/keep @s1:g1', dst: `backup\nbackup/tank placeholder\n${dst}` });
    assert.deepEqual(lines(p, ds), [], dst);
    return dsPlan(p, ds).diagnostics[0]!.detail.at(-1)!;
  };
  assert.match(kept(`backup/tank/gone @a:g5[hold=keep] @b:g6[hold=${LR}]`), /^kept: held by holds zform did not place \(@a\)/);
  assert.match(kept('backup/tank/gone @a:g5 @b:g6'), /^kept: no snapshot of backup\/tank\/gone carries this job's hold/);
  assert.match(kept(`backup/tank/gone @b:g6[hold=${LR}]\nbackup/tank/gone/kid @k:g7`), /^kept: child datasets stay \(backup\/tank\/gone\/kid\)/);
  assert.match(kept(`backup/tank/gone @b:g6[hold=${LR}] token=T1`), /^kept: an interrupted receive waits/);
  assert.match(kept(`backup/tank/gone @a:g5[clones=1] @b:g6[hold=${LR}]`), /^kept: datasets were cloned from its snapshots \(@a\); zform never destroys a clone/);
  // a child that is gone too and destroyable goes first: the parent's chain depends on it
  const p = plan({ job: J, src: 'tank', dst: `backup\nbackup/tank placeholder\nbackup/tank/gone @b:g6[hold=${LR}]\nbackup/tank/gone/kid @k:g7[hold=${LR}]` });
  assert.deepEqual(lines(p, 'tank/gone/kid'), ['release last_received backup/tank/gone/kid@k', 'destroy dataset backup/tank/gone/kid with backup/tank/gone/kid@k']);
  assert.deepEqual(dsPlan(p, 'tank/gone').dependsOn, ['tank/gone/kid']);
});

test('a missing source root is an error, never "all destroyed"; a deselected target is left alone', () => {
  const J = job({ filesystems: { 'tank/data<': true }, replication: { destroyMissingMs: DAY } });
  const p = plan({ job: J, src: 'tank', dst: `backup\nbackup/tank placeholder\nbackup/tank/data @a:g1[hold=${LR}]\nbackup/tank/data/x @a:g2[hold=${LR}]` });
  assert.equal(p.summary.destroys, 0);
  assert.deepEqual(p.jobs[0]!.datasets.map((d) => d.source).filter((s) => s.startsWith('tank/data')), []);
  const err = p.jobs[0]!.diagnostics.find((d) => d.severity === 'error')!;
  assert.equal(err.summary, 'source root tank/data does not exist on local: 2 target datasets under backup/tank/data cannot be checked');
  // a target the filter does not select is not "gone"
  const q = plan({ job: job({ filesystems: { 'tank<': true, 'tank/off': false }, replication: { destroyMissingMs: DAY } }), src: 'tank\ntank/keep @s1:g1', dst: `backup\nbackup/tank placeholder\nbackup/tank/off @a:g3[hold=${LR}]` });
  assert.equal(q.jobs[0]!.datasets.some((d) => d.source === 'tank/off'), false);
});

test('a missing source root stops only what it names: the job\'s other datasets are not blocked, and the plan does not say "ZFS matches"', () => {
  const J = job({ filesystems: { 'tank/data<': true, 'tank/other<': true }, replication: { protection: { initial: 'guarantee_nothing', incremental: 'guarantee_nothing' } } });
  const p = plan({ job: J, src: 'tank\ntank/other @a:g5', dst: `backup\nbackup/tank placeholder\nbackup/tank/data @a:g1[hold=${LR}]\nbackup/tank/other @a:g5` });
  const other = dsPlan(p, 'tank/other');
  assert.deepEqual([other.actions, other.diagnostics], [[], []], 'up to date');
  assert.deepEqual(planErrors(p), { errors: 1, jobErrors: 1, unlistedHosts: 0, blockingErrors: 0, anyActions: false });
  assert.equal(jobBlocker(p.jobs[0]!), undefined);
  assert.equal(blockedDatasets(p), 0);
  const text = renderPlanHuman(p, { color: false });
  assert.match(text, /Error: source root tank\/data does not exist on local/);
  assert.match(text, /\nNo changes planned\.\n/);
  assert.doesNotMatch(text, /ZFS matches|cannot proceed/);
});

const RENAMED = {
  src: 'tank\ntank/new @a:g5 @b:g6 @c:g8\ntank/new/kid @k:g9 @l:g10',
  dst: `backup\nbackup/tank placeholder\nbackup/tank/old @a:g5 @b:g6[hold=${LR}]\nbackup/tank/old/kid @k:g9[hold=${LR}]`,
};

test('a rename without follow_renames: a warning naming old and new on both, the new name sent in full', () => {
  const p = plan({ job: job(), ...RENAMED });
  const n = dsPlan(p, 'tank/new');
  assert.equal(n.diagnostics[0]!.summary, 'tank/new looks like tank/old renamed: its snapshots are those of backup/tank/old (same GUIDs)');
  assert.match(n.diagnostics[0]!.detail[0]!, /with replication.follow_renames: true zform renames backup\/tank\/old to backup\/tank\/new instead/);
  assert.equal(lines(p, 'tank/new').find((l) => l.startsWith('send'))!, 'send full tank/new@c');
  const o = dsPlan(p, 'tank/old').diagnostics[0]!;
  assert.equal(o.conflict?.type, 'source_missing');
  if (o.conflict?.type === 'source_missing') assert.equal(o.conflict.renamedTo, 'tank/new');
});

test('follow_renames: zfs rename of the target (children move with it), then incrementals continue; nothing gone', () => {
  const p = plan({ job: job({ replication: { followRenames: true } }), ...RENAMED });
  assert.deepEqual(lines(p, 'tank/new'), [
    'rename backup/tank/old -> backup/tank/new',
    'hold step tank/new@b,@c',
    'send -i tank/new@b -> @c',
    'hold last_received backup/tank/new@c',
    'release last_received backup/tank/new@b',
    'bookmark cursor tank/new@c',
    'release step tank/new@b,@c',
  ]);
  assert.equal(lines(p, 'tank/new/kid')[1], 'send -i tank/new/kid@k -> @l');
  assert.deepEqual(dsPlan(p, 'tank/new/kid').dependsOn, ['tank/new']);
  assert.equal(p.jobs[0]!.datasets.some((d) => d.source.startsWith('tank/old')), false);
  assert.equal(p.summary.renames, 1);
  assert.equal(p.summary.sends, 2);
  assert.deepEqual(validatePlanJson(p), []);
  const human = renderPlanHuman(p, { color: false });
  assert.match(human, / {3}~ rename backup\/tank\/old to backup\/tank\/new \(zfs rename\)\n\s+tank\/old was renamed to tank\/new on the source/);
  // two candidates with the same snapshots: no guess, a full send of each
  const two = plan({ job: job({ replication: { followRenames: true } }), src: 'tank\ntank/x @a:g5\ntank/y @a:g5', dst: `backup\nbackup/tank placeholder\nbackup/tank/old @a:g5[hold=${LR}]` });
  assert.equal(two.summary.renames, 0);
  assert.equal(lines(two, 'tank/x')[1], 'send full tank/x@a');
});

test('recreated with the same name: a conflict with both GUIDs and how to resolve it, never a full send', () => {
  const p = plan({
    job: job(),
    src: 'tank\ntank/a @n1:g11[c=2026-02-01T00:00:00Z] @n2:g12[c=2026-02-02T00:00:00Z]',
    dst: `backup\nbackup/tank placeholder\nbackup/tank/a @o1:g1[c=2026-01-05T00:00:00Z] @o2:g2[c=2026-01-06T00:00:00Z,hold=${LR}]`,
  });
  assert.deepEqual(lines(p, 'tank/a'), []);
  const e = dsPlan(p, 'tank/a').diagnostics[0]!;
  assert.equal(e.severity, 'error');
  assert.equal(e.summary, 'recreated on the source: tank/a has new GUIDs, none of its snapshots is on backup/tank/a');
  assert.equal(e.detail[0], `backup/tank/a's newest snapshot @o2 (guid ${G('g2')}, 2026-01-06T00:00:00.000Z) is older than tank/a's oldest @n1 (guid ${G('g11')}, 2026-02-01T00:00:00.000Z)`);
  assert.match(e.detail[1]!, /rename it aside \(zfs rename backup\/tank\/a backup\/tank\/a.old/);
  assert.equal(e.conflict?.type, 'recreated');
  assert.deepEqual(validatePlanJson(p), []);
  const human = renderPlanHuman(p, { color: false });
  assert.match(human, /newest on the target: backup\/tank\/a@o2 \(guid 10000000000000000002/);
});

test('a clone made on the target inside root_fs is no replica: a note says so, nothing is destroyed, even with destroy_missing', () => {
  const p = plan({
    job: job({ replication: { destroyMissingMs: 60_000 } }),
    src: 'tank @s1:g1',
    dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j,clones=1]\nbackup/tank/restore origin=backup/tank@s1 @mine:g9',
  });
  const d = dsPlan(p, 'tank/restore');
  assert.deepEqual(d.actions, []);
  assert.deepEqual(d.diagnostics.map((x) => [x.severity, x.summary, x.detail]), [['warning',
    'not a replica: backup/tank/restore is a clone of backup/tank@s1 made on the target, with no source tank/restore on local; it is kept',
    ['zform never destroys a clone it did not receive; to replicate without this note, move it out of backup (zfs rename) or destroy it when done']]]);
  // a clone zform received (its last-received hold) whose source is gone is a gone replica like any other
  const q = plan({
    job: job(),
    src: 'tank @s1:g1',
    dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j,clones=1]\nbackup/tank/vm origin=backup/tank@s1 @v1:g5[hold=zform_last_received_J_j]',
  });
  assert.match(dsPlan(q, 'tank/vm').diagnostics[0]!.summary, /^source gone: tank\/vm no longer exists on local; backup\/tank\/vm and its 1 snapshot are kept$/);
});
