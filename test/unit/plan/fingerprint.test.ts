// Fingerprints: what apply compares to refuse a stale saved plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeFingerprint, computeFingerprintText } from '../../../src/plan/fingerprint.js';
import { G, dsPlan, job, listing, plan } from '../../support/dsl.js';
import { renderPlanHuman } from '../../../src/views/plan-human.js';
import type { Plan } from '../../../src/plan/types.js';

test('the canonical text: existence, dataset GUID, resume token, versions in createtxg order', () => {
  const l = listing('tank/a guid=g9 token=T1 @s2:g2[txg=20] @s1:g1[txg=10] #b:g1');
  assert.equal(computeFingerprintText(l, 'tank/a'), [
    'zform-fingerprint 1', 'dataset tank/a', 'exists yes', `guid ${G('g9')}`, 'resume T1',
    `bookmark b ${G('g1')}`, `snapshot s1 ${G('g1')}`, `snapshot s2 ${G('g2')}`, '',
  ].join('\n'));
  assert.equal(computeFingerprintText(l, 'tank/missing'), 'zform-fingerprint 1\ndataset tank/missing\nexists no\n');
  assert.match(computeFingerprint(l, 'tank/a'), /^[0-9a-f]{64}$/);
});

test('changes with versions, GUIDs, names, tokens and existence; not with written, holds or other datasets', () => {
  const base = 'tank/a guid=g9 @s1:g1 @s2:g2';
  const fp = (text: string) => computeFingerprint(listing(text), 'tank/a');
  const ref = fp(base);
  for (const changed of ['tank/a guid=g9 @s1:g1', 'tank/a guid=g9 @s1:g1 @s2:g3', 'tank/a guid=g9 @s1:g1 @s3:g2', 'tank/a guid=g9 token=T @s1:g1 @s2:g2', 'tank/a guid=g8 @s1:g1 @s2:g2', 'tank/b', `${base} #b:g2`]) {
    assert.notEqual(fp(changed), ref, changed);
  }
  for (const same of [`${base.replace('@s2:g2', '@s2:g2[w=9M,hold=keep]')} written=5M`, `${base}\ntank/a/child @x`, `tank/b @z\n${base}`]) {
    assert.equal(fp(same), ref, same);
  }
});

test('each dataset plan records both sides (a placeholder-only plan: the target only)', () => {
  const p = plan({ job: job({ target: { host: 'nas', rootFs: 'backup' } }), src: 'tank/a @s1:g1', dst: 'backup' });
  const d = dsPlan(p, 'tank/a');
  assert.deepEqual(d.fingerprints.map((f) => [f.host, f.dataset]), [['local', 'tank/a'], ['nas', 'backup/tank/a']]);
  assert.equal(d.fingerprints[0]!.digest, computeFingerprint(listing('tank/a @s1:g1'), 'tank/a'));
  assert.equal(d.fingerprints[1]!.digest, computeFingerprint(listing('backup'), 'backup/tank/a'));
  assert.deepEqual(dsPlan(p, 'tank').fingerprints.map((f) => [f.host, f.dataset]), [['nas', 'backup/tank']]);
});

test('a plan only displayed (fingerprints: false) is the same plan with empty fingerprint lists, shown the same', () => {
  const LR = 'zform_last_received_J_j';
  const scenarios = [
    // a new dataset (with placeholders above it), one up to date, a target whose source is gone, one to destroy
    { job: job({ target: { host: 'nas', rootFs: 'backup' } }), src: 'tank/a/b @s1:g1\ntank/c @s1:g2', dst: `backup\nbackup/tank placeholder\nbackup/tank/c @s1:g2[hold=${LR}]\nbackup/tank/gone @x:g5` },
    { job: job({ target: { host: 'nas', rootFs: 'backup' }, replication: { destroyMissingMs: 86_400_000 } }), src: 'tank\ntank/keep @s1:g1', dst: `backup\nbackup/tank placeholder\nbackup/tank/keep @s1:g1[hold=${LR}]\nbackup/tank/gone @a:g5 @b:g6[hold=${LR}]` },
    { job: job(), src: 'tank/a @s1:g1 @s2:g2' },
  ];
  const strip = (p: Plan): Plan => ({ ...p, jobs: p.jobs.map((j) => ({ ...j, datasets: j.datasets.map((d) => ({ ...d, fingerprints: [] })) })) });
  for (const s of scenarios) {
    const full = plan(s);
    const shown = plan({ ...s, fingerprints: false });
    assert.ok(full.jobs.some((j) => j.datasets.some((d) => d.fingerprints.length > 0)));
    assert.deepEqual(shown, strip(full));
    for (const color of [false, true]) assert.equal(renderPlanHuman(shown, { color }), renderPlanHuman(full, { color }));
  }
});
