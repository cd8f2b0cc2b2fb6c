// apply batches across datasets what ZFS allows: holds and releases of one tag in one command, the GUIDs of the
// snapshots just taken and those the sends delivered in one `zfs get` per host. Counted on FakeHost (which runs
// the commands CommandZfsHost would), with the guarantees kept: a failure of a batched command isolates its dataset,
// the cursor moves only after a confirmed GUID, and an interrupted run resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan } from '../../../src/apply/execute.js';
import type { Plan } from '../../../src/plan/types.js';
import { COMMANDS_AT_ONCE } from '../../../src/limit.js';
import type { Config } from '../../../src/config/types.js';
import type { ApplyEvent } from '../../../src/apply/events.js';

const N = 12;

const YAML = (protection: string, snapshotting = false) => `
hosts:
  nas:
    ssh: { host: nas.example.org, known_hosts: /dev/null }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/d<": true } }
    target: { host: nas, root_fs: backup }
    replication:
      protection: { initial: ${protection}, incremental: ${protection} }
${snapshotting ? '    snapshotting: { prefix: zform_, interval: 1h }\n' : ''}`;

interface World { config: Config; src: FakeHost; dst: FakeHost; now: Date }
const kids = Array.from({ length: N }, (_, i) => `tank/d/k${String(i).padStart(2, '0')}`);

function world(protection = 'guarantee_resumability', snapshotting = false, channelPrograms = true): World {
  const now = new Date('2026-11-22T12:00:00Z');
  const src = new FakeHost('local', { clock: () => now, channelPrograms }).apply('pool tank', 'create tank/d', ...kids.map((k) => `create ${k}`),
    `snapshot tank/d@s1 ${kids.map((k) => `${k}@s1`).join(' ')}`);
  const dst = new FakeHost('nas', { clock: () => now }).apply('pool backup');
  return { config: parseConfig(YAML(protection, snapshotting), 'zform.yml'), src, dst, now };
}

async function plan(w: World): Promise<Plan> {
  const hosts = staticHosts({ local: w.src, nas: w.dst });
  const { inventories, resumeTokens } = await readInventories(w.config, ['j'], (n) => hosts.get(n));
  return computePlan({ config: w.config, jobs: ['j'], inventories, resumeTokens, now: w.now, zformVersion: 'test', allowRollback: false });
}

async function apply(w: World, p: Plan, opts: { signal?: AbortSignal; events?: ApplyEvent[] } = {}) {
  w.src.resetCommands();
  w.dst.resetCommands();
  const r = await applyPlan(p, w.config, { hosts: staticHosts({ local: w.src, nas: w.dst }), signal: opts.signal, hooks: (e) => opts.events?.push(e), clock: () => w.now });
  return r;
}

const verbs = (h: FakeHost) => {
  const m: Record<string, number> = {};
  for (const argv of h.commandLog) m[argv[1]!] = (m[argv[1]!] ?? 0) + 1;
  return m;
};
const actionCount = (p: Plan) => p.jobs.reduce((n, j) => n + j.snapshots.length + j.datasets.reduce((m, d) => m + d.actions.length, 0), 0);
const newSnapshots = (w: World, name: string) => w.src.apply(`snapshot tank/d@${name} ${kids.map((k) => `${k}@${name}`).join(' ')}`);

test('an incremental of many datasets: one hold and one release command per tag and side, one GUID check per host', async () => {
  const w = world();
  await apply(w, await plan(w));
  newSnapshots(w, 's2');
  const r = await apply(w, await plan(w));
  assert.ok(r.outcomes.every((o) => o.status === 'ok'), JSON.stringify(r.outcomes));
  assert.equal(r.totals.sends, N + 1);
  const s = verbs(w.src);
  const d = verbs(w.dst);
  // source: step holds taken in one command and released in one; the new cursors in one channel program (the
  // children, whose target exists, do not wait for their parent); OpenZFS destroys a bookmark per command
  assert.equal(s.hold, 1);
  assert.equal(s.release, 1);
  assert.equal(s.send, N + 1);
  assert.equal(s.program, 1);
  assert.equal(s.bookmark ?? 0, 0);
  assert.equal(s.destroy, N + 1);
  assert.equal(s.get ?? 0, 0, 'the GUIDs of snapshots that existed at planning time are in the plan');
  // target: one last-received hold command, one release of the old ones, one GUID confirmation
  assert.equal(d.hold, 1);
  assert.equal(d.release, 1);
  assert.equal(d.get, 1);
  assert.equal(d.receive, N + 1);
  for (const k of kids) assert.equal(w.dst.guidOf(`backup/${k}@s2`), w.src.guidOf(`${k}@s2`));
  assert.equal(actionCount(await plan(w)), 0, 'nothing left to do: the protection on disk is what the plan wanted');
});

