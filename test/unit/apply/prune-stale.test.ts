// A saved plan with pruning lines is fresh right after it was made (the planner must not change what it listed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan } from '../../../src/apply/execute.js';
import { checkSavedPlanFile, recomputeSavedPlan } from '../../../src/apply/stale.js';

test('a plan with pruning lines on both sides is not stale against the listing it was made from', async () => {
  let now = new Date('2026-11-21T12:00:00Z');
  const src = new FakeHost('local', { clock: () => now }).apply('pool tank', 'create tank/d', 'write tank/d 10K');
  const dst = new FakeHost('local2', { clock: () => now }).apply('pool backup');
  for (let h = 0; h < 30; h++) { now = new Date(Date.UTC(2026, 10, 20, h)); src.apply(`snapshot tank/d@zf_${String(h).padStart(2, '0')}`); }
  now = new Date('2026-11-21T12:05:00Z');
  const config = parseConfig(`
hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
jobs:
  - name: month
    source: { host: local, filesystems: { "tank/d": true } }
    target: { host: nas, root_fs: backup }
    snapshotting: { prefix: zf_, interval: 1h }
    replication: { initial: all }
    pruning:
      keep_source: [ { type: not_replicated }, { type: grid, grid: "1x1h(keep=all) | 4x1h | 1x1d", regex: "^zf_" } ]
      keep_target: [ { type: grid, grid: "1x1h(keep=all) | 6x1h | 1x1d", regex: "^zf_" } ]
`, 'zform.yml');
  const hosts = staticHosts({ local: src, nas: dst });
  const plan = async () => {
    const { inventories, resumeTokens } = await readInventories(config, ['month'], (n) => hosts.get(n));
    return computePlan({ config, jobs: ['month'], inventories, resumeTokens, now, zformVersion: 't', allowRollback: false });
  };
  for (let run = 0; run < 3; run++) {
    const p = await plan();
    await recomputeSavedPlan(p, config, checkSavedPlanFile(p, config, now), hosts, now);
    const r = await applyPlan(p, config, { hosts, clock: () => now });
    assert.deepEqual(r.outcomes.map((o) => o.status), ['ok', 'ok'].slice(0, r.outcomes.length), JSON.stringify(r.outcomes));
    now = new Date(now.getTime() + 3600_000 + 120_000);
    src.apply(`write tank/d 1K`);
  }
});
