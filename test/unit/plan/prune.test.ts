// Pruning: keep rules (zrepl semantics) with a fixed clock, and how the planner turns them into
// destroy lines that never take what replication still needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PruneRule } from '../../../src/config/types.js';
import { parseGrid } from '../../../src/config/grid.js';
import { evaluateKeepRules, type PruneCandidate } from '../../../src/plan/prune-rules.js';
import { renderPlanHuman } from '../../../src/views/plan-human.js';
import { computePlan } from '../../../src/plan/compute.js';
import { actionsOf, config, dsPlan, job, lines, listing, plan, NOW } from '../../support/dsl.js';

const H = 3600;
const grid = (text: string, regex = '^zf_'): PruneRule => ({ type: 'grid', grid: parseGrid(text), gridText: text, regex });

/** Hourly candidates zf_<age>h, oldest first, the youngest created at `youngest` (unix seconds). */
function hourly(count: number, youngest = 1_800_000_000): PruneCandidate[] {
  return Array.from({ length: count }, (_, i) => {
    const age = count - 1 - i;
    return { name: `zf_${age}h`, creation: youngest - age * H };
  });
}
function destroyed(rules: PruneRule[], cands: PruneCandidate[], replicatedUpTo: number | null = null): Map<string, string> {
  const out = new Map<string, string>();
  for (const [c, why] of evaluateKeepRules(rules, cands, { replicatedUpTo })) out.set(c.name, why);
  return out;
}
const names = (m: Map<string, string>) => [...m.keys()].sort();

test('no rules keep everything', () => {
  assert.equal(evaluateKeepRules([], hourly(50), { replicatedUpTo: 10 }).size, 0);
});

test('grid: 1x1h(keep=all) | 24x1h | 30x1d over 750 hourly snapshots keeps 1 + 24 + 30, the oldest of each day bucket', () => {
  const c = hourly(750);
  const d = destroyed([grid('1x1h(keep=all) | 24x1h | 30x1d')], c);
  const kept = c.filter((x) => !d.has(x.name)).map((x) => Number(x.name.slice(3, -1)));
  // ages 0..24 h each in their own bucket; then day buckets [25h,49h) ... [721h,745h) keep their oldest (48h, 72h, ...)
  const expected = [...Array.from({ length: 25 }, (_, i) => i), ...Array.from({ length: 30 }, (_, k) => 48 + 24 * k)];
  assert.deepEqual(kept.sort((a, b) => a - b), expected.sort((a, b) => a - b));
  assert.equal(d.size, 750 - 55);
  assert.equal(d.get('zf_47h'), 'grid: bucket 1 of 30x1d full');
  assert.equal(d.get('zf_71h'), 'grid: bucket 2 of 30x1d full');
  assert.equal(d.get('zf_743h'), 'grid: bucket 30 of 30x1d full');
  assert.equal(d.has('zf_744h'), false);
  assert.equal(d.get('zf_745h'), 'grid: older than the grid (31d1h)');
  assert.equal(d.get('zf_749h'), 'grid: older than the grid (31d1h)');
});

test('grid: "now" is the youngest matching snapshot, not the clock; keep=K keeps the K oldest; non-matching go', () => {
  const base = 1_800_000_000;
  const c: PruneCandidate[] = [
    { name: 'zf_a', creation: base - 10 * H },
    { name: 'manual', creation: base - 9 * H },
    { name: 'zf_b', creation: base - 9.5 * H },
    { name: 'zf_c', creation: base - 9.2 * H },
    { name: 'zf_d', creation: base - 8 * H },
  ];
  // now = zf_d; bucket 1 = ages [0, 2h): zf_d, zf_c(1.2h), zf_b(1.5h), zf_a (2h) is bucket 2
  const d = destroyed([grid('2x2h(keep=2)')], c);
  assert.deepEqual(names(d), ['manual', 'zf_d']);
  assert.equal(d.get('manual'), 'grid: does not match ^zf_');
  assert.equal(d.get('zf_d'), 'grid: bucket 1 of 2x2h(keep=2) full');
});

test('grid: a bucket boundary belongs to the older bucket (age exactly one interval)', () => {
  const c = hourly(3); // ages 2h, 1h, 0h
  assert.deepEqual(names(destroyed([grid('2x1h')], c)), ['zf_2h']);
});

test('last_n keeps the newest N (matching the regex when given); ties by creation then createtxg', () => {
  const c = hourly(6);
  const d = destroyed([{ type: 'last_n', count: 2 }], c);
  assert.deepEqual(names(d), ['zf_2h', 'zf_3h', 'zf_4h', 'zf_5h']);
  assert.equal(d.get('zf_5h'), 'last_n: not among the newest 2');
  const m = [...c, { name: 'other', creation: 1_800_000_000 + 10 }];
  const dm = destroyed([{ type: 'last_n', count: 3, regex: '^zf_' }], m);
  assert.equal(dm.get('other'), 'last_n: does not match ^zf_');
  assert.equal(dm.get('zf_3h'), 'last_n: not among the newest 3 matching');
  assert.equal(dm.has('zf_2h'), false);
});

