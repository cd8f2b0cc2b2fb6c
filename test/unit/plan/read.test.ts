// readInventories against FakeHost: one listing per host and set of roots, resume tokens decoded once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInventories } from '../../../src/plan/read.js';
import { COMMANDS_AT_ONCE } from '../../../src/limit.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import type { ResumeTokenInfo, ZfsHost } from '../../../src/zfs/types.js';
import { NOW, config, job, token } from '../../support/dsl.js';
import { computePlan } from '../../../src/plan/compute.js';
import { planErrors } from '../../../src/plan/queries.js';
import { renderPlanHuman } from '../../../src/views/plan-human.js';
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';

const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
/** schemas/plan.schema.json (tests run from dist/test/unit/plan) */
function validatePlan(plan: unknown): unknown {
  const ajv = new (Ajv as unknown as new (o: object) => { compile(s: object): ((v: unknown) => boolean) & { errors?: unknown } })({ strict: true, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../../../schemas/plan.schema.json', import.meta.url), 'utf8')) as object);
  return validate(JSON.parse(JSON.stringify(plan))) ? null : validate.errors;
}

/** the roots of each listing of datasets (`zfs list -r`; their snapshots and bookmarks follow in `-d 1` listings) */
const lists = (h: FakeHost) => h.commandLog.filter((a) => a[1] === 'list' && a.includes('-r')).map((a) => a.slice(a.indexOf('-o') + 2).join(' '));

function hosts() {
  const local = new FakeHost('local').apply('pool tank', 'create tank/a', 'create tank/b', 'snapshot tank/a@s1 tank/b@s1', 'pool other', 'create other/x');
  const nas = new FakeHost('nas').apply('pool backup', 'create backup/one', 'create backup/one/tank', 'snapshot backup/one/tank@s1');
  return { local, nas };
}

/** The fake with resume tokens set on some datasets; counts decodes per host. */
function withTokens(host: FakeHost, tokens: Record<string, string>, decoded: Record<string, ResumeTokenInfo>, decodes: string[]): ZfsHost {
  return new Proxy(host, {
    get(t, p) {
      if (p === 'list') {
        return async (roots: string[]) => {
          const l = await t.list(roots);
          return { ...l, datasets: l.datasets.map((d) => (tokens[d.name] ? { ...d, resumeToken: tokens[d.name]! } : d)) };
        };
      }
      if (p === 'decodeResumeToken') {
        return async (tok: string) => {
          decodes.push(`${t.name}:${tok}`);
          return decoded[tok] ?? t.decodeResumeToken(tok);
        };
      }
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

test('one source listing with the filter roots and one target listing of root_fs per job; shared combinations listed once', async () => {
  const { local, nas } = hosts();
  const jobs = [
    job({ name: 'one', filesystems: { 'tank<': true, 'tank/b': false, 'other/x': true }, target: { host: 'nas', rootFs: 'backup/one' } }),
    job({ name: 'two', filesystems: { 'other/x': true, 'tank<': true }, target: { host: 'nas', rootFs: 'backup/one' } }),
    job({ name: 'three', filesystems: { 'tank/a': true }, target: { host: 'nas', rootFs: 'backup/missing' } }),
    job({ name: 'snaponly', filesystems: { '<': true }, target: null }),
  ];
  const hostFor = (n: string) => ({ local, nas })[n as 'local' | 'nas'];
  const r = await readInventories(config(jobs), ['one', 'two', 'three', 'snaponly'], hostFor);
  assert.deepEqual(lists(local), ['other/x tank', 'tank/a', '']);
  assert.deepEqual(lists(nas), ['backup/one', 'backup/missing']);
  // per distinct host+roots: one `zfs list` of datasets; when it found some, one `zfs list -d 1` of their snapshots and
  // bookmarks (a small tree: one slice) and one `zfs get -r` of zform:placeholder (no candidate: nothing more)
  assert.equal(local.commands, 3 * 3);
  // backup/missing: its dataset listing, then whether its pool exists (no dataset of pool backup was listed with it)
  assert.equal(nas.commands, 3 + 2);
  assert.deepEqual(r.inventories.one!.source.datasets.map((d) => d.name), ['other/x', 'tank', 'tank/a', 'tank/b']);
  assert.equal(r.inventories.two!.source, r.inventories.one!.source, 'the same listing, listed once');
  assert.deepEqual(r.inventories.one!.target!.datasets.map((d) => d.name), ['backup/one', 'backup/one/tank']);
  assert.deepEqual(r.inventories.three!.target, { datasets: [], versions: [], holds: [] }, 'a missing root_fs lists as empty');
  assert.equal(r.inventories.snaponly!.target, null);
  assert.deepEqual(r.inventories.snaponly!.source.datasets.map((d) => d.name), ['other', 'other/x', 'tank', 'tank/a', 'tank/b'], 'the "<" filter lists every pool');
  assert.deepEqual(r.resumeTokens, {});
});

test('every distinct resume token on a target is decoded once, on the source host; a failure is recorded, not thrown', async () => {
  const { local, nas } = hosts();
  nas.apply('create backup/one/tank/a', 'create backup/two');
  const decodes: string[] = [];
  const info = token({ toname: 'tank/a@s2', toguid: '123', fromguid: '45' });
  const src = withTokens(local, {}, { GOOD: info }, decodes);
  const tgt = withTokens(nas, { 'backup/one/tank': 'GOOD', 'backup/one/tank/a': 'BAD', 'backup/two': 'GOOD' }, {}, decodes);
  const jobs = [
    job({ name: 'one', target: { host: 'nas', rootFs: 'backup/one' } }),
    job({ name: 'two', target: { host: 'nas', rootFs: 'backup/two' } }),
  ];
  const r = await readInventories(config(jobs), ['one', 'two'], (n) => (n === 'local' ? src : tgt));
  assert.deepEqual(decodes.sort(), ['local:BAD', 'local:GOOD']);
  assert.deepEqual(r.resumeTokens.GOOD, info);
  assert.ok('error' in r.resumeTokens.BAD!);
  assert.match((r.resumeTokens.BAD as { error: string }).error, /\S/);
  assert.equal(r.inventories.one!.target!.datasets.find((d) => d.name === 'backup/one/tank')!.resumeToken, 'GOOD');
});

test('many resume tokens (a target pool that filled up): at most COMMANDS_AT_ONCE zfs send -n -v -t at once', async () => {
  const { local, nas } = hosts();
  const names = Array.from({ length: 30 }, (_, i) => `backup/one/tank/d${String(i).padStart(2, '0')}`);
  nas.apply(...names.map((n) => `create ${n}`));
  let inFlight = 0;
  let max = 0;
  const src = new Proxy(local, {
    get(t, p) {
      if (p === 'decodeResumeToken') {
        return async (tok: string) => {
          inFlight++;
          max = Math.max(max, inFlight);
          await new Promise((r) => setTimeout(r, 2));
          inFlight--;
          return token({ toname: `tank/${tok}@s2`, toguid: '123', fromguid: '45' });
        };
      }
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  const tgt = withTokens(nas, Object.fromEntries(names.map((n, i) => [n, `T${i}`])), {}, []);
  const r = await readInventories(config([job({ name: 'one', target: { host: 'nas', rootFs: 'backup/one' } })]), ['one'], (n) => (n === 'local' ? src : tgt));
  assert.equal(max, COMMANDS_AT_ONCE);
  assert.equal(Object.keys(r.resumeTokens).length, 30);
  assert.deepEqual(r.resumeTokens.T29, token({ toname: 'tank/T29@s2', toguid: '123', fromguid: '45' }));
});

test('a host that cannot be listed fails only the jobs that need it; the others still plan, and the run exits 1', async () => {
  const { local, nas } = hosts();
  nas.failNext('list', "cannot open 'backup': pool I/O is currently suspended");
  const jobs = [
    job({ name: 'remote', filesystems: { 'tank/a': true }, target: { host: 'nas', rootFs: 'backup/one' } }),
    job({ name: 'mirror', filesystems: { 'tank/b': true }, target: { rootFs: 'other' } }),
  ];
  const cfg = config(jobs);
  const r = await readInventories(cfg, ['remote', 'mirror'], (n) => (n === 'local' ? local : nas));
  assert.deepEqual(Object.keys(r.inventories), ['mirror']);
  assert.deepEqual(Object.keys(r.failures), ['remote']);
  assert.deepEqual(r.failures.remote!.map((f) => [f.host, f.side, f.message]), [['nas', 'target', "zfs list on nas: cannot open 'backup': pool I/O is currently suspended"]]);

  const failures = Object.fromEntries(Object.entries(r.failures).map(([j, fs]) => [j, fs.map(({ host, side, message }) => ({ host, side, message }))]));
  const p = computePlan({ config: cfg, jobs: ['remote', 'mirror'], inventories: r.inventories, resumeTokens: r.resumeTokens, listingFailures: failures, now: NOW, zformVersion: 't', allowRollback: false });
  const [remote, mirror] = p.jobs;
  assert.deepEqual([remote!.datasets, remote!.snapshots], [[], []], 'nothing planned for the job that needs nas');
  assert.deepEqual(remote!.diagnostics, [{
    severity: 'error', summary: "cannot list target host nas: zfs list on nas: cannot open 'backup': pool I/O is currently suspended",
    detail: ['nothing of job remote is planned until nas can be listed; the other jobs are planned as usual'], job: 'remote', host: 'nas',
  }]);
  assert.deepEqual(mirror!.datasets.map((d) => [d.source, d.actions.filter((a) => a.kind === 'send').length]), [['tank', 0], ['tank/b', 1]], 'the local job plans its send (under a placeholder)');
  assert.equal(validatePlan(p), null, 'the diagnostic\'s host is in the schema');
  assert.deepEqual(planErrors(p), { errors: 1, jobErrors: 1, unlistedHosts: 1, blockingErrors: 1, anyActions: true }, 'plan and apply exit 1 although another job has changes');
  const text = renderPlanHuman(p, { color: false });
  assert.match(text, /^Error: cannot list target host nas: zfs list on nas: cannot open 'backup': pool I\/O is currently suspended\n  on job remote\n  nothing of job remote is planned until nas can be listed; the other jobs are planned as usual\n/m);
  assert.match(text, /^# job mirror \(local → local\): 1 send/m);
});

test('a source host that cannot be listed: every job on it names it once; a job on both failing hosts names both', async () => {
  const { local, nas } = hosts();
  local.failNext('list', 'ssh: connect to host local: Connection refused');
  nas.failNext('list', "cannot open 'backup': pool I/O is currently suspended");
  const jobs = [
    job({ name: 'both', filesystems: { 'tank/a': true }, target: { host: 'nas', rootFs: 'backup/one' } }),
    job({ name: 'same', filesystems: { 'tank/a': true }, target: { host: 'nas', rootFs: 'backup/one' } }),
  ];
  const r = await readInventories(config(jobs), ['both', 'same'], (n) => (n === 'local' ? local : nas));
  assert.deepEqual(r.inventories, {});
  assert.deepEqual(Object.fromEntries(Object.entries(r.failures).map(([j, fs]) => [j, fs.map((f) => `${f.side} ${f.host}`)])), { both: ['source local', 'target nas'], same: ['source local', 'target nas'] },
    'one listing per host and roots, shared: its failure reaches every job that needs it');
});

test('only the selected jobs are listed', async () => {
  const { local, nas } = hosts();
  const jobs = [job({ name: 'a', filesystems: { 'tank/a': true } }), job({ name: 'b', filesystems: { 'tank/b': true } })];
  const r = await readInventories(config(jobs), ['b'], (n) => (n === 'local' ? local : nas));
  assert.deepEqual(Object.keys(r.inventories), ['b']);
  assert.deepEqual(lists(local), ['tank/b', 'backup'], "job b's source, then its target (root_fs backup on local)");
});

test('send.compression: one command -v per host whose transfers compress, with every program its jobs need; the plan validates', async () => {
  const h = hosts();
  const nasFake = new FakeHost('nas', { programs: ['gzip'] }).apply('pool backup', 'create backup/one', 'create backup/one/tank', 'snapshot backup/one/tank@s1');
  const ssh = { host: 'nas.example.org', port: 22, user: 'root', knownHosts: '/k', connectTimeoutMs: 1000, keepaliveIntervalMs: 1000 };
  const jobs = [
    job({ name: 'z', filesystems: { 'tank/a': true }, target: { host: 'nas', rootFs: 'backup/one' }, send: { compression: { program: 'zstd', level: 3 } } }),
    job({ name: 'g', filesystems: { 'tank/b': true }, target: { host: 'nas', rootFs: 'backup/one' }, send: { compression: { program: 'gzip', level: null } } }),
    job({ name: 'l', filesystems: { 'other<': true }, target: { rootFs: 'other/backup' }, send: { compression: { program: 'lz4', level: null } } }),
  ];
  const cfg = { ...config(jobs), hosts: { ...config(jobs).hosts, nas: { name: 'nas', privilege: [], ssh } } };
  const get = (n: string): ZfsHost => (n === 'nas' ? nasFake : h.local);
  const inv = await readInventories(cfg, ['z', 'g', 'l'], get, { checkPrograms: true });
  assert.deepEqual(inv.programs, { local: ['gzip', 'zstd'], nas: ['gzip'] });
  const asked = (f: FakeHost) => f.commandLog.filter((a) => a[0] === 'sh').map((a) => a.slice(4).join(' '));
  assert.deepEqual(asked(h.local), ['gzip zstd'], 'lz4 of the local-to-local job is not asked for');
  assert.deepEqual(asked(nasFake), ['gzip zstd']);
  const plan = computePlan({ config: cfg, jobs: ['z', 'g', 'l'], ...inv, now: NOW, zformVersion: '0.1.0', allowRollback: false, listingFailures: inv.failures });
  const z = plan.jobs.find((j) => j.job === 'z')!.datasets.find((d) => d.source === 'tank/a')!;
  assert.equal(z.diagnostics[0]!.summary, 'send.compression zstd:3: zstd is not installed on nas');
  const g = plan.jobs.find((j) => j.job === 'g')!.datasets.find((d) => d.source === 'tank/b')!;
  assert.deepEqual(g.actions.filter((a) => a.kind === 'send').map((a) => a.kind === 'send' && a.compression), ['gzip']);
  assert.equal(validatePlan(plan), null);
  // without checkPrograms (holds, status): nothing asked
  const quiet = hosts();
  await readInventories(cfg, ['z'], (n) => (n === 'nas' ? quiet.nas : quiet.local));
  assert.deepEqual(asked(quiet.local), []);
});
