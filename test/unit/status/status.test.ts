// zform status against FakeHost: verdicts after apply (ok), with time passing (lagging), a diverged target
// (conflict), an interrupted receive (failing, bytes from the token), snapshot-only jobs, job errors; the JSON
// is valid against schemas/status.schema.json; the human view; the status metrics against a strict reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan } from '../../../src/apply/execute.js';
import { readStatus } from '../../../src/status/read.js';
import { renderStatusJson } from '../../../src/views/status-json.js';
import { renderStatusHuman } from '../../../src/views/status-human.js';
import { computeStatusMetrics } from '../../../src/metrics/status.js';
import { renderExposition } from '../../../src/metrics/exposition.js';
import type { Config } from '../../../src/config/types.js';
import type { StatusReport } from '../../../src/status/types.js';
import { parseExposition } from '../../support/exposition-check.js';
import { captureIo } from '../../support/terminal.js';

const SCHEMA = new URL('../../../../schemas/status.schema.json', import.meta.url);
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
type Validator = ((v: unknown) => boolean) & { errors?: unknown };
const validate: Validator = new (Ajv as unknown as new (o: object) => { compile(s: object): Validator })({ strict: true, allErrors: true })
  .compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);

const HOUR = 3600_000;
const YAML = (extra = '    snapshotting: { prefix: zf_, interval: 1h }\n') => `
hosts:
  nas:
    ssh: { host: nas.example.org, known_hosts: /dev/null }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a<": true } }
    target: { host: nas, root_fs: backup }
${extra}
  - name: snaps
    source: { host: local, filesystems: { "tank/b": true } }
    snapshotting: { prefix: hourly_, interval: 1h }
`;

interface World { config: Config; src: FakeHost; dst: FakeHost; t: number }

function world(yaml = YAML()): World {
  const w: World = { config: parseConfig(yaml, 'zform.yml'), t: Date.parse('2026-11-21T12:00:00Z') } as World;
  w.src = new FakeHost('local', { clock: () => new Date(w.t) }).apply('pool tank', 'create tank/a', 'create tank/b', 'write tank/a 100K');
  w.dst = new FakeHost('nas', { clock: () => new Date(w.t) }).apply('pool backup');
  return w;
}
const hosts = (w: World) => staticHosts({ local: w.src, nas: w.dst });

async function apply(w: World, jobs = ['j', 'snaps']) {
  const { inventories, resumeTokens } = await readInventories(w.config, jobs, (n) => hosts(w).get(n));
  const plan = computePlan({ config: w.config, jobs, inventories, resumeTokens, now: new Date(w.t), zformVersion: 'test', allowRollback: false });
  return applyPlan(plan, w.config, { hosts: hosts(w), clock: () => new Date(w.t) });
}

async function status(w: World, lagThresholdMs?: number, jobs = ['j', 'snaps']): Promise<StatusReport> {
  const r = await readStatus(w.config, jobs, hosts(w), new Date(w.t), lagThresholdMs);
  assert.ok(validate(JSON.parse(renderStatusJson(r))), JSON.stringify(validate.errors));
  return r;
}
const ds = (r: StatusReport, job: string, source: string) => r.jobs.find((j) => j.job === job)!.datasets.find((d) => d.source === source)!;

test('before the first apply: lagging (nothing replicated, no snapshot yet); after it: ok, with cursor and last-received hold', async () => {
  const w = world();
  const before = await status(w);
  assert.equal(before.jobs[0]!.verdict, 'lagging');
  assert.deepEqual(ds(before, 'j', 'tank/a').reasons, ['nothing replicated to backup/tank/a yet']);
  assert.deepEqual(ds(before, 'snaps', 'tank/b').reasons, ['no hourly_* snapshot yet']);
  await apply(w);
  w.t += 60_000;
  const r = await status(w);
  assert.equal(r.verdict, 'ok');
  const a = ds(r, 'j', 'tank/a');
  assert.equal(a.verdict, 'ok');
  assert.equal(a.newestReplicated!.name, 'zf_20261121_120000_000');
  assert.equal(a.lastSnapshot!.name, 'zf_20261121_120000_000');
  assert.equal(a.lagSeconds, 60);
  assert.equal(a.pendingSnapshots, 0);
  assert.match(a.cursor!, /^zform_CURSOR_G_[0-9a-f]{16}_J_j$/);
  assert.deepEqual(a.lastReceivedHolds, ['zf_20261121_120000_000']);
  assert.deepEqual([a.stepHolds, a.tentativeCursors, a.resume], [[], [], null]);
  assert.equal(r.jobs[0]!.lagThresholdSeconds, 7200, '2 x snapshotting.interval');
  assert.equal(r.jobs[1]!.targetHost, null);
  assert.equal(r.jobs[1]!.lastSnapshotAt, '2026-11-21T12:00:00.000Z');
});