test('regex keeps matching names; negate keeps the others', () => {
  const c = [...hourly(2), { name: 'keep-me', creation: 1 }];
  assert.deepEqual(names(destroyed([{ type: 'regex', regex: '^keep', negate: false }], c)), ['zf_0h', 'zf_1h']);
  const d = destroyed([{ type: 'regex', regex: '^keep', negate: true }], c);
  assert.deepEqual(names(d), ['keep-me']);
  assert.equal(d.get('keep-me'), 'regex: matches ^keep (negate)');
});

test('not_replicated keeps what is newer than the replication position, and the one at it unless told not to', () => {
  const c = hourly(5); // zf_4h .. zf_0h; position 2 = zf_2h
  assert.deepEqual(names(destroyed([{ type: 'not_replicated', keepSnapshotAtCursor: true }], c, 2)), ['zf_3h', 'zf_4h']);
  const d = destroyed([{ type: 'not_replicated', keepSnapshotAtCursor: false }], c, 2);
  assert.deepEqual(names(d), ['zf_2h', 'zf_3h', 'zf_4h']);
  assert.equal(d.get('zf_2h'), 'not_replicated: replicated, at the cursor (keep_snapshot_at_cursor: false)');
  assert.equal(destroyed([{ type: 'not_replicated', keepSnapshotAtCursor: false }], c, null).size, 0, 'nothing replicated: all kept');
});

test('rules combine: destroyed only if no rule keeps it, with every rule\'s reason', () => {
  const c = hourly(6);
  const d = destroyed([{ type: 'last_n', count: 1 }, { type: 'not_replicated', keepSnapshotAtCursor: true }, { type: 'regex', regex: '^zf_[13]h$', negate: false }], c, 3);
  // last_n keeps zf_0h; not_replicated keeps zf_2h.. (position 3 = zf_2h) ; regex keeps zf_1h, zf_3h
  assert.deepEqual(names(d), ['zf_4h', 'zf_5h']);
  assert.equal(d.get('zf_5h'), 'last_n: not among the newest 1; not_replicated: replicated; regex: does not match ^zf_[13]h$');
});

// ---- the planner ----

/** `@zf_<i>` hourly source snapshots ending one hour before NOW (12:00), GUIDs g1..gn, with [opts] per index. */
function hourlyDsl(n: number, opts: (i: number) => string = () => ''): string {
  return Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    const c = new Date(NOW.getTime() - (n - k) * H * 1000).toISOString();
    const extra = opts(i);
    return `@zf_${i}:g${i}[c=${c}${extra ? ',' + extra : ''}]`;
  }).join(' ');
}

test('a snapshot-only job prunes its source, counting the snapshot this plan takes', () => {
  const p = plan({
    job: job({ target: null, filesystems: { tank: true }, snapshotting: { prefix: 'zf_', intervalMs: H * 1000, timestampFormat: 'dense' }, pruning: { keepSource: [{ type: 'last_n', count: 3 }] } }),
    src: `tank ${hourlyDsl(5)}`,
  });
  const [d] = actionsOf(p, 'tank', 'destroy_snapshots');
  assert.deepEqual(d!.snapshots.map((s) => [s.ref.name, s.reason]), [['zf_1', 'last_n: not among the newest 3'], ['zf_2', 'last_n: not among the newest 3'], ['zf_3', 'last_n: not among the newest 3']]);
  assert.deepEqual(d!.assumes?.map((r) => r.name), ['zf_20260301_120000_000'], 'apply skips the destroy if the new snapshot was not taken');
  assert.equal(d!.side, 'source');
  assert.equal(p.summary.destroys, 3);
});

