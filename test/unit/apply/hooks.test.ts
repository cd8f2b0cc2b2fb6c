// Hooks around snapshots and after replication, skip_empty and destroy_empty, planned and applied against FakeHost:
// what the plan says, what runs where with which environment, what a failing or hanging hook does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan } from '../../../src/apply/execute.js';
import { checkSavedPlanFile, recomputeSavedPlan } from '../../../src/apply/stale.js';
import { renderPlanHuman } from '../../../src/views/plan-human.js';
import { computeHookArgv } from '../../../src/zfs/hook.js';
import { quoteCommand } from '../../../src/zfs/quote.js';
import { HOOK_LIST_MAX_BYTES, capLines, computeHookEnv, computeOutcomeEnv } from '../../../src/apply/hooks.js';
import type { JobPlan, PlannedHook } from '../../../src/plan/types.js';
import { StalePlanError } from '../../../src/errors.js';
import type { Plan } from '../../../src/plan/types.js';
import type { Config } from '../../../src/config/types.js';
import type { ApplyEvent } from '../../../src/apply/events.js';

const T0 = new Date('2026-11-21T10:00:00Z');
const NOW = new Date('2026-11-21T12:00:00Z');

const yaml = (snapshotting: string, extra = '') => `
hosts:
  nas:
    ssh: { host: nas.example.org, known_hosts: /dev/null }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/db<": true, "tank/web<": true, "data/x<": true } }
    target: { host: nas, root_fs: backup }
    snapshotting:
      prefix: zform_
      interval: 1h
${snapshotting}
${extra}`;

const FREEZE = `      hooks:
        - type: command
          path: /usr/local/bin/freeze
          timeout: 10s
          err_is_fatal: true
          filesystems: { "tank/db<": true }`;

interface World { config: Config; src: FakeHost; dst: FakeHost; clock: { now: Date } }

function world(text: string): World {
  const clock = { now: T0 };
  const src = new FakeHost('local', { clock: () => clock.now }).apply(
    'pool tank', 'create tank/db', 'create tank/web', 'write tank/db 100K', 'write tank/web 50K', 'snapshot tank/db@zform_a tank/web@zform_a',
    'pool data', 'create data/x', 'snapshot data/x@zform_a');
  const dst = new FakeHost('nas', { clock: () => clock.now }).apply('pool backup');
  clock.now = NOW;
  return { config: parseConfig(text, 'zform.yml'), src, dst, clock };
}

function hosts(w: World) {
  return staticHosts({ local: w.src, nas: w.dst });
}

async function plan(w: World): Promise<Plan> {
  const h = hosts(w);
  const { inventories, resumeTokens } = await readInventories(w.config, ['j'], (n) => h.get(n));
  return computePlan({ config: w.config, jobs: ['j'], inventories, resumeTokens, now: w.clock.now, zformVersion: 'test', allowRollback: false });
}

async function apply(w: World, p: Plan, events: ApplyEvent[] = []) {
  return applyPlan(p, w.config, { hosts: hosts(w), hooks: (e) => events.push(e), clock: () => w.clock.now });
}

function snapshotsOf(h: FakeHost, dataset: string): string[] {
  return (h.zfs.state.dataset(dataset)?.snapshots ?? []).map((s) => s.name);
}

test('snapshot hooks are plan lines around their pool\'s batch, for the datasets their filter selects; plan runs none', async () => {
  const w = world(yaml(FREEZE));
  const p = await plan(w);
  const hooks = p.jobs[0]!.hooks!;
  assert.deepEqual(hooks.map((h) => [h.phase, h.host, h.pool, h.snapshot, h.datasets, h.timeoutMs, h.errIsFatal]), [
    ['pre_snapshot', 'local', 'tank', 'zform_20261121_120000_000', ['tank/db'], 10_000, true],
    ['post_snapshot', 'local', 'tank', 'zform_20261121_120000_000', ['tank/db'], 10_000, true],
  ], 'no hook for pool data: its filter selects none of data\'s datasets');
  assert.equal(w.src.zfs.hookRuns.length, 0, 'planning never runs a hook');
  const text = renderPlanHuman(p, { color: false });
  const lines = text.split('\n');
  const pre = lines.findIndex((l) => l.includes('hook pre_snapshot /usr/local/bin/freeze on local (timeout 10s, err_is_fatal): tank/db'));
  const snap = lines.findIndex((l) => l.includes('snapshot, pool tank'));
  const post = lines.findIndex((l) => l.includes('hook post_snapshot /usr/local/bin/freeze'));
  assert.ok(pre >= 0 && pre < snap && snap < post, text);
});

