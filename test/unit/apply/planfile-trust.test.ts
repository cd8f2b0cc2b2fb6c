// `zform apply PLANFILE` against an edited plan file: each attack of issue #14 is refused with exit 1 (64 for a file
// that is not a plan), and neither host changed (only list commands ran, or none at all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../../src/cli.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { parseConfig } from '../../../src/config/parse.js';
import type { Io } from '../../../src/io.js';
import type { Action, Plan } from '../../../src/plan/types.js';

const T0 = new Date('2026-11-21T12:00:00Z');
const YAML = `hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a<": true } }
    target: { host: nas, root_fs: backup }
    snapshotting: { prefix: zf_, interval: 1h }
`;

interface World { dir: string; cfg: string; lock: string; src: FakeHost; dst: FakeHost; now: Date }

function io(w: World, env: NodeJS.ProcessEnv = {}) {
  const out = new PassThrough(); const err = new PassThrough();
  let o = ''; let e = '';
  out.on('data', (c) => (o += c)); err.on('data', (c) => (e += c));
  const value: Io = {
    stdout: out, stderr: err, stdin: new PassThrough(), env: { ZFORM_LOCK_DIR: w.lock, ...env }, now: () => w.now,
    openHosts: () => staticHosts({ local: w.src, nas: w.dst }),
  };
  return { value, out: () => o, err: () => e };
}

/** tank/a replicated once (s1), then s2 taken: the saved plan snapshots, sends s1..zf_ incrementally, holds, bookmarks. */
async function world(): Promise<World> {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-trust-'));
  const cfg = path.join(dir, 'zform.yml');
  await writeFile(cfg, YAML);
  const clock = { now: new Date(T0.getTime() - 3600_000) };
  const w: World = {
    dir, cfg, lock: path.join(dir, 'lock'), get now() { return clock.now; }, set now(d: Date) { clock.now = d; },
    src: new FakeHost('local', { clock: () => clock.now }).apply('pool tank', 'create tank/a', 'create tank/other', 'write tank/a 100K', 'snapshot tank/a@s1 tank/other@keep'),
    dst: new FakeHost('nas', { clock: () => clock.now }).apply('pool backup'),
  };
  const first = io(w);
  assert.equal(await run(['apply', '-c', cfg, '--auto-approve'], first.value), 0, first.err());
  w.now = T0;
  w.src.apply('write tank/a 10K');
  return w;
}

async function savePlan(w: World): Promise<{ file: string; plan: Plan }> {
  const file = path.join(w.dir, 'p.plan');
  const t = io(w);
  assert.equal(await run(['plan', '-c', w.cfg, '--out', file], t.value), 0, t.err());
  return { file, plan: JSON.parse(await readFile(file, 'utf8')) as Plan };
}

async function state(h: FakeHost): Promise<string> {
  const l = await h.list([]);
  return JSON.stringify({ d: l.datasets, v: l.versions, h: l.holds });
}

/** Runs apply on the (edited) plan file; returns exit code, stderr, the commands both hosts ran, and whether they changed. */
async function applyFile(w: World, args: string[], env: NodeJS.ProcessEnv = {}) {
  const before = [await state(w.src), await state(w.dst)];
  const marks = [w.src.commandLog.length, w.dst.commandLog.length];
  w.now = new Date(T0.getTime() + 10 * 60_000); // applied ten minutes later: planned again as of T0
  const t = io(w, env);
  const code = await run(['apply', ...args], t.value);
  const ran = [...w.src.commandLog.slice(marks[0]), ...w.dst.commandLog.slice(marks[1])].map((a) => a.slice(1).join(' '));
  const changed = (await state(w.src)) !== before[0] || (await state(w.dst)) !== before[1];
  return { code, err: t.err(), out: t.out(), ran, changed };
}

async function edited(w: World, edit: (p: Plan) => void): Promise<string> {
  const { file, plan } = await savePlan(w);
  edit(plan);
  await writeFile(file, JSON.stringify(plan, null, 2));
  return file;
}

