// Holds and bookmarks of this job: placed around steps, moved after them, stale ones cleaned up, others' untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionsOf, cur, dsPlan, job, lines, plan, tent } from '../../support/dsl.js';
import type { ProtectionMode } from '../../../src/config/types.js';

const mode = (m: ProtectionMode, inc: ProtectionMode = m) => job({ filesystems: { tank: true }, replication: { protection: { initial: m, incremental: inc } } });

test('on-disk names: step hold, last-received hold, cursor and tentative cursor of this job', () => {
  const p = plan({ job: mode('guarantee_resumability'), src: 'tank @s1:g1 @s2:g2', dst: 'backup\nbackup/tank @s1:g1' });
  assert.deepEqual(actionsOf(p, 'tank', 'hold').map((h) => [h.tag, h.role, h.host, h.side]), [
    ['zform_STEP_J_j', 'step', 'local', 'source'],
    ['zform_last_received_J_j', 'last_received', 'local', 'target'],
  ]);
  assert.deepEqual(actionsOf(p, 'tank', 'bookmark').map((b) => [b.role, b.bookmark]), [['cursor', 'zform_CURSOR_G_8ac7230489e80002_J_j']]);
  const q = plan({ job: mode('guarantee_incremental'), src: 'tank @s1:g1 @s2:g2', dst: 'backup\nbackup/tank @s1:g1' });
  assert.deepEqual(actionsOf(q, 'tank', 'bookmark').map((b) => [b.role, b.bookmark]), [
    ['tentative_cursor', 'zform_CURSORTENTATIVE_G_8ac7230489e80001_J_j'],
    ['tentative_cursor', 'zform_CURSORTENTATIVE_G_8ac7230489e80002_J_j'],
    ['cursor', 'zform_CURSOR_G_8ac7230489e80002_J_j'],
  ]);
});

test('guarantee_resumability: no new hold on a snapshot that already has this job\'s step hold', () => {
  const p = plan({ job: mode('guarantee_resumability'), src: 'tank @s1:g1[hold=zform_STEP_J_j] @s2:g2', dst: 'backup\nbackup/tank @s1:g1' });
  assert.deepEqual(lines(p, 'tank').slice(0, 2), ['hold step tank@s2', 'send -i tank@s1 -> @s2']);
  assert.equal(lines(p, 'tank').at(-1), 'release step tank@s1,@s2');
});

test('guarantee_incremental: no tentative cursor on `from` when it already has this job\'s cursor', () => {
  const p = plan({ job: mode('guarantee_incremental'), src: `tank @s1:g1 @s2:g2 #${cur('g1')}:g1`, dst: 'backup\nbackup/tank @s1:g1' });
  assert.deepEqual(lines(p, 'tank').slice(0, 2), ['bookmark tentative tank@s2', 'send -i tank@s1 -> @s2']);
});

test('guarantee_incremental releases step holds a previous guarantee_resumability run left', () => {
  const p = plan({ job: mode('guarantee_incremental'), src: `tank @s1:g1[hold=zform_STEP_J_j] @s2:g2 #${cur('g1')}:g1`, dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j]' });
  assert.deepEqual(lines(p, 'tank'), [
    'bookmark tentative tank@s2',
    'send -i tank@s1 -> @s2',
    'hold last_received backup/tank@s2',
    'release last_received backup/tank@s1',
    'bookmark cursor tank@s2',
    'destroy tank#cursor(g1),#tentative(g2)',
    'release step tank@s1',
  ]);
});

test('guarantee_nothing creates nothing and removes every abstraction of this job on both sides', () => {
  const p = plan({
    job: mode('guarantee_nothing'),
    src: `tank @s1:g1[hold=zform_STEP_J_j+keep] @s2:g2 #${cur('g1')}:g1 #${tent('g2')}:g2 #${cur('g1', 'other')}:g1`,
    dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j+zform_last_received_J_other]',
  });
  assert.deepEqual(lines(p, 'tank'), [
    'send -i tank@s1 -> @s2',
    'release last_received backup/tank@s1',
    'destroy tank#cursor(g1),#tentative(g2)',
    'release step tank@s1',
  ]);
  const [release] = actionsOf(p, 'tank', 'release');
  assert.equal(release!.reason, 'guarantee_nothing keeps no last-received hold');
});

