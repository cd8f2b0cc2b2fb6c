// `zform status` and `zform holds` on real OpenZFS, run as a user would (bin/zform): verdicts after replication
// (ok), with a source snapshot not yet sent (lagging; metrics file), a truncated incremental stream leaving a
// receive_resume_token (failing, bytes from the decoded token; the next apply resumes it), a diverged target
// (conflict); then a renamed job: holds list marks the old job's holds and cursors stale, plan warns, and
// holds release-stale removes exactly them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { requireGuest, sh } from './lib.js';
import { Zform, assertExit } from './apply-helpers.js';
import type { StatusReport } from '../../src/status/types.js';
import { parseExposition } from '../support/exposition-check.js';

requireGuest(import.meta.url);

const SRC = 'zstsrc';
const DST = 'zstdst';
const DS = `${SRC}/a`;
const T = `${DST}/backup/${SRC}/a`;
const zf = new Zform();
const yaml = (job: string) => `
jobs:
  - name: ${job}
    source: { host: local, filesystems: { "${DS}": true } }
    target: { host: local, root_fs: ${DST}/backup }
`;
const cfg = zf.config('zform.yml', yaml('stjob'));
const write = (kib: number) => sh(`head -c ${kib * 1024} /dev/urandom > /${DS}/f.$(date +%s%N) && zpool sync ${SRC}`);

async function status(...args: string[]): Promise<{ code: number | null; report: StatusReport }> {
  const r = await zf.run(['status', '-c', cfg, '--json', ...args]);
  assert.equal(r.stderr, '', r.stderr);
  return { code: r.code, report: JSON.parse(r.stdout) as StatusReport };
}
const dataset = (s: StatusReport) => s.jobs[0]!.datasets[0]!;

async function apply(config = cfg): Promise<void> {
  assertExit(await zf.run(['apply', '-c', config, '--auto-approve']), 0, 'apply');
}

before(async () => {
  for (const [p, mp] of [[SRC, `/${SRC}`], [DST, 'none']] as const) {
    await sh(`zpool destroy -f ${p} 2>/dev/null; rm -f /mnt/disk/${p}.img; truncate -s 256M /mnt/disk/${p}.img && zpool create -f -O mountpoint=${mp} ${p} /mnt/disk/${p}.img`);
  }
  await sh(`zfs create ${DS}`);
  await write(256);
  await sh(`zfs snapshot ${DS}@s1`);
});

after(async () => {
  await sh(`for p in ${SRC} ${DST}; do zpool destroy -f $p; rm -f /mnt/disk/$p.img; done`);
});

test('replicated: ok (exit 0), with the cursor and the last-received hold', async () => {
  await apply();
  const { code, report } = await status();
  assert.equal(code, 0);
  assert.equal(report.verdict, 'ok');
  const d = dataset(report);
  assert.equal(d.newestReplicated!.name, 's1');
  assert.equal(d.newestReplicated!.guid, (await sh(`zfs get -H -p -o value guid ${DS}@s1`)).trim());
  assert.match(d.cursor!, /^zform_CURSOR_G_[0-9a-f]{16}_J_stjob$/);
  assert.deepEqual(d.lastReceivedHolds, ['s1']);
  assert.equal(d.pendingSnapshots, 0);
});

test('a source snapshot not yet sent: lagging (exit 1), in the human view and the metrics file; apply makes it ok', async () => {
  await write(64);
  await sh(`zfs snapshot ${DS}@s2`);
  const metrics = zf.file('zform.prom');
  const { code, report } = await status('--metrics-file', metrics);
  assert.equal(code, 1);
  assert.equal(report.jobs[0]!.verdict, 'lagging');
  assert.equal(dataset(report).pendingSnapshots, 1);
  assert.equal(dataset(report).plannedSends, 1);
  const fams = parseExposition(readFileSync(metrics, 'utf8'));
  assert.deepEqual(fams.get('zform_dataset_pending_snapshots')!.samples, [{ labels: { job: 'stjob', dataset: DS }, value: 1 }]);
  assert.equal(fams.get('zform_job_verdict')!.samples.find((s) => s.value === 1)!.labels.verdict, 'lagging');
  const human = await zf.run(['status', '-c', cfg]);
  assertExit(human, 1, 'status');
  assert.match(human.stdout, /^job stjob \(local → local\): lagging/m);
  assert.match(human.stdout, new RegExp(`^ {2}${DS} +lagging +@s2 .* +@s1 +\\d+ [a-z]+ +1 +- +cursor,last_received$`, 'm'));
  const m2 = zf.file('apply.prom');
  assertExit(await zf.run(['apply', '-c', cfg, '--auto-approve', '--metrics-file', m2]), 0, 'apply with metrics');
  const af = parseExposition(readFileSync(m2, 'utf8'));
  assert.equal(af.get('zform_apply_success')!.samples[0]!.value, 1);
  assert.ok(af.get('zform_apply_sent_bytes')!.samples[0]!.value > 64 * 1024, 'the incremental carried the new data');
  assert.equal(af.get('zform_dataset_pending_snapshots')!.samples[0]!.value, 0, 'lag listed after the apply');
  assert.equal((await status()).code, 0);
});

