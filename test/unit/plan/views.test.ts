// The human plan view: legend, host labels, colour, grouping, summary and error lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPlanHuman, renderSummaryCounts } from '../../../src/views/plan-human.js';
import { blockedDatasets } from '../../../src/plan/queries.js';
import { emptySummary } from '../../../src/plan/summary.js';
import { G, cur, job, plan, token } from '../../support/dsl.js';
import { blockedPlan, richPlan, upToDatePlan } from './scenarios.js';

const incremental = () => plan({ job: job({ filesystems: { tank: true }, target: { host: 'nas' } }), src: `tank @s1:g1 @s2:g2 @s3:g3 #${cur('g1')}:g1`, dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j]' });

test('the legend lists only the symbols used, in Terraform order', () => {
  const text = renderPlanHuman(incremental(), { color: false });
  assert.ok(text.startsWith('Actions are indicated with the following symbols:\n  + create\n  ~ send/update\n  - destroy\n\nzform will perform the following actions:\n'), text);
  const rollback = renderPlanHuman(plan({ job: job({ filesystems: { tank: true } }), allowRollback: true, src: `tank @s1:g1 #${cur('g1')}:g1`, dst: 'backup\nbackup/tank written=1 @s1:g1[hold=zform_last_received_J_j]' }), { color: false });
  assert.ok(rollback.startsWith('Actions are indicated with the following symbols:\n-/+ replace\n\n'), rollback);
});

test('names on a non-local host carry the host, unless host labels are off', () => {
  const p = incremental();
  assert.match(renderPlanHuman(p, { color: false }), /\+ hold zform_last_received_J_j on nas:backup\/tank@s3\n/);
  const plain = renderPlanHuman(p, { color: false, hostLabels: false });
  assert.match(plain, /\+ hold zform_last_received_J_j on backup\/tank@s3\n/);
  assert.doesNotMatch(plain, /nas:/);
});

test('each send is shown with its protection lines; steps are separated', () => {
  const text = renderPlanHuman(incremental(), { color: false });
  assert.ok(text.includes([
    '  # tank → nas:backup/tank',
    '    + hold zform_STEP_J_j on tank@s1, @s2, @s3',
    '    ~ send incremental tank@s1 → @s3 to nas:backup/tank (-I with @s2, ~2.0 MiB)',
    '        batched -I (2 snapshots): guarantee_resumability holds every snapshot in the range',
    '    + hold zform_last_received_J_j on nas:backup/tank@s3',
    '    - release zform_last_received_J_j on nas:backup/tank@s1',
    '        superseded by the last-received hold on @s3',
    `    + bookmark tank@s3 as #${cur('g3')}`,
    `    - destroy tank#${cur('g1')}`,
    '        superseded by the replication cursor on @s3',
    '    - release zform_STEP_J_j on tank@s1, @s2, @s3',
    '        step to @s3 complete',
    '',
    'Plan: 1 send (2.0 MiB), 2 holds, 2 releases, 1 bookmark, 1 destroy.',
  ].join('\n')), text);
});

test('colour only when asked: ANSI escapes with color, none without', () => {
  const p = richPlan();
  assert.match(renderPlanHuman(p, { color: true }), /\u001b\[3\dm/);
  assert.doesNotMatch(renderPlanHuman(p, { color: false }), /\u001b\[/);
});

test('no changes, and no changes with errors', () => {
  assert.equal(renderPlanHuman(upToDatePlan(), { color: false }), 'No changes. ZFS matches the configuration.\n');
  const text = renderPlanHuman(blockedPlan(), { color: false });
  assert.ok(text.endsWith('No changes planned.\n2 datasets cannot proceed (see the errors above).\n'), text);
  assert.doesNotMatch(text, /symbols/);
  assert.equal(blockedDatasets(blockedPlan()), 2);
});

test('a conflict block shows its evidence: common ancestor, source-only and target-only versions with GUID and createtxg', () => {
  const p = plan({ job: job({ filesystems: { tank: true }, target: { host: 'nas' } }), src: 'tank @s1:g1 @s2:g2', dst: 'backup\nbackup/tank @s1:g1 @x:g7' });
  const text = renderPlanHuman(p, { color: false });
  assert.equal(text, [
    "Error: target diverged: backup/tank's newest snapshot @x is not on the source",
    '  on job j, dataset tank',
    `  common ancestor: tank@s1 (guid ${G('g1')}, createtxg 11)`,
    '  only on the source:',
    `      tank@s2 (guid ${G('g2')}, createtxg 21)`,
    '  only on the target:',
    `      nas:backup/tank@x (guid ${G('g7')}, createtxg 22)`,
    '  zform never destroys target snapshots on its own: --allow-rollback (or replication.allow_rollback) would roll backup/tank back to @s1, destroying 1 snapshot',
    '',
    'No changes planned.',
    '1 dataset cannot proceed (see the errors above).',
    '',
  ].join('\n'));
});

test('summary counts: non-zero only, pluralised, sizes with unknown ones', () => {
  assert.equal(renderSummaryCounts({ ...emptySummary(), snapshots: 2, sends: 5, sendBytes: 12.4 * 1024 ** 3, holds: 3, destroys: 1 }, 0), '2 snapshots, 5 sends (12.4 GiB), 3 holds, 1 destroy');
  assert.equal(renderSummaryCounts({ ...emptySummary(), sends: 2, sendBytes: 1024, aborts: 2, rollbacks: 1, placeholders: 1, releases: 1, bookmarks: 2 }, 1), '2 sends (1.0 KiB + 1 of unknown size), 1 placeholder, 1 release, 2 bookmarks, 1 rollback, 2 aborted receives');
  assert.equal(renderSummaryCounts({ ...emptySummary(), sends: 1 }, 1), '1 send (size unknown)');
  const p = plan({ job: job({ filesystems: { tank: true } }), src: 'tank @s1:g1 @s2:g2', dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j] token=T', tokens: { T: token({ toname: 'tank@s2', toguid: G('g2'), fromguid: G('g1') }) } });
  assert.match(renderPlanHuman(p, { color: false }), /\nPlan: 1 send \(size unknown\), 2 holds, 2 releases, 1 bookmark\.\n$/);
});

test('the job header names its hosts and totals; up-to-date datasets are counted, not listed', () => {
  const p = plan({ job: job({ filesystems: { 'tank<': true }, target: { host: 'nas' } }), src: `tank @s1:g1 #${cur('g1')}:g1\ntank/a @s1:g2 @s2:g3`, dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j]\nbackup/tank/a @s1:g2' });
  const text = renderPlanHuman(p, { color: false });
  assert.match(text, /\n# job j \(local → nas\): 1 send \(1\.0 MiB\), 2 holds, 1 release, 1 bookmark; 1 dataset up to date\n/);
  assert.doesNotMatch(text, /# tank →/);
});
