// A placeholder replaced by a forced receive stops being one in that receive: a run killed right after it leaves no
// dataset with data marked zform:placeholder=on (which every job, a cascade's too, would pass over for good).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import type { Config } from '../../../src/config/types.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import type { FakeState } from '../../support/fake-zfs/state.js';
import { CrashSwitch } from '../../support/fake-zfs/crash.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan } from '../../../src/apply/execute.js';
import type { Plan } from '../../../src/plan/types.js';

const now = new Date('2026-11-21T12:00:00Z');
const yaml = (filter: string) => `
hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
jobs:
  - name: j
    source: { host: local, filesystems: { "${filter}": true } }
    target: { host: nas, root_fs: backup }
`;
interface Pools { src: FakeState; dst: FakeState }
const hosts = (p: Pools, crash?: CrashSwitch) => staticHosts({
  local: new FakeHost('local', { state: p.src, clock: () => now, crash }),
  nas: new FakeHost('nas', { state: p.dst, clock: () => now, crash }),
});
async function plan(c: Config, p: Pools): Promise<Plan> {
  const h = hosts(p);
  const { inventories, resumeTokens } = await readInventories(c, ['j'], (n) => h.get(n));
  return computePlan({ config: c, jobs: ['j'], inventories, resumeTokens, now, zformVersion: 'test', allowRollback: false });
}

test('killed right after the receive that replaced a placeholder: the dataset is no placeholder', async () => {
  const src = new FakeHost('local', { clock: () => now }).apply('pool tank', 'create tank/a', 'write tank/a 100K', 'write tank 50K', 'snapshot tank@s1 tank/a@s1');
  const dst = new FakeHost('nas', { clock: () => now }).apply('pool backup');
  const pools: Pools = { src: src.zfs.state, dst: dst.zfs.state };
  const first = parseConfig(yaml('tank/a<'), 'zform.yml');
  await applyPlan(await plan(first, pools), first, { hosts: hosts(pools), clock: () => now });
  assert.equal((await dst.list(['backup/tank'])).datasets.find((d) => d.name === 'backup/tank')!.placeholder, true);
  // the job now takes all of tank: the placeholder backup/tank is replaced by a forced full receive
  const all = parseConfig(yaml('tank<'), 'zform.yml');
  const p = await plan(all, pools);
  const send = p.jobs[0]!.datasets.find((d) => d.source === 'tank')!.actions.find((a) => a.kind === 'send');
  assert.ok(send && send.kind === 'send' && send.receive.force);
  // killed at the command after that receive, on copies first to find it
  const trace = new CrashSwitch();
  await applyPlan(p, all, { hosts: hosts({ src: pools.src.clone(), dst: pools.dst.clone() }, trace), clock: () => now });
  const received = trace.trace.findIndex((t) => t.argv.includes('receive') && t.argv.includes('-F'));
  assert.ok(received >= 0);
  const crash = new CrashSwitch({ command: received + 1, when: 'before' });
  const run = applyPlan(p, all, { hosts: hosts(pools, crash), clock: () => now });
  run.catch(() => {});
  await Promise.race([run, crash.crashed]);
  const tank = (await dst.list(['backup/tank'])).datasets.find((d) => d.name === 'backup/tank')!;
  assert.ok(dst.guidOf('backup/tank@s1'), 'the receive ran');
  assert.equal(tank.placeholder, false);
});
