// Staleness of zform's holds and bookmarks against FakeHost (renamed job, deselected dataset, superseded
// cursor, last-received and step holds, a step in flight), the plan's warning and --release-stale lines for jobs
// not in the config (never for the job's own, which protection.ts plans), and release-stale's exit 64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan } from '../../../src/apply/execute.js';
import { readAbstractions } from '../../../src/holds/read.js';
import { applyReleaseLines } from '../../../src/holds/release.js';
import { computeReleaseLines, computeStaleness } from '../../../src/plan/stale-abstractions.js';
import { renderHoldsHuman, renderHoldsJson } from '../../../src/views/holds.js';
import { describeAction } from '../../../src/plan/describe.js';
import { run } from '../../../src/cli.js';
import type { Config } from '../../../src/config/types.js';
import type { Plan } from '../../../src/plan/types.js';
import { captureIo } from '../../support/terminal.js';

const YAML = (name: string, filesystems = '"tank/a<": true') => `
hosts:
  nas:
    ssh: { host: nas.example.org, known_hosts: /dev/null }
jobs:
  - name: ${name}
    source: { host: local, filesystems: { ${filesystems} } }
    target: { host: nas, root_fs: backup }
`;
const NOW = new Date('2026-11-21T12:00:00Z');

function world() {
  const src = new FakeHost('local', { clock: () => NOW }).apply('pool tank', 'create tank/a', 'create tank/a/b', 'write tank/a 100K', 'snapshot tank/a@s1 tank/a/b@s1');
  const dst = new FakeHost('nas', { clock: () => NOW }).apply('pool backup');
  return { src, dst, hosts: staticHosts({ local: src, nas: dst }) };
}
type W = ReturnType<typeof world>;

async function plan(w: W, config: Config, releaseStale = false): Promise<Plan> {
  const jobs = config.jobs.map((j) => j.name);
  const { inventories, resumeTokens } = await readInventories(config, jobs, (n) => w.hosts.get(n));
  return computePlan({ config, jobs, inventories, resumeTokens, now: NOW, zformVersion: 'test', allowRollback: false, releaseStale });
}
const lines = (p: Plan) => p.jobs.flatMap((j) => j.datasets.flatMap((d) => d.actions)).map(describeAction);

async function replicated(): Promise<W> {
  const w = world();
  const old = parseConfig(YAML('old'), 'zform.yml');
  const r = await applyPlan(await plan(w, old), old, { hosts: w.hosts, clock: () => NOW });
  assert.ok(r.outcomes.every((o) => o.status === 'ok'));
  return w;
}

test('a renamed job: its holds and cursors are stale (not in the config); the new job has none yet', async () => {
  const w = await replicated();
  const renamed = parseConfig(YAML('new'), 'zform.yml');
  const list = await readAbstractions(renamed, w.hosts);
  assert.deepEqual(list.map((a) => [a.host, a.type, a.job, a.stale]), [
    ['local', 'cursor', 'old', true], ['local', 'cursor', 'old', true],
    ['nas', 'last_received_hold', 'old', true], ['nas', 'last_received_hold', 'old', true],
  ]);
  assert.ok(list.every((a) => a.reason === 'job "old" is not in zform.yml (renamed or removed)'));
  assert.deepEqual((await readAbstractions(renamed, w.hosts, ['new'])), []);
  const json = JSON.parse(renderHoldsJson(list, 'zform.yml')) as { abstractions: { name: string; stale: boolean }[] };
  assert.equal(json.abstractions.length, 4);
  assert.match(renderHoldsHuman(list, { color: false }), /4 hold\(s\)\/bookmark\(s\), 4 stale\./);
});

test('plan: without --release-stale one warning and no lines; with it, release/destroy lines in the covering chains', async () => {
  const w = await replicated();
  const renamed = parseConfig(YAML('new'), 'zform.yml');
  const quiet = await plan(w, renamed);
  assert.ok(!lines(quiet).some((l) => l.includes('_J_old')));
  assert.deepEqual(quiet.jobs[0]!.diagnostics.map((d) => d.summary), ['4 holds/bookmarks of job old, not in zform.yml, on datasets of job new']);
  const loud = await plan(w, renamed, true);
  const stale = lines(loud).filter((l) => l.includes('_J_old'));
  const norm = (l: string) => l.replace(/_G_[0-9a-f]{16}/, '_G_x');
  assert.deepEqual(stale.map(norm).sort(), [
    'destroy tank/a#zform_CURSOR_G_x_J_old', 'destroy tank/a/b#zform_CURSOR_G_x_J_old',
    'release zform_last_received_J_old on nas:backup/tank/a/b@s1', 'release zform_last_received_J_old on nas:backup/tank/a@s1',
  ]);
  assert.equal(loud.summary.releases, 2);
  assert.equal(new Set(loud.jobs.flatMap((j) => j.datasets.flatMap((d) => d.actions.map((a) => a.id)))).size, loud.jobs.flatMap((j) => j.datasets.flatMap((d) => d.actions)).length, 'ids stay unique');
  // Applied: the old job's abstractions are gone, the new job's are there, and planning again is quiet.
  await applyPlan(loud, renamed, { hosts: w.hosts, clock: () => NOW });
  const after = await readAbstractions(renamed, w.hosts);
  assert.ok(after.every((a) => a.job === 'new' && !a.stale), JSON.stringify(after.map((a) => [a.name, a.job, a.reason])));
  assert.deepEqual((await plan(w, renamed)).jobs[0]!.diagnostics, []);
});