const sendOf = (p: Plan) => p.jobs[0]!.datasets.flatMap((d) => d.actions).find((a) => a.kind === 'send') as Extract<Action, { kind: 'send' }>;
const datasetA = (p: Plan) => p.jobs[0]!.datasets.find((d) => d.source === 'tank/a')!;
const onlyListed = (ran: string[]) => ran.every((c) => /^(list|get|holds) /.test(c));

function refused(r: Awaited<ReturnType<typeof applyFile>>, message: RegExp, opts: { noCommand?: boolean } = {}) {
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, message);
  assert.equal(r.err.trimEnd().split('\n').length, 1, r.err); // one line
  assert.equal(r.changed, false);
  if (opts.noCommand) assert.deepEqual(r.ran, []);
  else assert.ok(onlyListed(r.ran), r.ran.join('\n'));
}

test('an untouched saved plan applied ten minutes later is planned again as of its own time and runs', async () => {
  const w = await world();
  const { file, plan } = await savePlan(w);
  const snap = plan.jobs[0]!.snapshots[0] as Extract<Action, { kind: 'snapshot' }>;
  assert.deepEqual(snap.snapshots, ['tank/a@zf_20261121_120000_000']);
  assert.deepEqual(plan.options, { jobs: ['j'], allowRollback: false, releaseStale: false });
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const r = await applyFile(w, ['-c', w.cfg, file]);
  assert.equal(r.code, 0, r.err);
  assert.ok(w.dst.guidOf('backup/tank/a@zf_20261121_120000_000'));
  assert.ok(r.ran.some((c) => c.startsWith('receive')));
});

test('a destroy of a dataset outside every job is refused', async () => {
  const w = await world();
  const guid = w.src.guidOf('tank/other@keep')!;
  const file = await edited(w, (p) => datasetA(p).actions.push({
    id: 'j:99', host: 'local', side: 'source', kind: 'destroy_snapshots', dataset: 'tank/other',
    snapshots: [{ ref: { dataset: 'tank/other', kind: 'snapshot', name: 'keep', guid, createtxg: 1 }, reason: 'x' }],
  }));
  refused(await applyFile(w, ['-c', w.cfg, file]), /^zform: saved plan refused: job j, dataset tank\/a: action j:99 \(destroy_snapshots\) is not planned now \(the file was edited, or ZFS changed since in what the fingerprints do not cover: data written, holds\); plan again$/m);
  assert.ok(w.src.guidOf('tank/other@keep'));
});

test('a rollback of a dataset outside every job is refused', async () => {
  const w = await world();
  const guid = w.src.guidOf('tank/other@keep')!;
  const file = await edited(w, (p) => datasetA(p).actions.unshift({
    id: 'j:0', host: 'local', side: 'source', kind: 'rollback', dataset: 'tank/other', reason: 'x', destroys: [],
    to: { dataset: 'tank/other', kind: 'snapshot', name: 'keep', guid, createtxg: 1 },
  }));
  refused(await applyFile(w, ['-c', w.cfg, file]), /saved plan refused: job j, dataset tank\/a, action j:0 \(rollback\): /);
});

test('-F added to a receive, a retargeted send and a receive override are refused, naming the field', async () => {
  const cases: [(p: Plan) => void, RegExp][] = [
    [(p) => { sendOf(p).receive.force = true; }, /action j:\d+ \(send\): receive\.force: true in the file, false now/],
    [(p) => { sendOf(p).targetDataset = 'backup/evil'; }, /action j:\d+ \(send\): targetDataset: "backup\/evil" in the file, "backup\/tank\/a" now/],
    [(p) => { sendOf(p).receive.override = { mountpoint: '/etc' }; }, /\(send\): receive\.override\.mountpoint: "\/etc" in the file, absent now/],
  ];
  for (const [edit, message] of cases) {
    const w = await world();
    refused(await applyFile(w, ['-c', w.cfg, await edited(w, edit)]), message);
  }
});