test('incremental replication then pruning, after the sends: the target keeps its newest, the source what the rules keep', () => {
  const p = plan({
    job: job({ pruning: { keepSource: [{ type: 'not_replicated', keepSnapshotAtCursor: false }], keepTarget: [{ type: 'last_n', count: 1 }] } }),
    src: `tank ${hourlyDsl(6)}`,
    dst: `backup\nbackup/tank @zf_1:g1 @zf_2:g2 @zf_3:g3[hold=zform_last_received_J_j]`,
  });
  const l = lines(p, 'tank');
  // -I zf_3 -> zf_6; then source: everything up to the new position zf_6 goes (zf_6 too: the cursor bookmark
  // made on it before keeps the next send incremental); the target keeps its newest
  assert.deepEqual(l.filter((x) => x.startsWith('destroy') && !x.includes('#')), [
    'destroy tank@zf_1,@zf_2,@zf_3,@zf_4,@zf_5,@zf_6',
    'destroy backup/tank@zf_1,@zf_2,@zf_3,@zf_4,@zf_5',
  ]);
  const [src, tgt] = actionsOf(p, 'tank', 'destroy_snapshots');
  assert.equal(src!.snapshots[0]!.reason, 'not_replicated: replicated');
  assert.equal(tgt!.side, 'target');
  // pruning comes after the sends of the chain
  const kinds = dsPlan(p, 'tank').actions.map((a) => a.kind);
  assert.ok(kinds.lastIndexOf('send') < kinds.indexOf('destroy_snapshots'));
});

test('held snapshots are never destroyed; foreign holds are reported, this job\'s released holds are not', () => {
  const p = plan({
    job: job({ target: null, filesystems: { tank: true }, pruning: { keepSource: [{ type: 'last_n', count: 1 }] } }),
    src: `tank ${hourlyDsl(4, (i) => (i === 1 ? 'hold=keep' : ''))}`,
  });
  assert.deepEqual(lines(p, 'tank'), ['destroy tank@zf_2,@zf_3']);
  const w = dsPlan(p, 'tank').diagnostics.filter((d) => d.severity === 'warning');
  assert.equal(w.length, 1);
  assert.match(w[0]!.summary, /pruning keeps 1 source snapshot\(s\) of tank that no rule keeps, because they are held/);
  assert.deepEqual(w[0]!.detail, ['@zf_1: keep (zform never releases holds it did not place)']);
});

test('snapshots with clones are never destroyed (zfs destroy refuses them), on either side, nor as empty; a warning names them', () => {
  const p = plan({
    job: job({ pruning: { keepSource: [{ type: 'last_n', count: 1 }], keepTarget: [{ type: 'last_n', count: 1 }], destroyEmpty: true } }),
    src: `tank ${hourlyDsl(4, (i) => (i === 2 ? 'clones=2' : i === 3 ? 'w=0,clones=1' : ''))}`,
    dst: `backup\nbackup/tank ${hourlyDsl(4, (i) => (i === 1 ? 'clones=1' : i === 4 ? 'hold=zform_last_received_J_j' : ''))}`,
  });
  assert.deepEqual(lines(p, 'tank').filter((l) => l.startsWith('destroy')), ['destroy tank@zf_1', 'destroy backup/tank@zf_2,@zf_3']);
  const w = dsPlan(p, 'tank').diagnostics.filter((d) => d.severity === 'warning');
  assert.deepEqual(w.map((d) => d.summary), [
    'pruning keeps 2 source snapshot(s) of tank that no rule keeps, because datasets were cloned from them',
    'pruning keeps 1 target snapshot(s) of backup/tank that no rule keeps, because datasets were cloned from them',
  ]);
  assert.deepEqual(w[0]!.detail, [
    '@zf_2: 2 clone(s) (zfs get clones tank@zf_2)',
    '@zf_3: 1 clone(s) (zfs get clones tank@zf_3)',
    'zfs destroy refuses a snapshot with clones, and zform never destroys a clone: once a clone is no longer needed, destroy it and pruning goes on',
  ]);
  assert.match(renderPlanHuman(p, { color: false }), /Warning: pruning keeps 1 target snapshot\(s\) of backup\/tank that no rule keeps, because datasets were cloned from them/);
});

test('destroy_empty never takes an empty snapshot a clone was made from; the next empty one still goes, its state kept there', () => {
  const p = plan({
    job: job({ target: null, filesystems: { tank: true }, pruning: { keepSource: [{ type: 'last_n', count: 10 }], destroyEmpty: true } }),
    src: `tank ${hourlyDsl(5, (i) => (i === 1 || i === 5 ? 'w=1M' : i === 3 ? 'w=0,clones=1' : 'w=0'))}`,
  });
  const [d] = actionsOf(p, 'tank', 'destroy_snapshots');
  assert.deepEqual(d!.snapshots.map((s) => [s.ref.name, s.reason]), [
    ['zf_2', 'empty: written 0 since @zf_1 (pruning.destroy_empty)'],
    ['zf_4', 'empty: written 0 since @zf_3 (pruning.destroy_empty)'],
  ]);
  // kept by the rules, so no warning: the clone only stops destroy_empty
  assert.deepEqual(dsPlan(p, 'tank').diagnostics, []);
});