test('snapshots zform takes: their GUIDs come from one zfs get for the whole job, not one per dataset', async () => {
  const w = world('guarantee_resumability', true);
  const r = await apply(w, await plan(w));
  assert.ok(r.outcomes.every((o) => o.status === 'ok'));
  assert.equal(verbs(w.src).snapshot, 1, JSON.stringify(w.src.commandLog.map((a) => a.slice(0, 4))));
  assert.equal(verbs(w.src).get, 1, JSON.stringify(w.src.commandLog.filter((a) => a[1] === 'get').map((a) => a.slice(0, 12))));
  // the parent's chain completes before its children start (they receive into it): one confirmation per level
  assert.equal(verbs(w.dst).get, 2);
});

test('a batched hold that fails for one dataset falls back to one command per dataset: only that dataset fails', async () => {
  const w = world();
  await apply(w, await plan(w));
  newSnapshots(w, 's2');
  const p = await plan(w);
  // k03's new snapshot disappears after planning: its step hold cannot be taken (a real failure, not benign)
  w.src.apply('destroy tank/d/k03@s2');
  const r = await apply(w, p);
  const by = Object.fromEntries(r.outcomes.map((o) => [o.source, o]));
  assert.equal(by['tank/d/k03']!.status, 'failed');
  assert.match(by['tank/d/k03']!.reason!, /tank\/d\/k03@s2.*does not exist/);
  for (const k of kids.filter((x) => x !== 'tank/d/k03')) {
    assert.equal(by[k]!.status, 'ok', k);
    assert.equal(w.dst.guidOf(`backup/${k}@s2`), w.src.guidOf(`${k}@s2`));
  }
  // the batch ran once, then each dataset's hold on its own (those already held are fine)
  assert.equal(w.src.commandLog.filter((a) => a[1] === 'hold').length, 1 + N + 1);
  // the failed dataset keeps what protects its next try: its cursor at s1, its step hold on s1
  const l = await w.src.list(['tank/d/k03']);
  assert.ok(l.versions.some((v) => v.kind === 'bookmark' && v.name.startsWith('zform_CURSOR_')));
});

test('a failed batched GUID check falls back to one check per dataset; cursors move only after it', async () => {
  const w = world();
  await apply(w, await plan(w));
  newSnapshots(w, 's2');
  const p = await plan(w);
  w.dst.failNext((a) => a[0] === 'get' && a.includes('guid'), 'cannot open pool: I/O error');
  const events: ApplyEvent[] = [];
  const r = await apply(w, p, { events });
  assert.ok(r.outcomes.every((o) => o.status === 'ok'));
  assert.equal(verbs(w.dst).get, 1 + N + 1);
  // every cursor bookmark comes after every transfer completed and was confirmed
  const lastSend = events.map((e) => e.type === 'apply_complete' && e.action.kind === 'send').lastIndexOf(true);
  const firstBookmark = events.findIndex((e) => e.type === 'apply_start' && e.action.kind === 'bookmark');
  assert.ok(lastSend >= 0 && firstBookmark > lastSend);
});

test('a GUID that does not match after receive fails that dataset only, and its cursor stays where it was', async () => {
  const w = world();
  await apply(w, await plan(w));
  newSnapshots(w, 's2');
  const p = await plan(w);
  const orig = w.dst.getGuids.bind(w.dst);
  w.dst.getGuids = async (names) => {
    const m = await orig(names);
    m.set('backup/tank/d/k05@s2', '12345');
    return m;
  };
  const r = await apply(w, p);
  const by = Object.fromEntries(r.outcomes.map((o) => [o.source, o]));
  assert.equal(by['tank/d/k05']!.status, 'failed');
  assert.match(by['tank/d/k05']!.reason!, /has GUID 12345 after receive, expected/);
  assert.equal(r.outcomes.filter((o) => o.status === 'ok').length, N);
  const bms = (await w.src.list(['tank/d/k05'])).versions.filter((v) => v.kind === 'bookmark').map((v) => v.guid);
  assert.deepEqual(bms, [w.src.guidOf('tank/d/k05@s1')], 'the cursor did not move to s2');
});

test('when the batched GUID check fails, each delivery is checked on its own, at most COMMANDS_AT_ONCE at once', async () => {
  const w = world();
  await apply(w, await plan(w));
  newSnapshots(w, 's2');
  const p = await plan(w);
  w.dst.getGuids = async () => { throw new Error('zfs get on nas: connection reset'); };
  const orig = w.dst.getProperties.bind(w.dst);
  let inFlight = 0;
  let max = 0;
  const checked: string[] = [];
  w.dst.getProperties = async (name, props) => {
    inFlight++;
    max = Math.max(max, inFlight);
    await new Promise((r) => setTimeout(r, 2));
    inFlight--;
    if (props.includes('guid')) checked.push(name);
    return orig(name, props);
  };
  const r = await apply(w, p);
  assert.ok(r.outcomes.every((o) => o.status === 'ok'), JSON.stringify(r.outcomes));
  assert.deepEqual(checked.sort(), ['tank/d', ...kids].map((d) => `backup/${d}@s2`).sort());
  assert.equal(max, COMMANDS_AT_ONCE);
  assert.equal(actionCount(await plan(w)), 0);
});

