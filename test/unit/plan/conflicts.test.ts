// Conflicts are diagnostics with evidence, never resolved by destroying; a rollback only when allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { G, actionsOf, dsPlan, job, lines, plan } from '../../support/dsl.js';

const J = job({ filesystems: { 'tank<': true } });
const DIVERGED = { src: 'tank @s1:g1 @s2:g2\ntank/ok @s1:g5 @s2:g6', dst: 'backup\nbackup/tank @s1:g1 @x:g7[hold=zform_last_received_J_j] #bx:g7\nbackup/tank/ok @s1:g5' };

test('diverged without rollback: an error with common ancestor, source-only and target-only versions; other datasets still plan', () => {
  const p = plan({ job: J, ...DIVERGED });
  const d = dsPlan(p, 'tank');
  assert.deepEqual(d.actions, []);
  assert.equal(d.diagnostics.length, 1);
  const diag = d.diagnostics[0]!;
  assert.equal(diag.severity, 'error');
  assert.equal(diag.summary, "target diverged: backup/tank's newest snapshot @x is not on the source");
  assert.deepEqual(diag.detail, ['zform never destroys target snapshots on its own: --allow-rollback (or replication.allow_rollback) would roll backup/tank back to @s1, destroying 1 snapshot']);
  assert.equal(diag.conflict?.type, 'diverged');
  if (diag.conflict?.type !== 'diverged') return;
  assert.deepEqual(diag.conflict.commonAncestor, { dataset: 'tank', kind: 'snapshot', name: 's1', guid: G('g1'), createtxg: 11 });
  assert.deepEqual(diag.conflict.sourceOnly.map((r) => `${r.dataset}@${r.name} ${r.guid}`), [`tank@s2 ${G('g2')}`]);
  assert.deepEqual(diag.conflict.targetOnly.map((r) => `${r.dataset}@${r.name} ${r.guid}`), [`backup/tank@x ${G('g7')}`]);
  assert.equal(lines(p, 'tank/ok')[1], 'send -i tank/ok@s1 -> @s2');
});

test('diverged with rollback allowed: own hold released, rollback shown with what it destroys, then the normal steps', () => {
  for (const p of [plan({ job: J, ...DIVERGED, allowRollback: true }), plan({ job: job({ replication: { allowRollback: true } }), ...DIVERGED })]) {
    assert.deepEqual(lines(p, 'tank'), [
      'release last_received backup/tank@x',
      'rollback backup/tank@s1 destroys #bx,@x',
      'hold step tank@s1,@s2',
      'send -i tank@s1 -> @s2',
      'hold last_received backup/tank@s2',
      'bookmark cursor tank@s2',
      'release step tank@s1,@s2',
    ]);
    const [rb] = actionsOf(p, 'tank', 'rollback');
    assert.equal(rb!.reason, 'target diverged: back to @s1, the newest snapshot it shares with the source');
    assert.equal(rb!.host, 'local');
    assert.equal(rb!.side, 'target');
    const diag = dsPlan(p, 'tank').diagnostics[0]!;
    assert.equal(diag.severity, 'warning');
    assert.deepEqual(diag.detail, ['planned: roll backup/tank back to @s1, the newest common snapshot, destroying 2 newer versions (allowed by --allow-rollback or replication.allow_rollback)']);
    assert.equal(p.summary.rollbacks, 1);
    assert.equal(p.summary.destroys, 2, "a rollback's destroyed versions count as destroys");
  }
});

test('no rollback when a snapshot it would destroy has clones (zfs rollback -r refuses: "clones of previous snapshots exist")', () => {
  const p = plan({ job: J, allowRollback: true, src: 'tank @s1:g1 @s2:g2', dst: 'backup\nbackup/tank @s1:g1[clones=3] @x:g7[clones=1] @y:g8' });
  assert.deepEqual(lines(p, 'tank'), []);
  const diag = dsPlan(p, 'tank').diagnostics[0]!;
  assert.equal(diag.severity, 'error');
  assert.equal(diag.conflict?.type, 'diverged');
  assert.deepEqual(diag.detail, [
    'cannot roll back to @s1: snapshots with clones would be destroyed: @x (1 clone)',
    'zfs rollback refuses while they have clones, and zform never destroys a clone; destroy the clones (zfs get clones SNAPSHOT names them), then plan again',
  ]);
  // clones of the snapshot it rolls back to do not stop it
  const q = plan({ job: J, allowRollback: true, src: 'tank @s1:g1 @s2:g2', dst: 'backup\nbackup/tank @s1:g1[clones=3] @x:g7 @y:g8' });
  assert.ok(lines(q, 'tank').some((l) => l.startsWith('rollback')), lines(q, 'tank').join('\n'));
});

test('no rollback when a snapshot it would destroy has a hold zform did not place', () => {
  const p = plan({ job: J, allowRollback: true, src: 'tank @s1:g1 @s2:g2', dst: 'backup\nbackup/tank @s1:g1 @x:g7[hold=keep+zform_last_received_J_j] @y:g8[hold=zform_STEP_J_other]' });
  assert.deepEqual(lines(p, 'tank'), []);
  const diag = dsPlan(p, 'tank').diagnostics[0]!;
  assert.equal(diag.severity, 'error');
  assert.equal(diag.conflict?.type, 'diverged');
  assert.deepEqual(diag.detail, [
    'cannot roll back to @s1: held snapshots would be destroyed: @x (keep), @y (zform_STEP_J_other)',
    'zform never releases holds it did not place; release them, then plan again',
  ]);
});