test('guarantee_nothing on an up-to-date dataset: only the cleanup', () => {
  const p = plan({ job: mode('guarantee_nothing'), src: `tank @s1:g1[hold=zform_STEP_J_j] #${cur('g1')}:g1`, dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j]' });
  assert.deepEqual(lines(p, 'tank'), ['release last_received backup/tank@s1', 'destroy tank#cursor(g1)', 'release step tank@s1']);
  const clean = plan({ job: mode('guarantee_nothing'), src: 'tank @s1:g1', dst: 'backup\nbackup/tank @s1:g1' });
  assert.deepEqual(lines(clean, 'tank'), []);
});

test('a guarantee_resumability full send followed by guarantee_nothing incrementals', () => {
  const p = plan({ job: job({ filesystems: { tank: true }, replication: { initial: 'all', protection: { initial: 'guarantee_resumability', incremental: 'guarantee_nothing' } } }), src: 'tank @s1:g1 @s2:g2', dst: 'backup' });
  assert.deepEqual(lines(p, 'tank'), [
    'hold step tank@s1',
    'send full tank@s1',
    'hold last_received backup/tank@s1',
    'bookmark cursor tank@s1',
    'release step tank@s1',
    'send -i tank@s1 -> @s2',
    'release last_received backup/tank@s1',
    'destroy tank#cursor(g1)',
  ]);
  const [, , , , , , , destroy] = dsPlan(p, 'tank').actions;
  assert.equal(destroy!.kind, 'destroy_bookmarks');
  if (destroy!.kind === 'destroy_bookmarks') assert.deepEqual(destroy.bookmarks.map((b) => [b.name, b.guid]), [[cur('g1'), '10000000000000000001']]);
});

test('stale abstractions on an up-to-date dataset: step holds, tentative cursors, other cursors, older last-received holds', () => {
  const p = plan({
    job: mode('guarantee_resumability'),
    src: `tank @s1:g1[hold=zform_STEP_J_j] @s2:g2[hold=zform_STEP_J_j] #${cur('g1')}:g1 #${cur('g2')}:g2 #${tent('g2')}:g2`,
    dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j] @s2:g2[hold=zform_last_received_J_j]',
  });
  assert.deepEqual(lines(p, 'tank'), [
    'release last_received backup/tank@s1',
    'destroy tank#cursor(g1),#tentative(g2)',
    'release step tank@s1,@s2',
  ]);
  assert.deepEqual(dsPlan(p, 'tank').actions.map((a) => 'reason' in a ? a.reason : ''), [
    "stale: the target's newest snapshot is @s2",
    "stale: the replication cursor belongs on @s2, the target's newest snapshot",
    'stale: no step in flight',
  ]);
});

test('a missing cursor or last-received hold on an up-to-date dataset is repaired (an interrupted apply, or adoption)', () => {
  const p = plan({ job: mode('guarantee_incremental'), src: `tank @s1:g1 @s2:g2 #${cur('g1')}:g1`, dst: 'backup\nbackup/tank @s1:g1 @s2:g2' });
  assert.deepEqual(lines(p, 'tank'), ['hold last_received backup/tank@s2', 'bookmark cursor tank@s2', 'destroy tank#cursor(g1)']);
});

test('with the target\'s newest snapshot gone from the source, its cursor is kept; else the newest cursor', () => {
  const p = plan({ job: mode('guarantee_resumability'), src: `tank #${cur('g1')}:g1[txg=5] #${cur('g2')}:g2[txg=9]`, dst: 'backup\nbackup/tank @s1:g1 @s2:g2[hold=zform_last_received_J_j]' });
  assert.deepEqual(lines(p, 'tank'), ['destroy tank#cursor(g1)']);
  const q = plan({ job: mode('guarantee_resumability'), src: `tank #${cur('g0')}:g0[txg=3] #${cur('g1')}:g1[txg=5] #mine:g2[txg=9]`, dst: 'backup\nbackup/tank @s1:g1 @s2:g2[hold=zform_last_received_J_j]' });
  assert.deepEqual(lines(q, 'tank'), ['destroy tank#cursor(g0)'], 'only a user bookmark at the newest: the newest cursor stays');
});

test('a bookmark whose name claims another GUID than its own is not this job\'s: untouched', () => {
  const p = plan({ job: mode('guarantee_resumability'), src: `tank @s1:g1 #${cur('g1')}:g1 #${cur('g7')}:g3`, dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j]' });
  assert.deepEqual(lines(p, 'tank'), []);
});

test('foreign holds and other jobs\' holds and bookmarks are never touched', () => {
  const p = plan({
    job: mode('guarantee_resumability'),
    src: `tank @s1:g1[hold=keep+zform_STEP_J_other] @s2:g2[hold=zform_STEP_J_j2] #${cur('g1', 'other')}:g1 #${tent('g1', 'other')}:g1 #${cur('g1')}:g1`,
    dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_other+zform_last_received_J_j+backup_tool]',
  });
  const all = lines(p, 'tank');
  assert.ok(!all.some((l) => /other|j2|keep|backup_tool/.test(l)), all.join(' | '));
  assert.deepEqual(actionsOf(p, 'tank', 'release').map((r) => r.tag), ['zform_last_received_J_j', 'zform_STEP_J_j']);
  assert.deepEqual(actionsOf(p, 'tank', 'destroy_bookmarks').map((d) => d.bookmarks.map((b) => b.name)), [[cur('g1')]]);
});

test('held source snapshots are fine to send', () => {
  const p = plan({ job: mode('guarantee_resumability'), src: 'tank @s1:g1[hold=keep] @s2:g2[hold=keep]', dst: 'backup\nbackup/tank @s1:g1' });
  assert.equal(lines(p, 'tank')[1], 'send -i tank@s1 -> @s2');
});