test("the job's own superseded ones are not planned twice: --release-stale adds nothing for jobs in the config", async () => {
  const w = await replicated();
  const old = parseConfig(YAML('old'), 'zform.yml');
  w.src.apply('snapshot tank/a@s2');
  w.src.apply('hold zform_STEP_J_old tank/a@s1');
  const a = await plan(w, old, false);
  const b = await plan(w, old, true);
  assert.deepEqual(lines(b), lines(a));
});

test('superseded and deselected (diverged target): older last-received hold, older cursor, step hold without a step in flight, a dataset the filter drops', async () => {
  const w = await replicated();
  const old = parseConfig(YAML('old'), 'zform.yml');
  w.src.apply('write tank/a 1K', 'snapshot tank/a@s2');
  await applyPlan(await plan(w, old), old, { hosts: w.hosts, clock: () => NOW }); // cursor and hold move to @s2
  const cfg = parseConfig(YAML('old', '"tank/a": true'), 'zform.yml'); // tank/a/b no longer selected
  const hex = (n: string) => BigInt(w.src.guidOf(n)!).toString(16).padStart(16, '0');
  w.src.apply(`bookmark tank/a@s1 #zform_CURSOR_G_${hex('tank/a@s1')}_J_old`, 'hold zform_STEP_J_old tank/a@s2');
  w.dst.apply('hold zform_last_received_J_old backup/tank/a@s1', 'snapshot backup/tank/a@rogue');
  const list = await readAbstractions(cfg, w.hosts);
  const byName = Object.fromEntries(list.map((a) => [`${a.name}${a.tag ? ' ' + a.tag : ''}`, [a.stale, a.reason]]));
  assert.deepEqual(byName[`tank/a#zform_CURSOR_G_${hex('tank/a@s2')}_J_old`], [false, 'replication cursor: the incremental base for backup/tank/a']);
  assert.deepEqual(byName[`tank/a#zform_CURSOR_G_${hex('tank/a@s1')}_J_old`], [true, 'superseded by the cursor of @s2, the newest replicated snapshot of backup/tank/a']);
  assert.deepEqual(byName['tank/a@s2 zform_STEP_J_old'], [true, 'superseded: no step in flight (no interrupted receive on backup/tank/a)']);
  assert.deepEqual(byName['backup/tank/a@s1 zform_last_received_J_old'], [true, 'superseded: @s2 is the newest replicated snapshot of backup/tank/a']);
  assert.deepEqual(byName['backup/tank/a@s2 zform_last_received_J_old'], [false, 'last-received hold on the newest replicated snapshot'], 'a diverged target\'s own @rogue does not count');
  assert.deepEqual(byName['backup/tank/a/b@s1 zform_last_received_J_old'], [true, 'tank/a/b is no longer selected by job old\'s source.filesystems']);
  assert.deepEqual(byName[`tank/a/b#zform_CURSOR_G_${hex('tank/a/b@s1')}_J_old`], [true, 'tank/a/b is no longer selected by job old\'s source.filesystems']);
  // release-stale's lines, applied, leave exactly the ones in use
  const outcomes = await applyReleaseLines(computeReleaseLines(list.filter((a) => a.stale)), w.hosts);
  assert.ok(outcomes.every((o) => o.error === null));
  const left = await readAbstractions(cfg, w.hosts);
  assert.deepEqual(left.map((a) => [a.name, a.stale]), [[`tank/a#zform_CURSOR_G_${hex('tank/a@s2')}_J_old`, false], ['backup/tank/a@s2', false]]);
});

test('a step hold and tentative cursor stay in use while an interrupted receive waits on the target', async () => {
  const w = await replicated();
  const cfg = parseConfig(YAML('old'), 'zform.yml');
  w.src.apply('write tank/a 4M', 'snapshot tank/a@s2');
  const ctl = new AbortController();
  await applyPlan(await plan(w, cfg), cfg, { hosts: w.hosts, signal: ctl.signal, clock: () => NOW, hooks: (e) => { if (e.type === 'apply_progress' && e.bytes > 1024 * 1024) ctl.abort(); } });
  const steps = (await readAbstractions(cfg, w.hosts)).filter((a) => a.type === 'step_hold');
  assert.ok(steps.length > 0);
  assert.ok(steps.every((a) => !a.stale && a.reason === 'step in flight: an interrupted receive on backup/tank/a waits to be resumed'));
});

test('holds release-stale without a terminal and without --auto-approve exits 64 before reading anything', async () => {
  const c = captureIo({}, () => NOW);
  const code = await run(['holds', 'release-stale', '-c', '/nonexistent.yml'], c.io);
  assert.equal(code, 64);
  assert.match(c.err(), /^zform: standard input is not a terminal, so holds release-stale cannot ask for confirmation: use --auto-approve\n/);
});

test('judged for some jobs only (the plan judges those not in the config): exactly those jobs\' abstractions of the whole list, with the same verdicts', async () => {
  // job "old" replicated, then renamed to "new", which replicated too, and a hold of "old" on a later snapshot
  const w = await replicated();
  const renamed = parseConfig(YAML('new'), 'zform.yml');
  await applyPlan(await plan(w, renamed), renamed, { hosts: w.hosts, clock: () => NOW });
  w.src.apply('snapshot tank/a@s2', 'hold zform_STEP_J_old tank/a@s2');
  const { inventories } = await readInventories(renamed, ['new'], (n) => w.hosts.get(n));
  const whole = computeStaleness(renamed, inventories);
  assert.deepEqual([...new Set(whole.map((a) => a.job))].sort(), ['new', 'old']);
  for (const job of ['old', 'new']) {
    const some = computeStaleness(renamed, inventories, (j) => j === job);
    assert.deepEqual(some, whole.filter((a) => a.job === job), job);
    assert.ok(some.length > 0, job);
  }
  assert.deepEqual(computeStaleness(renamed, inventories, () => false), []);
});