test('guarantee_incremental: tentative cursors before the sends, one release per side; interrupted mid-way, the next plan finishes', async () => {
  const w = world('guarantee_incremental');
  await apply(w, await plan(w));
  newSnapshots(w, 's2');
  const p = await plan(w);
  const ac = new AbortController();
  let sends = 0;
  const orig = w.src.send.bind(w.src);
  w.src.send = (args) => { if (++sends === 4) ac.abort(); return orig(args); };
  const r = await apply(w, p, { signal: ac.signal });
  assert.equal(r.interrupted, true);
  assert.ok(r.outcomes.some((o) => o.status === 'interrupted'));
  const r2 = await apply(w, await plan(w));
  assert.ok(r2.outcomes.every((o) => o.status === 'ok' || o.status === 'unchanged'), JSON.stringify(r2.outcomes));
  for (const k of kids) assert.equal(w.dst.guidOf(`backup/${k}@s2`), w.src.guidOf(`${k}@s2`));
  assert.equal(actionCount(await plan(w)), 0);
});

const cursors = async (w: World, fs: string) => (await w.src.list([fs])).versions.filter((v) => v.kind === 'bookmark' && v.dataset === fs).map((v) => v.guid);

test('a host that refuses channel programs (not root): one refused attempt, then one bookmark and one destroy per dataset', async () => {
  const w = world('guarantee_resumability', false, false);
  await apply(w, await plan(w));
  assert.equal(verbs(w.src).program, 1, 'the initial run asked once and was refused');
  assert.equal(verbs(w.src).bookmark, N + 1);
  newSnapshots(w, 's2');
  const r = await apply(w, await plan(w));
  assert.ok(r.outcomes.every((o) => o.status === 'ok'), JSON.stringify(r.outcomes));
  const s = verbs(w.src);
  assert.equal(s.program ?? 0, 0, 'a host that refused is not asked again');
  assert.equal(s.bookmark, N + 1);
  assert.equal(s.destroy, N + 1);
  for (const k of kids) assert.deepEqual(await cursors(w, k), [w.src.guidOf(`${k}@s2`)]);
  assert.equal(actionCount(await plan(w)), 0);
});

test('a channel program that fails as a whole falls back to one command per operation, and everything is done', async () => {
  const w = world();
  await apply(w, await plan(w));
  newSnapshots(w, 's2');
  const p = await plan(w);
  w.src.failNext('program', 'cannot open pool: I/O error');
  const r = await apply(w, p);
  assert.ok(r.outcomes.every((o) => o.status === 'ok'), JSON.stringify(r.outcomes));
  assert.equal(r.totals.bookmarks, N + 1);
  assert.equal(r.totals.destroys, N + 1);
  for (const k of ['tank/d', ...kids]) assert.deepEqual(await cursors(w, k), [w.src.guidOf(`${k}@s2`)], k);
});

test('one dataset\'s failed cursor move in the channel program fails that dataset only: its old cursor is kept', async () => {
  const w = world();
  await apply(w, await plan(w));
  newSnapshots(w, 's2');
  const p = await plan(w);
  // a bookmark of another snapshot already carries k05's new cursor name: creating it fails (a different GUID)
  const bad = `tank/d/k05#zform_CURSOR_G_${BigInt(w.src.guidOf('tank/d/k05@s2')!).toString(16).padStart(16, '0')}_J_j`;
  w.src.apply(`bookmark tank/d/k05@s1 ${bad}`);
  const r = await apply(w, p);
  const by = Object.fromEntries(r.outcomes.map((o) => [o.source, o]));
  assert.equal(by['tank/d/k05']!.status, 'failed');
  assert.match(by['tank/d/k05']!.reason!, /bookmark exists/);
  assert.equal(r.outcomes.filter((o) => o.status === 'ok').length, N);
  // the failed group stopped at its bookmark: the old cursor (on s1) was not destroyed
  assert.ok((await w.src.list(['tank/d/k05'])).versions.some((v) => v.kind === 'bookmark' && v.name === `zform_CURSOR_G_${BigInt(w.src.guidOf('tank/d/k05@s1')!).toString(16).padStart(16, '0')}_J_j`));
  for (const k of kids.filter((x) => x !== 'tank/d/k05')) assert.deepEqual(await cursors(w, k), [w.src.guidOf(`${k}@s2`)], k);
  // one program for all; the existing bookmark was then checked on its own (zfs bookmark, zfs get guid); the others'
  // old cursors destroyed, k05's not
  assert.equal(verbs(w.src).program, 1);
  assert.equal(verbs(w.src).bookmark, 1);
  assert.equal(verbs(w.src).destroy, N);
});