test('apply runs the hooks on the source host with the ZFORM_* environment, before and after the snapshot', async () => {
  const w = world(yaml(FREEZE));
  const seen: string[] = [];
  w.src.zfs.setHook('/usr/local/bin/freeze', (env) => {
    seen.push(`${env.ZFORM_HOOK_PHASE}: ${snapshotsOf(w.src, 'tank/db').join(',')}`);
    return { stdout: 'flushed\n' };
  });
  const events: ApplyEvent[] = [];
  const r = await apply(w, await plan(w), events);
  assert.deepEqual(r.snapshotFailures, []);
  assert.deepEqual(seen, ['pre_snapshot: zform_a', 'post_snapshot: zform_a,zform_20261121_120000_000']);
  const env = w.src.zfs.hookRuns[0]!.env;
  assert.deepEqual(env, {
    ZFORM_JOB: 'j', ZFORM_HOOK_PHASE: 'pre_snapshot', ZFORM_DRY_RUN: 'false', ZFORM_SOURCE_HOST: 'local', ZFORM_TARGET_HOST: 'nas',
    ZFORM_DATASETS: 'tank/db', ZFORM_DATASET: 'tank/db', ZFORM_DATASETS_COUNT: '1', ZFORM_POOL: 'tank', ZFORM_SNAPSHOT: 'zform_20261121_120000_000',
    ZFORM_TRUNCATED: '',
  });
  assert.equal(w.src.zfs.hookRuns[1]!.env.ZFORM_OUTCOME, 'ok');
  assert.equal(w.src.zfs.hookRuns[0]!.timeoutSeconds, 10);
  const done = events.filter((e) => e.type === 'hook_done');
  assert.deepEqual(done.map((e) => e.type === 'hook_done' && [e.hook.phase, e.ok, e.stdout]), [['pre_snapshot', true, 'flushed\n'], ['post_snapshot', true, 'flushed\n']]);
});

test('a pre_snapshot hook with err_is_fatal that fails: no snapshot of its datasets, the others are taken, the run reports it', async () => {
  const w = world(yaml(FREEZE));
  w.src.zfs.setHook('/usr/local/bin/freeze', (env) => (env.ZFORM_HOOK_PHASE === 'pre_snapshot' ? { code: 3, stderr: 'database is not accepting FLUSH\n' } : {}));
  const r = await apply(w, await plan(w));
  assert.deepEqual(snapshotsOf(w.src, 'tank/db'), ['zform_a']);
  assert.deepEqual(snapshotsOf(w.src, 'tank/web'), ['zform_a', 'zform_20261121_120000_000']);
  assert.deepEqual(r.snapshotFailures, [
    'j: pre_snapshot hook /usr/local/bin/freeze on local failed (exit 3: database is not accepting FLUSH): no snapshot of tank/db (err_is_fatal)',
  ]);
  const db = r.outcomes.find((o) => o.source === 'tank/db')!;
  assert.notEqual(db.status, 'ok', 'the chain that needs the snapshot does not run as if it were there');
  assert.equal(r.outcomes.find((o) => o.source === 'tank/web')!.status, 'ok');
  assert.equal(w.src.zfs.hookRuns[1]!.env.ZFORM_OUTCOME, 'ok', 'post_snapshot still runs (tank/web was taken)');
});

test('a hook past its timeout is killed (timeout\'s exit 124) and counts as failed; without err_is_fatal only logged', async () => {
  const w = world(yaml(FREEZE));
  w.src.zfs.setHook('/usr/local/bin/freeze', () => ({ hang: true }));
  const r = await apply(w, await plan(w));
  assert.deepEqual(snapshotsOf(w.src, 'tank/db'), ['zform_a']);
  assert.match(r.snapshotFailures[0]!, /pre_snapshot hook \/usr\/local\/bin\/freeze on local failed \(timed out after 10s and was killed\)/);

  const lax = world(yaml(FREEZE.replace('err_is_fatal: true', 'err_is_fatal: false')));
  lax.src.zfs.setHook('/usr/local/bin/freeze', () => ({ hang: true }));
  const events: ApplyEvent[] = [];
  const r2 = await apply(lax, await plan(lax), events);
  assert.deepEqual(r2.snapshotFailures, []);
  assert.deepEqual(snapshotsOf(lax.src, 'tank/db'), ['zform_a', 'zform_20261121_120000_000']);
  assert.ok(events.some((e) => e.type === 'hook_done' && !e.ok && e.end.startsWith('timed out')));
});

