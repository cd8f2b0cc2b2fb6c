// Two configuration files with a job of the same name replicating one source dataset to two targets: each apply
// moves the job's one replication cursor to its own target's snapshot, destroying the other's as superseded. The
// plan of the other then warns that the cursor is on a snapshot its target does not have, and says why; one
// configuration alone never sees that warning. End to end over the fake (the real host's rules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type CliRun } from '../../support/cli.js';
import { FakeHost } from '../../support/fake-zfs/host.js';

interface World { dir: string; src: FakeHost; clock: { now: Date } }

async function world(): Promise<World> {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-job-clash-'));
  for (const name of ['one', 'two']) {
    await writeFile(path.join(dir, `${name}.yml`), `jobs:
  - name: bk
    source: { host: local, filesystems: { "tank/a": true } }
    target: { host: local, root_fs: backup/${name} }
    snapshotting: { prefix: zf_, interval: 1h }
`);
  }
  const clock = { now: new Date('2026-12-01T10:00:00Z') };
  const src = new FakeHost('local', { clock: () => clock.now }).apply('pool tank', 'create tank/a', 'pool backup', 'create backup/one', 'create backup/two');
  return { dir, src, clock };
}

function zform(w: World, config: string, args: string[]): Promise<CliRun> {
  return runCli([args[0]!, '-c', path.join(w.dir, `${config}.yml`), ...args.slice(1)], { hosts: { local: w.src }, now: () => w.clock.now, env: { ZFORM_LOCK_DIR: path.join(w.dir, 'lock') } });
}

type JsonPlan = { jobs: { datasets: { source: string; diagnostics: { severity: string; summary: string; detail: string[] }[] }[] }[] };

function warnings(p: { out: string }): string[] {
  const plan = JSON.parse(p.out) as JsonPlan;
  return plan.jobs.flatMap((j) => j.datasets.flatMap((d) => d.diagnostics.filter((x) => x.severity === 'warning').map((x) => x.summary)));
}

test('one configuration, run after run: no warning about the cursor', async () => {
  const w = await world();
  for (let hour = 10; hour < 14; hour++) {
    w.clock.now = new Date(`2026-12-01T${hour}:00:00Z`);
    assert.equal((await zform(w, 'one', ['apply', '--auto-approve'])).code, 0);
    assert.deepEqual(warnings(await zform(w, 'one', ['plan', '--json'])), []);
  }
});

test('two configurations with the same job name: the plan of one warns that the cursor is on a snapshot its target lacks, and why', async () => {
  const w = await world();
  assert.equal((await zform(w, 'one', ['apply', '--auto-approve'])).code, 0);
  w.clock.now = new Date('2026-12-01T11:00:00Z');
  assert.equal((await zform(w, 'two', ['apply', '--auto-approve'])).code, 0);
  // two's apply moved the job's cursor to its own snapshot, which backup/one/tank/a does not have
  w.clock.now = new Date('2026-12-01T11:30:00Z');
  const p = await zform(w, 'one', ['plan', '--json']);
  const plan = JSON.parse(p.out) as JsonPlan;
  const d = plan.jobs[0]!.datasets.find((x) => x.source === 'tank/a')!;
  const warning = d.diagnostics.find((x) => x.severity === 'warning')!;
  assert.equal(warning.summary, 'the replication cursor of job bk on tank/a is on @zf_20261201_110000_000, which backup/one/tank/a does not have');
  assert.match(warning.detail.join('\n'), /another configuration file has a job named bk that replicates tank\/a to another target/);
  assert.match(warning.detail.join('\n'), /job names must be unique on a source host across configuration files/);
  // the human plan shows it too, as a warning on that dataset
  const human = await zform(w, 'one', ['plan']);
  assert.match(human.out, /Warning: the replication cursor of job bk on tank\/a is on @zf_20261201_110000_000, which backup\/one\/tank\/a does not have\n {2}on job bk, dataset tank\/a\n/);
  // two's own plan does not warn: the cursor is on its target's newest snapshot
  assert.deepEqual(warnings(await zform(w, 'two', ['plan', '--json'])), []);
});