test('lagging once the newest replicated snapshot is older than 2 x interval; --lag-threshold overrides', async () => {
  const w = world();
  await apply(w);
  w.t += 2 * HOUR; // exactly the threshold: still ok
  assert.equal((await status(w)).verdict, 'ok');
  w.t += 60_000;
  const r = await status(w);
  assert.equal(r.jobs[0]!.verdict, 'lagging');
  assert.deepEqual(ds(r, 'j', 'tank/a').reasons, ['newest replicated snapshot @zf_20261121_120000_000 is 2 hours 1 minute old (threshold 2h)']);
  assert.equal(r.jobs[1]!.verdict, 'lagging', 'the snapshot-only job too');
  assert.match(ds(r, 'snaps', 'tank/b').reasons[0]!, /^newest snapshot @hourly_\S+ is 2 hours 1 minute old \(threshold 2h\)$/);
  assert.deepEqual(r.jobs[0]!.reasons, ['1 dataset lagging']);
  assert.equal((await status(w, 3 * HOUR)).verdict, 'ok');
});

test('without snapshotting the threshold is 0: a source snapshot not on the target is lag, none pending is ok however old', async () => {
  const w = world(YAML(''));
  w.src.apply('snapshot tank/a@m1');
  await apply(w, ['j']);
  w.t += 100 * HOUR;
  assert.equal((await status(w, undefined, ['j'])).verdict, 'ok');
  w.src.apply('write tank/a 1K', 'snapshot tank/a@m2', 'snapshot tank/a@m3');
  const r = await status(w, undefined, ['j']);
  const a = ds(r, 'j', 'tank/a');
  assert.equal(a.verdict, 'lagging');
  assert.equal(a.pendingSnapshots, 2);
  assert.equal(a.plannedSends, 1, 'one -I send planned');
  assert.equal(r.jobs[0]!.lagThresholdSeconds, 0);
  assert.match(a.reasons[0]!, /threshold 0: any pending snapshot is lag\), 2 snapshots pending$/);
});

test('a diverged target is a conflict, with the evidence; the exit verdict is not ok', async () => {
  const w = world();
  await apply(w);
  w.dst.apply('snapshot backup/tank/a@rogue');
  const r = await status(w);
  const a = ds(r, 'j', 'tank/a');
  assert.equal(a.verdict, 'conflict');
  assert.equal(r.jobs[0]!.verdict, 'conflict');
  assert.equal(r.verdict, 'conflict');
  assert.deepEqual(a.conflicts.map((c) => c.conflict.type), ['diverged']);
  assert.deepEqual(a.reasons, ["target diverged: backup/tank/a's newest snapshot @rogue is not on the source"]);
  assert.equal(a.newestReplicated!.name, 'zf_20261121_120000_000', 'the newest common snapshot');
});

