// Snapshots due per interval, named at plan time, one atomic batch per pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dsPlan, job, lines, plan } from '../../support/dsl.js';

const HOURLY = { prefix: 'zf_', intervalMs: 3600_000, timestampFormat: 'dense' as const };
const NAME = 'zf_20260301_120000_000'; // NOW = 2026-03-01T12:00:00Z

test('due when the newest prefix snapshot is at least one interval old, or there is none', () => {
  const p = plan({
    job: job({ filesystems: { '<': true }, target: null, snapshotting: HOURLY }),
    src: `
      tank/old @zf_a[c=2026-03-01T10:00:00Z]
      tank/exact @zf_a[c=2026-03-01T11:00:00Z]
      tank/fresh @zf_a[c=2026-03-01T11:30:00Z]
      tank/none @manual[c=2026-03-01T11:59:00Z]
      tank/newest-by-txg @zf_b[c=2026-03-01T11:50:00Z] @zf_a[c=2026-03-01T08:00:00Z]
    `,
  });
  // "newest" is by createtxg: tank/newest-by-txg's newest zf_ snapshot is @zf_a (4 h old)
  assert.deepEqual(lines(p, 'snapshots'), [`snapshot tank/exact@${NAME} tank/newest-by-txg@${NAME} tank/none@${NAME} tank/old@${NAME}`]);
});

test('one atomic snapshot action per pool, pools and datasets in path order; placeholders skipped', () => {
  const p = plan({
    job: job({ filesystems: { '<': true }, target: null, snapshotting: HOURLY }),
    src: 'zpool/b\nzpool/a\ntank\ntank/x placeholder\ntank/x/y',
  });
  assert.deepEqual(lines(p, 'snapshots'), [
    `snapshot tank@${NAME} tank/x/y@${NAME}`,
    `snapshot zpool/a@${NAME} zpool/b@${NAME}`,
  ]);
  assert.deepEqual(p.jobs[0]!.snapshots.map((a) => a.kind === 'snapshot' ? [a.pool, a.host, a.side, a.id] : []), [['tank', 'local', 'source', 'j:1'], ['zpool', 'local', 'source', 'j:2']]);
  assert.equal(p.summary.snapshots, 4);
});

test('each timestamp format', () => {
  const names = (['dense', 'human', 'iso-8601', 'unix-seconds'] as const).map((f) =>
    lines(plan({ job: job({ filesystems: { tank: true }, target: null, snapshotting: { prefix: 'p-', intervalMs: 1, timestampFormat: f } }), src: 'tank' }), 'snapshots')[0]);
  assert.deepEqual(names, ['snapshot tank@p-20260301_120000_000', 'snapshot tank@p-2026-03-01_12:00:00', 'snapshot tank@p-2026-03-01T12:00:00.000Z', 'snapshot tank@p-1772366400']);
});

test('a snapshot of the same name already there: skipped with a warning on that dataset', () => {
  const p = plan({ job: job({ filesystems: { '<': true }, target: null, snapshotting: { prefix: 'p', intervalMs: 0, timestampFormat: 'unix-seconds' } }), src: 'tank @p1772366400\ntank/b' });
  assert.deepEqual(lines(p, 'snapshots'), ['snapshot tank/b@p1772366400']);
  assert.deepEqual(dsPlan(p, 'tank').diagnostics.map((d) => [d.severity, d.summary]), [['warning', 'tank@p1772366400 already exists: no new snapshot this run']]);
});

test('no snapshotting configured: nothing due; a job without a target lists its datasets with no actions', () => {
  const p = plan({ job: job({ filesystems: { '<': true }, target: null }), src: 'tank @a\ntank/b' });
  assert.deepEqual(p.jobs[0]!.snapshots, []);
  assert.deepEqual(p.jobs[0]!.datasets.map((d) => [d.source, d.target, d.actions.length, d.fingerprints.length]), [['tank', null, 0, 1], ['tank/b', null, 0, 1]]);
  assert.equal(p.jobs[0]!.targetHost, null);
});

test('a due dataset with a conflict is still snapshotted', () => {
  const p = plan({ job: job({ snapshotting: HOURLY }), src: 'tank @s1:g1', dst: 'backup\nbackup/tank @x:g9' });
  assert.deepEqual(lines(p, 'snapshots'), [`snapshot tank@${NAME}`]);
  assert.deepEqual(lines(p, 'tank'), []);
});
