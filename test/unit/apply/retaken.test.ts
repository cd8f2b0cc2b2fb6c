// What changed in ZFS between the listing and the action: a snapshot taken (again) under a planned name is never
// destroyed unseen, and a host that fails as a whole fails its datasets, not the whole apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../../src/config/parse.js';
import type { Config } from '../../../src/config/types.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { runCli } from '../../support/cli.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan } from '../../../src/apply/execute.js';
import type { Plan } from '../../../src/plan/types.js';
import { SshError } from '../../../src/zfs/ssh-error.js';
import type { BookmarkOp } from '../../../src/zfs/types.js';

const NOW = new Date('2026-11-21T12:00:00Z');
const yaml = (replication: string, pruning = '') => `
hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a<": true } }
    target: { host: nas, root_fs: backup }
    replication: { ${replication} }
${pruning}`;

interface World { config: Config; src: FakeHost; dst: FakeHost }
function world(text: string): World {
  const src = new FakeHost('local', { clock: () => NOW }).apply('pool tank', 'create tank/a', 'write tank/a 100K', 'snapshot tank/a@s1');
  const dst = new FakeHost('nas', { clock: () => NOW }).apply('pool backup');
  return { config: parseConfig(text, 'zform.yml'), src, dst };
}
async function plan(w: World, allowRollback = false): Promise<Plan> {
  const hosts = staticHosts({ local: w.src, nas: w.dst });
  const { inventories, resumeTokens } = await readInventories(w.config, ['j'], (n) => hosts.get(n));
  return computePlan({ config: w.config, jobs: ['j'], inventories, resumeTokens, now: NOW, zformVersion: 'test', allowRollback });
}
const apply = (w: World, p: Plan) => applyPlan(p, w.config, { hosts: staticHosts({ local: w.src, nas: w.dst }), clock: () => NOW });
const kinds = (p: Plan) => p.jobs[0]!.datasets.flatMap((d) => d.actions.map((a) => a.kind));

/** tank/a replicated (s1), then s2 on the source and @theirs on the target: a plan with --allow-rollback rolls back. */
async function divergedTarget(): Promise<{ w: World; p: Plan }> {
  const w = world(yaml('allow_rollback: true'));
  await apply(w, await plan(w));
  w.src.apply('write tank/a 1K', 'snapshot tank/a@s2');
  w.dst.apply('snapshot backup/tank/a@theirs');
  return { w, p: await plan(w, true) };
}

test('a rollback whose target got a snapshot after the plan is not run: that snapshot is not destroyed unseen', async () => {
  const { w, p } = await divergedTarget();
  const rollback = p.jobs[0]!.datasets[0]!.actions.find((a) => a.kind === 'rollback');
  assert.ok(rollback && rollback.kind === 'rollback');
  assert.deepEqual(rollback.destroys.map((r) => r.name), ['theirs']);
  // another tool on the backup host takes a snapshot after the plan was shown
  w.dst.apply('write backup/tank/a 5K', 'snapshot backup/tank/a@later');
  const r = await apply(w, p);
  assert.equal(r.outcomes[0]!.status, 'failed');
  assert.match(r.outcomes[0]!.reason ?? '', /nas:backup\/tank\/a: @later was taken since the plan was made, so it is not rolled back; plan again/);
  assert.ok(w.dst.guidOf('backup/tank/a@later'));
  assert.ok(w.dst.guidOf('backup/tank/a@theirs'));
  // planned again, the rollback shows both, and runs
  const again = await plan(w, true);
  const shown = again.jobs[0]!.datasets[0]!.actions.find((a) => a.kind === 'rollback');
  assert.ok(shown && shown.kind === 'rollback');
  assert.deepEqual(shown.destroys.map((x) => x.name).sort(), ['later', 'theirs']);
  assert.deepEqual((await apply(w, again)).outcomes.map((o) => o.status), ['ok']);
  assert.equal(w.dst.guidOf('backup/tank/a@later'), undefined);
});

test('a rollback to a snapshot taken again under its name is not run', async () => {
  const { w, p } = await divergedTarget();
  assert.ok(kinds(p).includes('rollback'));
  const tags = (await w.dst.list(['backup/tank/a'])).holds.filter((h) => h.snapshot === 'backup/tank/a@s1').map((h) => h.tag);
  assert.ok(tags.length > 0);
  for (const tag of tags) w.dst.apply(`release ${tag} backup/tank/a@s1`);
  w.dst.apply('destroy -r backup/tank/a@s1', 'snapshot backup/tank/a@s1');
  const r = await apply(w, p);
  assert.equal(r.outcomes[0]!.status, 'failed');
  assert.match(r.outcomes[0]!.reason ?? '', /@s1 was taken again \(GUID \d+, planned \d+\)/);
  assert.ok(w.dst.guidOf('backup/tank/a@theirs'));
});

