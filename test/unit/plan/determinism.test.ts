// computePlan is pure: same input, same plan; input untouched; ids and order stable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePlan } from '../../../src/plan/compute.js';
import type { PlanInput } from '../../../src/plan/input.js';
import { G, NOW, config, cur, job, listing, token } from '../../support/dsl.js';

function input(): PlanInput {
  const a = job({ name: 'a', snapshotting: { prefix: 'zf_', intervalMs: 3600_000, timestampFormat: 'dense' } });
  const b = job({ name: 'b', filesystems: { 'zpool<': true }, target: { host: 'nas', rootFs: 'pool/b' } });
  return {
    config: config([a, b]),
    jobs: ['a', 'b'],
    inventories: {
      a: { source: listing(`tank @s1:g1 @s2:g2 #${cur('g1', 'a')}:g1\ntank/x @s1:g3\ntank/x/y @s1:g4`), target: listing('backup\nbackup/tank @s1:g1 token=T1') },
      b: { source: listing('zpool/q @s1:g5 @s2:g6\nzpool/r @s1:g7'), target: listing('pool\npool/b\npool/b/zpool\npool/b/zpool/q @s1:g5 @x:g8') },
    },
    resumeTokens: { T1: token({ toname: 'tank@s2', toguid: G('g2'), fromguid: G('g1') }) },
    now: NOW,
    zformVersion: '0.1.0',
    allowRollback: false,
  };
}

test('same input twice: deep-equal plans; the input is not mutated', () => {
  const i1 = input();
  const before = structuredClone(i1);
  const p1 = computePlan(i1);
  const p2 = computePlan(i1);
  assert.deepEqual(p1, p2);
  assert.deepEqual(i1, before);
  assert.deepEqual(computePlan(input()), p1);
});

test('mutating the plan does not reach the input (no shared objects)', () => {
  const i = input();
  const before = structuredClone(i);
  const p = computePlan(i);
  for (const j of p.jobs) for (const d of j.datasets) for (const a of d.actions) {
    if (a.kind === 'send') { a.receive.override.x = 'y'; a.receive.inherit.push('z'); a.flags.raw = !a.flags.raw; }
  }
  assert.deepEqual(i, before);
});

test('ids are "<job>:<n>" in execution order, unique; jobs in the order given; datasets parents first', () => {
  const p = computePlan(input());
  assert.deepEqual(p.jobs.map((j) => j.job), ['a', 'b']);
  for (const j of p.jobs) {
    const ids = [...j.snapshots, ...j.datasets.flatMap((d) => d.actions)].map((a) => a.id);
    assert.deepEqual(ids, ids.map((_, n) => `${j.job}:${n + 1}`));
  }
  assert.deepEqual(p.jobs[0]!.datasets.map((d) => d.source), ['tank', 'tank/x', 'tank/x/y']);
  assert.deepEqual(p.jobs[1]!.datasets.map((d) => d.source), ['zpool/q', 'zpool/r']);
  const reversed = computePlan({ ...input(), jobs: ['b', 'a'] });
  assert.deepEqual(reversed.jobs.map((j) => j.job), ['b', 'a']);
  assert.deepEqual(reversed.jobs[0], p.jobs[1], 'jobs are planned independently; ids count per job');
});

test('the plan header: format version, zform version, the clock given, the config file and digest', () => {
  const p = computePlan(input());
  assert.deepEqual([p.formatVersion, p.zformVersion, p.createdAt, p.configFile, p.configDigest], [2, '0.1.0', '2026-03-01T12:00:00.000Z', '/etc/zform/zform.yml', 'd'.repeat(64)]);
});

test('listing order does not change the plan', () => {
  const i = input();
  const shuffled: PlanInput = {
    ...i,
    inventories: Object.fromEntries(Object.entries(i.inventories).map(([k, v]) => [k, {
      source: { datasets: [...v.source.datasets].reverse(), versions: [...v.source.versions].reverse(), holds: [...v.source.holds].reverse() },
      target: v.target && { datasets: [...v.target.datasets].reverse(), versions: [...v.target.versions].reverse(), holds: [...v.target.holds].reverse() },
    }])),
  };
  assert.deepEqual(computePlan(shuffled), computePlan(i));
});