test('a plan whose fingerprints were removed is refused', async () => {
  const w = await world();
  const file = await edited(w, (p) => { for (const d of p.jobs[0]!.datasets) d.fingerprints = []; });
  refused(await applyFile(w, ['-c', w.cfg, file]), /saved plan refused: job j, dataset tank\/a: fingerprints\[0\]: absent in the file/);
});

test('a lying summary is refused (what apply shows is computed, never read from the file)', async () => {
  const w = await world();
  const file = await edited(w, (p) => { p.summary.destroys = 0; p.summary.sends = 7; });
  refused(await applyFile(w, ['-c', w.cfg, file]), /saved plan refused: summary\.sends: 7 in the file, 1 now/);
});

test('a plan naming another config is refused before any zfs command: the config is never read from the plan', async () => {
  const w = await world();
  const evil = path.join(w.dir, 'evil.yml');
  const marker = path.join(w.dir, 'owned');
  const script = path.join(w.dir, 'evil.sh');
  await writeFile(script, `#!/bin/sh\ntouch ${marker}\nexec "$@"\n`, { mode: 0o755 });
  const evilYaml = YAML.replace('hosts:\n', `hosts:\n  local: { privilege: ${script} }\n`);
  await writeFile(evil, evilYaml);
  const file = await edited(w, (p) => { p.configFile = evil; p.configDigest = parseConfig(evilYaml, evil).digest; });
  // $ZFORM_CONFIG names the real config: the plan's digest does not match it
  const r = await applyFile(w, [file], { ZFORM_CONFIG: w.cfg });
  refused(r, new RegExp(`^zform: saved plan is stale: it was made from the configuration "${evil}", and ${w.cfg} differs from it`), { noCommand: true });
  assert.equal(existsSync(marker), false);
  // a relative configFile is not resolved either
  const file2 = await edited(w, (p) => { p.configFile = 'evil.yml'; });
  const r2 = await applyFile(w, [file2], { ZFORM_CONFIG: w.cfg });
  assert.equal(r2.code, 0, r2.err); // the digest is the real config's: the path in the plan does not matter
  assert.equal(existsSync(marker), false);
});

test('an action on a host that is not the job\'s is refused before any zfs command', async () => {
  const w = await world();
  const file = await edited(w, (p) => { datasetA(p).actions[0]!.host = 'evil'; });
  refused(await applyFile(w, ['-c', w.cfg, file]), /saved plan refused: job j, action j:\d+ \(\w+\) runs on host "evil", which is not a host of this job/, { noCommand: true });
});

test('a job named twice, or a job that is not in the config, is refused before any zfs command', async () => {
  const w = await world();
  const twice = await edited(w, (p) => { p.options.jobs.push('j'); p.jobs.push(structuredClone(p.jobs[0]!)); });
  refused(await applyFile(w, ['-c', w.cfg, twice]), /^zform: saved plan refused: job j is named twice; plan again$/m, { noCommand: true });
  const unknown = await edited(w, (p) => { p.options.jobs = ['nope']; p.jobs[0]!.job = 'nope'; });
  refused(await applyFile(w, ['-c', w.cfg, unknown]), /saved plan refused: job "nope" is not in /, { noCommand: true });
});

test('a truncated plan is refused: cut text is not a plan (64), dropped actions differ (1)', async () => {
  const w = await world();
  const { file } = await savePlan(w);
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.slice(0, text.length / 2));
  const r = await applyFile(w, ['-c', w.cfg, file]);
  assert.equal(r.code, 64);
  assert.match(r.err, /is not a zform plan file/);
  assert.deepEqual(r.ran, []);
  assert.equal(r.changed, false);
  const dropped = await edited(w, (p) => { datasetA(p).actions.splice(1); });
  refused(await applyFile(w, ['-c', w.cfg, dropped]), /saved plan refused: job j, dataset tank\/a: action j:\d+ \(\w+\) is missing from the file/);
});

test('a plan of another format version (one without options) is refused as a usage error', async () => {
  const w = await world();
  const file = await edited(w, (p) => { (p as { formatVersion: number }).formatVersion = 1; delete (p as Partial<Plan>).options; });
  const r = await applyFile(w, ['-c', w.cfg, file]);
  assert.equal(r.code, 64);
  assert.match(r.err, /has plan format 1; this zform reads format 2: plan again/);
  assert.deepEqual(r.ran, []);
});