test('an interrupted receive (truncated real stream): failing with the bytes received; the next apply resumes it', async () => {
  await write(2048);
  await sh(`zfs snapshot ${DS}@s3`);
  await sh(`zfs send -i @s2 ${DS}@s3 | head -c 700000 | zfs receive -s ${T} || true`);
  const token = (await sh(`zfs get -H -o value receive_resume_token ${T}`)).trim();
  assert.notEqual(token, '-', 'a resumable state exists');
  const { code, report } = await status();
  assert.equal(code, 1);
  const d = dataset(report);
  assert.equal(d.verdict, 'failing');
  assert.ok(d.resume && d.resume.usable, JSON.stringify(d.resume));
  assert.equal(d.resume.toname, `${DS}@s3`);
  assert.ok(d.resume.bytesDone! > 0 && d.resume.bytesDone! <= 700000, `bytes ${d.resume.bytesDone}`);
  assert.match(d.reasons[0]!, /^interrupted receive of @s3 on \S+, \d+ bytes received: the next apply resumes it$/);
  await apply();
  assert.equal((await status()).report.verdict, 'ok');
});

test('a diverged target: conflict (exit 1) with the evidence; ok again once the rogue snapshot is gone', async () => {
  await sh(`zfs snapshot ${T}@rogue`);
  const { code, report } = await status();
  assert.equal(code, 1);
  const d = dataset(report);
  assert.equal(d.verdict, 'conflict');
  assert.equal(d.conflicts[0]!.conflict.type, 'diverged');
  assert.equal(d.newestReplicated!.name, 's3');
  await sh(`zfs destroy ${T}@rogue`);
  assert.equal((await status()).code, 0);
});

test('a renamed job: holds list marks the old holds and cursor stale, plan warns, release-stale removes exactly them', async () => {
  const renamed = zf.config('renamed.yml', yaml('stnew'));
  const list = await zf.run(['holds', 'list', '-c', renamed, '--json']);
  assertExit(list, 0, 'holds list');
  const items = (JSON.parse(list.stdout) as { abstractions: { type: string; job: string; name: string; stale: boolean; reason: string }[] }).abstractions;
  assert.deepEqual(items.map((a) => [a.type, a.job, a.stale]).sort(), [['cursor', 'stjob', true], ['last_received_hold', 'stjob', true]]);
  assert.ok(items.every((a) => a.reason === `job "stjob" is not in ${renamed} (renamed or removed)`));
  const plan = await zf.run(['plan', '-c', renamed]);
  assertExit(plan, 0, 'plan');
  assert.match(plan.stdout, /2 holds\/bookmarks of job stjob, not in .*renamed\.yml, on datasets of job stnew/);
  assertExit(await zf.run(['holds', 'release-stale', '-c', renamed]), 64, 'release-stale without a terminal');
  const rel = await zf.run(['holds', 'release-stale', '-c', renamed, '--auto-approve']);
  assertExit(rel, 0, 'release-stale');
  assert.match(rel.stdout, /Plan: 1 hold\(s\) to release, 1 bookmark\(s\) to destroy\./);
  assert.equal((await sh(`zfs holds -H ${T}@s3`)).trim(), '');
  assert.equal((await sh(`zfs list -H -o name -t bookmark ${DS}`)).trim(), '');
  assert.equal((await sh(`zfs list -H -o name -t snapshot ${DS}@s3`)).trim(), `${DS}@s3`, 'snapshots untouched');
  const again = await zf.run(['holds', 'list', '-c', renamed, '--json']);
  assert.deepEqual((JSON.parse(again.stdout) as { abstractions: unknown[] }).abstractions, []);
});