test('a missing hook executable is not run and fails its hook, naming the file', async () => {
  const w = world(yaml(FREEZE));
  const r = await apply(w, await plan(w));
  assert.match(r.snapshotFailures[0]!, /not run: cannot check who can change \/usr\/local\/bin\/freeze on local: realpath exited 1: realpath: \/usr\/local\/bin\/freeze: No such file or directory\): no snapshot of tank\/db \(err_is_fatal\)/);
  assert.deepEqual(w.src.zfs.hookRuns, []);
});

test('a hook on a host reached over a connection (the fake\'s) that another user could change is not run: its dataset gets no snapshot (err_is_fatal)', async () => {
  const w = world(yaml(FREEZE));
  w.src.zfs.setHook('/usr/local/bin/freeze', () => ({}));
  w.src.zfs.setFolder('/usr/local/bin', { gid: 50, mode: 0o775 });
  const r = await apply(w, await plan(w));
  assert.deepEqual(w.src.zfs.hookRuns, []);
  assert.deepEqual(snapshotsOf(w.src, 'tank/db'), ['zform_a']);
  assert.match(r.snapshotFailures[0]!, /not run: \/usr\/local\/bin\/freeze on local: its folder \/usr\/local\/bin is writable by its group, gid 50 \(mode 0775\); .* writable only by root\)/);

  // the login user's own file runs (as for a local hook: root or that user)
  const own = world(yaml(FREEZE));
  own.src.zfs.loginUid = 1000;
  own.src.zfs.setHook('/usr/local/bin/freeze', () => ({}), { uid: 1000, mode: 0o700 });
  const r2 = await apply(own, await plan(own));
  assert.deepEqual(r2.snapshotFailures, []);
  assert.deepEqual(own.src.zfs.hookRuns.map((h) => h.env.ZFORM_HOOK_PHASE), ['pre_snapshot', 'post_snapshot']);
  const other = world(yaml(FREEZE));
  other.src.zfs.setHook('/usr/local/bin/freeze', () => ({}), { uid: 1000, mode: 0o700 });
  const r3 = await apply(other, await plan(other));
  assert.match(r3.snapshotFailures[0]!, /not run: \/usr\/local\/bin\/freeze on local: the file is owned by uid 1000;/);
});

test('replication.hooks run after replication on the local machine with the outcome; not when there is nothing to do', async () => {
  const text = yaml('', `    replication:
      hooks:
        - { type: command, path: /usr/local/bin/notify }`);
  const w = world(text);
  const p = await plan(w);
  const after = p.jobs[0]!.hooks!.filter((h) => h.phase === 'post_replication');
  assert.deepEqual(after.map((h) => [h.host, h.path, h.timeoutMs, h.errIsFatal, h.datasets]), [['local', '/usr/local/bin/notify', 30_000, false, ['data/x', 'tank/db', 'tank/web']]]);
  w.src.zfs.setHook('/usr/local/bin/notify', () => ({}));
  w.dst.failNext('receive', 'cannot receive new filesystem stream: out of space');
  const r = await apply(w, p);
  assert.equal(w.src.zfs.hookRuns.length, 1);
  const env = w.src.zfs.hookRuns[0]!.env;
  assert.equal(env.ZFORM_HOOK_PHASE, 'post_replication');
  assert.equal(env.ZFORM_OUTCOME, 'failed');
  assert.equal(Number(env.ZFORM_BYTES), r.totals.bytes);
  assert.ok(Number(env.ZFORM_BYTES) > 0);
  assert.equal(env.ZFORM_DATASETS_FAILED!.split('\n').length, 1);
  assert.match(env.ZFORM_PROBLEMS!, /out of space/);

  // the next run finishes the job: ok; the one after has nothing to do and runs no hook
  w.clock.now = new Date(NOW.getTime() + 60_000);
  await apply(w, await plan(w));
  assert.equal(w.src.zfs.hookRuns[1]!.env.ZFORM_OUTCOME, 'ok');
  assert.equal(w.src.zfs.hookRuns[1]!.env.ZFORM_DATASETS_FAILED, '');
  const idle = await plan(w);
  assert.equal(idle.jobs[0]!.hooks, undefined);
});