test('target: the last-received hold moves to the new newest, so the old one may go; the new newest stays', () => {
  const p = plan({
    job: job({ pruning: { keepTarget: [{ type: 'last_n', count: 1 }] } }),
    src: `tank ${hourlyDsl(3)}`,
    dst: `backup\nbackup/tank @zf_1:g1 @zf_2:g2[hold=zform_last_received_J_j]`,
  });
  const [tgt] = actionsOf(p, 'tank', 'destroy_snapshots');
  assert.deepEqual(tgt!.snapshots.map((s) => s.ref.name), ['zf_1', 'zf_2'], 'zf_2 was the send\'s base; the send comes first');
  assert.equal(dsPlan(p, 'tank').diagnostics.length, 0);
});

test('a diverged (blocked) target is never pruned; its source still is, keeping the common snapshot under guarantee_nothing', () => {
  const p = plan({
    job: job({ replication: { protection: { incremental: 'guarantee_nothing' } }, pruning: { keepSource: [{ type: 'last_n', count: 1 }], keepTarget: [{ type: 'last_n', count: 1 }] } }),
    src: `tank ${hourlyDsl(4)}`,
    dst: `backup\nbackup/tank @zf_1:g1 @zf_2:g2 @other:g99`,
  });
  assert.deepEqual(lines(p, 'tank'), ['destroy tank@zf_1,@zf_3']);
  assert.ok(dsPlan(p, 'tank').diagnostics.some((d) => d.conflict?.type === 'diverged'));
});

test('pruning sees what the sends deliver: an initial replication of all snapshots prunes the target by the grid', () => {
  const p = plan({
    job: job({ replication: { initial: 'all' }, pruning: { keepTarget: [grid('2x1h')] } }),
    src: `tank ${hourlyDsl(5)}`,
    dst: 'backup',
  });
  const [tgt] = actionsOf(p, 'tank', 'destroy_snapshots');
  assert.deepEqual(tgt!.snapshots.map((s) => [s.ref.dataset, s.ref.name, s.reason]), [
    ['backup/tank', 'zf_1', 'grid: older than the grid (2h)'],
    ['backup/tank', 'zf_2', 'grid: older than the grid (2h)'],
    ['backup/tank', 'zf_3', 'grid: older than the grid (2h)'],
  ]);
  const l = lines(p, 'tank');
  assert.deepEqual(l.filter((x) => x.startsWith('send')), ['send full tank@zf_1', 'send -I tank@zf_1 -> @zf_5 [zf_2,zf_3,zf_4,zf_5]']);
  assert.ok(l.findIndex((x) => x.startsWith('destroy backup/tank@zf_1')) > l.findIndex((x) => x.startsWith('send -I')), 'the base goes only after its send');
});

test('a rollback\'s destroyed snapshots are not pruned again; nothing is pruned when the target side was not listed', () => {
  const p = plan({
    allowRollback: true,
    job: job({ pruning: { keepTarget: [{ type: 'last_n', count: 1 }] } }),
    src: `tank ${hourlyDsl(3)}`,
    dst: `backup\nbackup/tank @zf_1:g1 @zf_2:g2 @x:g50`,
  });
  const [tgt] = actionsOf(p, 'tank', 'destroy_snapshots');
  assert.deepEqual(tgt!.snapshots.map((s) => s.ref.name), ['zf_1', 'zf_2'], '@x goes with the rollback, not twice');
  const j = job({ pruning: { keepSource: [{ type: 'last_n', count: 1 }] } });
  const unlisted = computePlan({
    config: config([j]), jobs: ['j'], inventories: { j: { source: listing(`tank ${hourlyDsl(3)}`), target: null } },
    resumeTokens: {}, now: NOW, zformVersion: 't', allowRollback: false,
  });
  assert.deepEqual(unlisted.jobs[0]!.datasets.flatMap((d) => d.actions).filter((a) => a.kind === 'destroy_snapshots'), []);
  assert.match(unlisted.jobs[0]!.diagnostics[0]!.summary, /target of job j was not listed/);
});

test('the human plan shows one line per destroyed snapshot with its reasons', () => {
  const p = plan({
    job: job({ target: null, filesystems: { tank: true }, pruning: { keepSource: [grid('1x1h(keep=all) | 2x1h'), { type: 'last_n', count: 1 }] } }),
    src: `tank ${hourlyDsl(5)}`,
  });
  const text = renderPlanHuman(p, { color: false });
  assert.match(text, /^ {2,}- destroy tank@zf_1 {2}\(grid: older than the grid \(3h\); last_n: not among the newest 1\)$/m);
  assert.match(text, /^ {2,}- destroy tank@zf_2 {2}\(grid: older than the grid \(3h\); last_n: not among the newest 1\)$/m);
  assert.doesNotMatch(text, /destroy tank@zf_3/);
  assert.match(text, /Plan: .*2 destroys/);
});