test('a plan made with --allow-rollback is planned again with it (the file records the flag)', async () => {
  const w = await world();
  w.dst.apply('snapshot backup/tank/a@theirs'); // the target diverged: only --allow-rollback plans a rollback
  const file = path.join(w.dir, 'r.plan');
  const t = io(w);
  assert.equal(await run(['plan', '-c', w.cfg, '--allow-rollback', '--out', file], t.value), 0, t.err());
  const plan = JSON.parse(await readFile(file, 'utf8')) as Plan;
  assert.equal(plan.options.allowRollback, true);
  assert.ok(datasetA(plan).actions.some((a) => a.kind === 'rollback'));
  const r = await applyFile(w, ['-c', w.cfg, file]);
  assert.equal(r.code, 0, r.err);
  assert.ok(r.ran.some((c) => c.startsWith('rollback')));
  assert.equal(w.dst.guidOf('backup/tank/a@theirs'), undefined);
});

test('a plan dated in the future is refused before any zfs command', async () => {
  const w = await world();
  const file = await edited(w, (p) => { p.createdAt = '2027-11-21T12:00:00.000Z'; });
  refused(await applyFile(w, ['-c', w.cfg, file]), /saved plan refused: it is dated 2027-11-21T12:00:00.000Z, later than now/, { noCommand: true });
});

test('a dataset that changed since the plan was made makes it stale', async () => {
  const w = await world();
  const { file } = await savePlan(w);
  w.src.apply('snapshot tank/a@late');
  refused(await applyFile(w, ['-c', w.cfg, file]), /^zform: saved plan is stale: job j, dataset tank\/a: local:tank\/a changed since the plan was made/);
});

test('a lock folder that others can write is refused (exit 75) before any zfs command', async () => {
  const w = await world();
  const { file } = await savePlan(w);
  const { chmod } = await import('node:fs/promises');
  await chmod(w.lock, 0o777);
  const r = await applyFile(w, ['-c', w.cfg, file]);
  assert.equal(r.code, 75);
  assert.equal(r.err, `zform: lock folder ${w.lock} is writable by its group and others (mode 0777): remove it or make it a folder owned by uid ${process.getuid!()} with mode 0700\n`);
  assert.deepEqual(r.ran, []);
  assert.equal(r.changed, false);
});

test('a destroy of a dataset or a rename that the plan does not make now is refused', async () => {
  const w = await world();
  const t = w.dst.zfs.state.datasets.get('backup/tank/a')!;
  const snap = t.snapshots[0]!;
  const ref = { dataset: 'backup/tank/a', kind: 'snapshot' as const, name: snap.name, guid: snap.guid, createtxg: snap.createtxg };
  const destroy = await edited(w, (p) => datasetA(p).actions.push({
    id: 'j:99', host: 'nas', side: 'target', kind: 'destroy_dataset', dataset: 'backup/tank/a', guid: t.guid, destroys: [ref], reason: 'x',
  }));
  refused(await applyFile(w, ['-c', w.cfg, destroy]), /^zform: saved plan refused: job j, dataset tank\/a: action j:99 \(destroy_dataset\) is not planned now \(the file was edited, or ZFS changed since in what the fingerprints do not cover: data written, holds\); plan again$/m);
  const rename = await edited(w, (p) => datasetA(p).actions.push({
    id: 'j:99', host: 'nas', side: 'target', kind: 'rename_dataset', dataset: 'backup/tank/a', to: 'backup/tank/elsewhere', guid: t.guid, reason: 'x',
  }));
  refused(await applyFile(w, ['-c', w.cfg, rename]), /^zform: saved plan refused: job j, dataset tank\/a: action j:99 \(rename_dataset\) is not planned now \(the file was edited, or ZFS changed since in what the fingerprints do not cover: data written, holds\); plan again$/m);
  assert.equal(w.dst.guidOf('backup/tank/a'), t.guid);
});