test('target modified since its newest snapshot: error, or a rollback to it when allowed', () => {
  const src = 'tank @s1:g1 @s2:g2';
  const dst = 'backup\nbackup/tank written=5K @s1:g1[hold=zform_last_received_J_j]';
  const p = plan({ job: J, src, dst });
  const diag = dsPlan(p, 'tank').diagnostics[0]!;
  assert.deepEqual([diag.severity, diag.summary], ['error', 'target modified: backup/tank was written to since its newest snapshot @s1 (5120 bytes)']);
  assert.deepEqual(diag.conflict, { type: 'target_modified', newest: { dataset: 'backup/tank', kind: 'snapshot', name: 's1', guid: G('g1'), createtxg: 12 }, writtenBytes: 5120 });
  assert.deepEqual(lines(p, 'tank'), []);
  const q = plan({ job: J, src, dst, allowRollback: true });
  assert.deepEqual(lines(q, 'tank').slice(0, 2), ['rollback backup/tank@s1', 'hold step tank@s1,@s2']);
  assert.equal(actionsOf(q, 'tank', 'rollback')[0]!.reason, 'target modified since @s1: discard the changes');
});

test('modified and up to date: with rollback allowed, only the rollback', () => {
  const p = plan({ job: J, allowRollback: true, src: `tank @s1:g1`, dst: 'backup\nbackup/tank written=1K @s1:g1[hold=zform_last_received_J_j]' });
  assert.deepEqual(lines(p, 'tank'), ['rollback backup/tank@s1', 'bookmark cursor tank@s1']);
});

test('diverged and modified: both reported; one rollback to the common snapshot', () => {
  const p = plan({ job: J, allowRollback: true, src: 'tank @s1:g1 @s2:g2', dst: 'backup\nbackup/tank written=1K @s1:g1 @x:g7' });
  assert.deepEqual(dsPlan(p, 'tank').diagnostics.map((d) => d.conflict?.type), ['diverged', 'target_modified']);
  assert.deepEqual(actionsOf(p, 'tank', 'rollback').map((r) => r.to.name), ['s1']);
});

test('no common snapshot while the target has data: error with both newest versions, never a full send', () => {
  const p = plan({ job: J, src: 'tank @s1:g1 @s2:g2', dst: 'backup\nbackup/tank @a:g8 @b:g9', allowRollback: true });
  assert.deepEqual(lines(p, 'tank'), []);
  const diag = dsPlan(p, 'tank').diagnostics[0]!;
  assert.equal(diag.summary, "no common snapshot: none of backup/tank's snapshots is on the source");
  assert.equal(diag.conflict?.type, 'no_common_snapshot');
  if (diag.conflict?.type !== 'no_common_snapshot') return;
  assert.equal(diag.conflict.sourceNewest?.name, 's2');
  assert.equal(diag.conflict.targetNewest?.name, 'b');
});

test('a target that exists with no snapshots (not a placeholder) is refused: it would need receive -F', () => {
  const p = plan({ job: J, src: 'tank @s1:g1', dst: 'backup\nbackup/tank' });
  const diag = dsPlan(p, 'tank').diagnostics[0]!;
  assert.deepEqual([diag.severity, diag.summary, diag.detail], ['error', 'no common snapshot: backup/tank exists but has no snapshots', [
    'a full send would overwrite it (zfs receive -F), which zform never does: destroy or rename backup/tank if it should be replaced',
  ]]);
  assert.deepEqual(diag.conflict, { type: 'no_common_snapshot', sourceNewest: { dataset: 'tank', kind: 'snapshot', name: 's1', guid: G('g1'), createtxg: 11 }, targetNewest: null });
});

test('source with no snapshots and a target with some: source_has_no_snapshots', () => {
  const p = plan({ job: J, src: 'tank', dst: 'backup\nbackup/tank @s1:g1' });
  assert.deepEqual(dsPlan(p, 'tank').diagnostics.map((d) => d.conflict?.type), ['source_has_no_snapshots']);
});

test('source pruned down to its cursor bookmark: still up to date, no conflict', () => {
  const p = plan({ job: J, src: `tank #zform_CURSOR_G_${BigInt(G('g1')).toString(16)}_J_j:g1`, dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j]' });
  assert.deepEqual(dsPlan(p, 'tank').diagnostics, []);
  assert.deepEqual(lines(p, 'tank'), []);
});

test('conflicts never produce destroy lines on their own', () => {
  for (const s of [DIVERGED, { src: 'tank @s1:g1', dst: 'backup\nbackup/tank @a:g8' }, { src: 'tank @s1:g1', dst: 'backup\nbackup/tank written=1 @s1:g1' }]) {
    const p = plan({ job: J, ...s });
    assert.equal(dsPlan(p, 'tank').actions.length, 0);
    assert.equal(p.summary.destroys, 0);
    assert.ok(p.summary.errors >= 1);
  }
});