test('pruning keeps a snapshot destroyed and taken again under a planned name, and destroys the rest', async () => {
  const w = world(`
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a<": true } }
    pruning:
      keep_source: [ { type: regex, regex: "^keep" } ]
`);
  w.src.apply('snapshot tank/a@s2', 'snapshot tank/a@keep1');
  const p = await plan(w);
  const destroy = p.jobs[0]!.datasets[0]!.actions.find((a) => a.kind === 'destroy_snapshots');
  assert.ok(destroy && destroy.kind === 'destroy_snapshots');
  assert.deepEqual(destroy.snapshots.map((s) => s.ref.name), ['s1', 's2']);
  const planned = w.src.guidOf('tank/a@s1');
  w.src.apply('destroy tank/a@s1', 'write tank/a 7K', 'snapshot tank/a@s1');
  const now = w.src.guidOf('tank/a@s1');
  assert.notEqual(now, planned);
  const r = await apply(w, p);
  assert.equal(r.outcomes[0]!.status, 'failed');
  assert.match(r.outcomes[0]!.reason ?? '', new RegExp(`local:tank/a@s1 has GUID ${now}, the plan was made for ${planned}: taken again since it was listed, so left alone; plan again`));
  assert.equal(w.src.guidOf('tank/a@s1'), now);
  assert.equal(w.src.guidOf('tank/a@s2'), undefined);
  assert.ok(w.src.guidOf('tank/a@keep1'));
});

class DroppingHost extends FakeHost {
  drop = false;
  override async bookmarkGroups(groups: BookmarkOp[][]) {
    if (this.drop) { this.drop = false; throw new SshError('connection_lost', this.name, `ssh ${this.name}: connection lost`); }
    return super.bookmarkGroups(groups);
  }
}
class SlowHost extends FakeHost {
  override async hold(tag: string, snaps: string[]) { await new Promise((r) => setTimeout(r, 200)); return super.hold(tag, snaps); }
}

test('a host lost during the cursor moves fails its datasets; the other job ends before apply returns', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-lost-'));
  const cfg = path.join(dir, 'zform.yml');
  await writeFile(cfg, `hosts:
  srcA: { ssh: { host: a.example.org, known_hosts: /dev/null } }
  nasA: { ssh: { host: na.example.org, known_hosts: /dev/null } }
  srcB: { ssh: { host: b.example.org, known_hosts: /dev/null } }
  nasB: { ssh: { host: nb.example.org, known_hosts: /dev/null } }
jobs:
  - name: ja
    source: { host: srcA, filesystems: { "tank<": true } }
    target: { host: nasA, root_fs: backup }
  - name: jb
    source: { host: srcB, filesystems: { "tank<": true } }
    target: { host: nasB, root_fs: backup }
`);
  const now = () => NOW;
  const srcA = new DroppingHost('srcA', { clock: now }).apply('pool tank', 'create tank/a', 'create tank/b', 'write tank/a 10K', 'snapshot tank@s1 tank/a@s1 tank/b@s1');
  const nasA = new FakeHost('nasA', { clock: now }).apply('pool backup');
  const srcB = new SlowHost('srcB', { clock: now }).apply('pool tank', 'create tank/x', 'create tank/y', 'write tank/x 10K', 'snapshot tank@s1 tank/x@s1 tank/y@s1');
  const nasB = new FakeHost('nasB', { clock: now }).apply('pool backup');
  srcA.drop = true;
  const r = await runCli(['apply', '-c', cfg, '--auto-approve'], { hosts: { srcA, nasA, srcB, nasB }, now, env: { ZFORM_LOCK_DIR: path.join(dir, 'lock') } });
  assert.equal(r.code, 1, r.err);
  assert.doesNotMatch(r.err, /^zform: ssh srcA: connection lost$/m);
  assert.match(r.out + r.err, /ssh srcA: connection lost/);
  // job jb ran to its end within the run, none of its work after it
  const received = (await nasB.list([])).datasets.map((d) => d.name).filter((n) => n.startsWith('backup/tank'));
  assert.deepEqual(received.sort(), ['backup/tank', 'backup/tank/x', 'backup/tank/y']);
  for (const n of received) assert.ok(nasB.guidOf(`${n}@s1`), n);
});