test('an interrupted receive is failing, with the bytes already received from the decoded token', async () => {
  const w = world();
  await apply(w);
  w.t += HOUR;
  w.src.apply('write tank/a 4M');
  const { inventories, resumeTokens } = await readInventories(w.config, ['j'], (n) => hosts(w).get(n));
  const plan = computePlan({ config: w.config, jobs: ['j'], inventories, resumeTokens, now: new Date(w.t), zformVersion: 'test', allowRollback: false });
  const ctl = new AbortController();
  const res = await applyPlan(plan, w.config, { hosts: hosts(w), signal: ctl.signal, clock: () => new Date(w.t), hooks: (e) => { if (e.type === 'apply_progress' && e.bytes > 1024 * 1024) ctl.abort(); } });
  assert.equal(res.interrupted, true);
  const r = await status(w);
  const a = ds(r, 'j', 'tank/a');
  assert.equal(a.verdict, 'failing');
  assert.ok(a.resume && a.resume.usable && a.resume.toname === 'tank/a@zf_20261121_130000_000', JSON.stringify(a.resume));
  assert.ok(a.resume.bytesDone! > 0 && a.resume.bytesDone! < 4 * 1024 * 1024, `bytes done ${a.resume.bytesDone}`);
  assert.match(a.reasons[0]!, /^interrupted receive of @zf_20261121_130000_000 on backup\/tank\/a, \d+ bytes received: the next apply resumes it$/);
  assert.equal(a.plannedSends, 1);
  assert.deepEqual(a.stepHolds.length > 0, true, 'the step hold stays while the step is in flight');
  await apply(w, ['j']);
  assert.equal(ds(await status(w), 'j', 'tank/a').verdict, 'ok');
});

test('a job error is failing: the target root_fs is a missing pool', async () => {
  const w = world(YAML().replace('root_fs: backup', 'root_fs: nopool'));
  const r = await status(w, undefined, ['j']);
  assert.equal(r.jobs[0]!.verdict, 'failing');
  assert.match(r.jobs[0]!.reasons[0]!, /^root_fs nopool does not exist on nas/);
});

test('human view: verdict line per job, a table, reasons; colour only when asked', async () => {
  const w = world();
  await apply(w);
  w.dst.apply('snapshot backup/tank/a@rogue');
  const r = await status(w);
  const text = renderStatusHuman(r, { color: false });
  assert.doesNotMatch(text, /\x1b\[/);
  const lines = text.split('\n');
  assert.equal(lines[0], 'job j (local → nas): conflict, last snapshot now');
  assert.match(lines[1]!, /^ {2}DATASET +VERDICT +LAST SNAPSHOT +REPLICATED +LAG +PENDING +RESUMABLE +PROTECTION$/);
  assert.match(lines[2]!, /^ {2}tank\/a +conflict +@zf_20261121_120000_000 \(now\) +@zf_20261121_120000_000 +0 seconds +0 +- +cursor,last_received$/);
  assert.ok(lines.includes("  - tank/a: target diverged: backup/tank/a's newest snapshot @rogue is not on the source"));
  assert.ok(lines.includes('job snaps (local, snapshots only): ok, last snapshot now'));
  assert.equal(lines[lines.length - 2], 'Status: conflict (1 ok, 1 conflict)');
  assert.match(renderStatusHuman(r, { color: true }), /\x1b\[31mconflict/);
});

test('status metrics: lag, pending, verdict state set, resumable bytes; valid exposition format', async () => {
  const w = world();
  await apply(w);
  w.t += 90_000;
  const fams = parseExposition(renderExposition(computeStatusMetrics(await status(w))));
  const lag = fams.get('zform_dataset_lag_seconds')!.samples;
  assert.deepEqual(lag, [{ labels: { job: 'j', dataset: 'tank/a' }, value: 90 }]);
  assert.deepEqual(fams.get('zform_job_verdict')!.samples.filter((s) => s.value === 1).map((s) => s.labels), [{ job: 'j', verdict: 'ok' }, { job: 'snaps', verdict: 'ok' }]);
  assert.equal(fams.get('zform_job_verdict')!.samples.length, 8);
  assert.deepEqual(fams.get('zform_dataset_pending_snapshots')!.samples, [{ labels: { job: 'j', dataset: 'tank/a' }, value: 0 }]);
  assert.equal(fams.get('zform_dataset_resumable_bytes'), undefined);
  assert.equal(fams.get('zform_status_timestamp_seconds')!.samples[0]!.value, w.t / 1000);
  assert.equal(fams.get('zform_job_last_snapshot_timestamp_seconds')!.samples.length, 2);
});

test('status --lag-threshold with a bad duration is a usage error (exit 64) naming the flag', async () => {
  const { run } = await import('../../../src/cli.js');
  const c = captureIo({}, () => new Date());
  const code = await run(['status', '--lag-threshold', '5x', '-c', '/nonexistent.yml'], c.io);
  assert.equal(code, 64);
  assert.match(c.err(), /^zform: --lag-threshold must be a duration like "15m", "1h" or "7d" .*, not "5x"\n/);
});