test('a saved plan\'s hooks come from the config: a plan file with another hook path is refused', async () => {
  const w = world(yaml(FREEZE));
  const saved = JSON.parse(JSON.stringify(await plan(w))) as Plan;
  saved.jobs[0]!.hooks![0]!.path = '/tmp/evil';
  await assert.rejects(
    recomputeSavedPlan(saved, w.config, checkSavedPlanFile(saved, w.config, new Date(saved.createdAt)), hosts(w), new Date(saved.createdAt)),
    (err: unknown) => err instanceof StalePlanError && /hooks\[0\]\.path: "\/tmp\/evil" in the file, "\/usr\/local\/bin\/freeze" now/.test(err.message),
  );
});

test('skip_empty: a dataset with nothing written since its newest snapshot gets none; its sibling does; the plan says why', async () => {
  const w = world(yaml('      skip_empty: true'));
  w.src.apply('write tank/web 10K');
  const p = await plan(w);
  assert.deepEqual(p.jobs[0]!.snapshots.flatMap((a) => (a.kind === 'snapshot' ? a.snapshots : [])), ['tank/web@zform_20261121_120000_000']);
  assert.deepEqual(p.jobs[0]!.skipped!.map((k) => [k.dataset, k.since, k.reason]), [
    ['data/x', 'zform_a', 'nothing was written since @zform_a (snapshotting.skip_empty)'],
    ['tank/db', 'zform_a', 'nothing was written since @zform_a (snapshotting.skip_empty)'],
  ]);
  const text = renderPlanHuman(p, { color: false });
  assert.match(text, /# job j: 2 datasets not snapshotted\n {2}data\/x {2}\(nothing was written since @zform_a \(snapshotting\.skip_empty\)\)\n {2}tank\/db/);
});

test('skip_empty with a threshold, and never when the newest snapshot is not zform\'s or there is none', async () => {
  const w = world(yaml('      skip_empty: 20 KiB'));
  w.src.apply('write tank/web 10K', 'write tank/db 30K', 'create data/x/y', 'snapshot data/x@manual');
  const p = await plan(w);
  const taken = p.jobs[0]!.snapshots.flatMap((a) => (a.kind === 'snapshot' ? a.snapshots : [])).map((s) => s.slice(0, s.indexOf('@')));
  assert.deepEqual(taken, ['data/x', 'data/x/y', 'tank/db']);
  assert.deepEqual(p.jobs[0]!.skipped!.map((k) => [k.dataset, k.reason]), [['tank/web', '10.0 KiB written, below 20.0 KiB since @zform_a (snapshotting.skip_empty)']]);
});

test('destroy_empty: empty snapshots go unless newest, bookmarked (a cursor\'s), held, or after one the rules destroy', async () => {
  const text = `
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a": true } }
    pruning:
      keep_source: [{ type: regex, regex: "^(s1|s2|s3|s5|s6|s7)$" }]
      destroy_empty: true
`;
  const clock = { now: T0 };
  // s1 data; s2 empty (goes); s3 empty but bookmarked; s4 data, destroyed by the rules; s5 empty after s4 (stays);
  // s6 empty but held; s7 empty and newest
  const src = new FakeHost('local', { clock: () => clock.now }).apply(
    'pool tank', 'create tank/a', 'write tank/a 10K', 'snapshot tank/a@s1', 'snapshot tank/a@s2', 'snapshot tank/a@s3', 'bookmark tank/a@s3 #b3',
    'write tank/a 5K', 'snapshot tank/a@s4', 'snapshot tank/a@s5', 'snapshot tank/a@s6', 'hold keep tank/a@s6', 'snapshot tank/a@s7');
  const config = parseConfig(text, 'zform.yml');
  const h = staticHosts({ local: src });
  const { inventories, resumeTokens } = await readInventories(config, ['j'], (n) => h.get(n));
  const p = computePlan({ config, jobs: ['j'], inventories, resumeTokens, now: NOW, zformVersion: 't', allowRollback: false });
  const destroy = p.jobs[0]!.datasets[0]!.actions.find((a) => a.kind === 'destroy_snapshots');
  assert.ok(destroy && destroy.kind === 'destroy_snapshots');
  assert.deepEqual(destroy.snapshots.map((s) => s.ref.name), ['s2', 's4']);
  assert.equal(destroy.snapshots[0]!.reason, 'empty: written 0 since @s1 (pruning.destroy_empty)');
  assert.doesNotMatch(destroy.snapshots[1]!.reason, /destroy_empty/, 's4 goes by the keep rules');
});

test('validate: bad hook and skip_empty values are reported at their file:line:column', async () => {
  const { issuesOf, y } = await import('../../support/config.js');
  const issues = issuesOf(y(
    'jobs:',
    '  - name: j',
    '    source: { filesystems: { "tank<": true } }',
    '    snapshotting:',
    '      prefix: zform_',
    '      interval: 1h',
    '      skip_empty: lots',
    '      hooks:',
    '        - type: command',
    '          path: freeze.sh',
    '          timeout: 10 minutes',
    '          filesystems: { "tank<x": true }',
    '        - { type: command, path: /bin/x, retries: 3 }',
  ));
  const text = issues.join('\n');
  assert.match(text, /zform\.yml:7:19: .*skip_empty/);
  assert.match(text, /zform\.yml:10:17: .*path: must be an absolute path, not "freeze\.sh"/);
  assert.match(text, /zform\.yml:11:20: .*timeout/);
  assert.match(text, /zform\.yml:12:26: .*invalid filter pattern "tank<x"/);
  assert.match(text, /zform\.yml:13:.*retries/);
});

test('the hook argv: timeout with a kill grace, env words, the path; nothing for a shell to parse', () => {
  assert.deepEqual(computeHookArgv({ path: '/opt/hooks/pg checkpoint', env: { ZFORM_JOB: 'j', ZFORM_DATASETS: "tank/a b\ntank/it's" }, timeoutMs: 1500 }), [
    'timeout', '-k', '5', '1.5', 'env', 'ZFORM_JOB=j', "ZFORM_DATASETS=tank/a b\ntank/it's", '/opt/hooks/pg checkpoint',
  ]);
  assert.throws(() => computeHookArgv({ path: 'relative', env: {}, timeoutMs: 1000 }), /not a hook path/);
  assert.throws(() => computeHookArgv({ path: '/a=b', env: {}, timeoutMs: 1000 }), /not a hook path/);
  assert.throws(() => computeHookArgv({ path: '/x', env: { 'A;B': '1' }, timeoutMs: 1000 }), /not an environment variable name/);
});

test('destroy_empty never takes the replication base (guarantee_nothing: no cursor bookmark to fall back on)', async () => {
  const text = `
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a": true } }
    target: { host: local, root_fs: backup }
    replication:
      initial: all
      protection: { initial: guarantee_nothing, incremental: guarantee_nothing }
    pruning:
      destroy_empty: true
`;
  const clock = { now: T0 };
  const src = new FakeHost('local', { clock: () => clock.now }).apply(
    'pool tank', 'create tank/a', 'write tank/a 10K', 'snapshot tank/a@s1', 'snapshot tank/a@s2', 'pool backup');
  const config = parseConfig(text, 'zform.yml');
  const h = staticHosts({ local: src });
  const planNow = async () => {
    const { inventories, resumeTokens } = await readInventories(config, ['j'], (n) => h.get(n));
    return computePlan({ config, jobs: ['j'], inventories, resumeTokens, now: NOW, zformVersion: 't', allowRollback: false });
  };
  await applyPlan(await planNow(), config, { hosts: h, clock: () => NOW });
  assert.deepEqual(snapshotsOf(src, 'backup/tank/a'), ['s1', 's2']);
  // s2 is empty, the replication base and both sides' newest; s3 (empty) is newer and not yet replicated
  src.apply('snapshot tank/a@s3');
  const p = await planNow();
  const destroys = p.jobs[0]!.datasets.find((d) => d.source === 'tank/a')!.actions.filter((a) => a.kind === 'destroy_snapshots');
  // after the send of s3, s3 is the base: s2 (empty, after s1 which stays) goes on both sides, s3 never
  assert.deepEqual(destroys.map((a) => a.kind === 'destroy_snapshots' && [a.side, a.snapshots.map((s) => s.ref.name)]), [['source', ['s2']], ['target', ['s2']]]);
});

test('hook output goes to the log, one line per line printed; a failed hook at warn', async () => {
  const { Observability } = await import('../../../src/obs/observe.js');
  const { captureStream } = await import('../../support/terminal.js');
  const { stream, text } = captureStream();
  const obs = new Observability({ format: 'logfmt', level: 'info', stderr: stream, clock: () => NOW });
  const w = world(yaml(FREEZE));
  w.src.zfs.setHook('/usr/local/bin/freeze', (env) => (env.ZFORM_HOOK_PHASE === 'pre_snapshot' ? { stdout: 'one\ntwo\n', stderr: 'lock timeout\n', code: 1 } : {}));
  await applyPlan(await plan(w), w.config, { hosts: hosts(w), hooks: obs.onApplyEvent, clock: () => NOW });
  const lines = text().split('\n').filter((l) => l.includes('hook'));
  assert.ok(lines.some((l) => /level=info msg="hook output".*stream=stdout line=one/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /level=info msg="hook output".*line=two/.test(l)));
  assert.ok(lines.some((l) => /level=warn msg="hook output".*stream=stderr line="lock timeout"/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /level=warn msg="hook failed".*phase=pre_snapshot.*result="exit 1: lock timeout"/.test(l)), lines.join('\n'));
});

test('a plan with hooks and skipped datasets is a valid plan file (schemas/plan.schema.json) that reads back whole', async () => {
  const { writePlanFile, readPlanFile } = await import('../../../src/planfile.js');
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const w = world(yaml(`${FREEZE}\n      skip_empty: true`));
  w.src.apply('write tank/db 1K');
  const p = await plan(w);
  assert.ok(p.jobs[0]!.hooks && p.jobs[0]!.skipped);
  const file = `${await mkdtemp(`${tmpdir()}/zform-hooks-`)}/p.json`;
  await writePlanFile(file, p);
  assert.deepEqual(await readPlanFile(file), JSON.parse(JSON.stringify(p)));
});

test('thousands of datasets: each list variable is cut to whole lines within 24 KiB, named in ZFORM_TRUNCATED; the remote command stays under Linux\'s 128 KiB', () => {
  const datasets = Array.from({ length: 6000 }, (_, i) => `tank/customers/c${String(i).padStart(5, '0')}/vm-disks`);
  const job = { job: 'big', sourceHost: 'nas', targetHost: 'backup' } as JobPlan;
  const h: PlannedHook = { phase: 'post_replication', host: 'local', path: '/usr/local/bin/notify', timeoutMs: 30_000, errIsFatal: false, datasets };
  const outcomes = datasets.map((source, i) => ({ source, target: `pool/${source}`, status: i % 2 === 0 ? 'ok' : 'failed', reason: i % 2 === 0 ? undefined : 'out of space' }));
  const env = computeHookEnv(job, h, computeOutcomeEnv(outcomes as never, [], 42, datasets));
  for (const name of ['ZFORM_DATASETS', 'ZFORM_DATASETS_OK', 'ZFORM_DATASETS_FAILED', 'ZFORM_PROBLEMS']) {
    const value = env[name]!;
    assert.ok(Buffer.byteLength(value) <= HOOK_LIST_MAX_BYTES && Buffer.byteLength(value) > HOOK_LIST_MAX_BYTES - 200, `${name}: ${value.length}`);
    // whole lines, the first ones, in order
    const lines = value.split('\n');
    assert.ok(lines.every((l) => l.startsWith('tank/customers/c') && (l.endsWith('/vm-disks') || l.endsWith('out of space'))), name);
  }
  assert.deepEqual(env.ZFORM_DATASETS!.split('\n'), datasets.slice(0, env.ZFORM_DATASETS!.split('\n').length));
  assert.equal(env.ZFORM_TRUNCATED, 'ZFORM_DATASETS ZFORM_DATASETS_OK ZFORM_DATASETS_FAILED ZFORM_PROBLEMS');
  assert.equal(env.ZFORM_DATASETS_COUNT, '6000');
  assert.equal(env.ZFORM_DATASET, datasets[0]);
  // over SSH the quoted command is one argument of the remote shell: MAX_ARG_STRLEN is 128 KiB
  assert.ok(quoteCommand(computeHookArgv({ path: h.path, env, timeoutMs: h.timeoutMs })).length < 128 * 1024);
});

test('capLines: whole lines within the bytes, never half a UTF-8 character; a first line too long gives nothing', () => {
  assert.equal(capLines('a\nb\nc', 10), 'a\nb\nc');
  assert.equal(capLines('tank/a\ntank/b\ntank/c', 12), 'tank/a');
  assert.equal(capLines('tank/a\ntank/b\ntank/c', 13), 'tank/a\ntank/b');
  assert.equal(capLines('tank/d\u00e9j\u00e0\ntank/\u00fcber', 14), 'tank/d\u00e9j\u00e0');
  assert.equal(capLines('tank/\u00fcber-long-name\ntank/b', 8), '');
});
