// The planning benchmark's helpers: the synthetic inventory parses as OpenZFS output, the stand-in `zfs` serves
// exactly the commands zform's listing issues (and logs them), and the plan has the mix of cases the benchmark
// claims (up to date, behind with incremental sends, new with a full send, due for a snapshot, resumable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESUME_TOKENS, SOURCE_ROOT, TARGET_ROOT, behindBy, computeInventory, hasForeignHold, leafKind, sourceDatasets, type PruningMode } from '../../../bench/lib/inventory.js';
import { writeInventory } from '../../../bench/lib/make-inventory.js';
import { parseHolds, parseList } from '../../../src/zfs/parse.js';
import { parseResumeToken } from '../../../src/zfs/parse-send.js';
import { CommandZfsHost } from '../../../src/zfs/host.js';
import { LocalExecutor } from '../../../src/zfs/local.js';
import { loadConfig } from '../../../src/config/load.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const STANDIN = fileURLToPath(new URL('../../../../bench/lib/zfs-standin', import.meta.url));

test('sourceDatasets: exactly N datasets, parents before children, siblings by name', () => {
  for (const n of [2, 3, 100, 1000]) {
    const ds = sourceDatasets(n).map((d) => d.name);
    assert.equal(ds.length, n);
    assert.equal(new Set(ds).size, n);
    ds.forEach((d, i) => { if (i > 0) assert.ok(ds.indexOf(d.slice(0, d.lastIndexOf('/'))) >= 0 && ds[i - 1]! < d, d); });
  }
});

test('the inventory parses with zform parsers; the target shares the source GUIDs, holds and cursors as zform leaves them', () => {
  const inv = computeInventory({ datasets: 120, snapshots: 6, now: NOW, job: 'bench' });
  const src = parseList(inv.list[SOURCE_ROOT]!);
  const dst = parseList(inv.list[TARGET_ROOT]!);
  assert.equal(src.datasets.length, 120);
  assert.equal(src.versions.filter((v) => v.kind === 'snapshot').length, inv.counts.snapshotsPerSide);
  assert.equal(src.versions.filter((v) => v.kind === 'bookmark').length, inv.counts.bookmarks);
  assert.equal(dst.datasets.length, 1 + 120 - inv.counts.byKind.new); // root_fs + every dataset but the new ones
  const srcGuid = new Map(src.versions.filter((v) => v.kind === 'snapshot').map((v) => [`${v.dataset}@${v.name}`, v.guid]));
  for (const v of dst.versions) assert.equal(v.guid, srcGuid.get(`${v.dataset.slice(TARGET_ROOT.length + 1)}@${v.name}`), v.name);
  const holds = parseHolds(inv.holds);
  assert.equal(holds.length, inv.counts.holds);
  const held = new Set([...src.versions, ...dst.versions].filter((v) => v.userrefs > 0).map((v) => `${v.dataset}@${v.name}`));
  assert.deepEqual(new Set(holds.map((h) => h.snapshot)), held);
  assert.equal(Object.keys(inv.tokens).length, RESUME_TOKENS);
  for (const text of Object.values(inv.tokens)) assert.ok(srcGuid.has(parseResumeToken(text).toname));
});

test('the stand-in serves zform exactly what it lists, logs each command, and the plan has the mix the benchmark claims', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zform-bench-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  symlinkSync(STANDIN, join(dir, 'bin', 'zfs'));
  const data = join(dir, 'data');
  const counts = writeInventory(data, { datasets: 120, snapshots: 6, now: NOW, job: 'bench' });
  const saved = { PATH: process.env.PATH, data: process.env.ZFORM_BENCH_DATA, log: process.env.ZFORM_BENCH_LOG };
  process.env.PATH = `${join(dir, 'bin')}:${process.env.PATH}`;
  process.env.ZFORM_BENCH_DATA = data;
  process.env.ZFORM_BENCH_LOG = join(dir, 'zfs.log');
  t.after(() => {
    process.env.PATH = saved.PATH;
    for (const [k, v] of [['ZFORM_BENCH_DATA', saved.data], ['ZFORM_BENCH_LOG', saved.log]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });

  const config = await loadConfig(join(data, 'zform.yml'));
  const host = new CommandZfsHost(new LocalExecutor('local'));
  const { inventories, resumeTokens } = await readInventories(config, ['bench'], () => host);
  const inv = inventories.bench!;
  assert.equal(inv.source.datasets.length, 120);
  assert.equal(inv.source.holds.length + inv.target!.holds.length, counts.holds);
  assert.equal(Object.values(resumeTokens).filter((r) => !('error' in r)).length, RESUME_TOKENS);
  const log = readFileSync(join(dir, 'zfs.log'), 'utf8').trim().split('\n').map((l) => l.split(' ').slice(0, l.startsWith('list ') ? 4 : 1).join(' '));
  // per side: the datasets, then their snapshots and bookmarks in 4 slices at once (120 datasets and more)
  // zform:placeholder of each side's datasets in one command, a line each: no second look at the target's root_fs
  assert.deepEqual(log.sort(), ['get', 'get', 'holds', 'holds', ...Array<string>(8).fill('list -H -p -d'), 'list -H -p -r', 'list -H -p -r', 'send', 'send']);
  assert.deepEqual(inv.target!.datasets.filter((d) => d.placeholder).map((d) => d.name), [TARGET_ROOT]);
  assert.deepEqual(inv.source.datasets.filter((d) => d.placeholder), []);
  await assert.rejects(host.getProperties('src', ['mountpoint']), /unsupported command: get -H -p -o property,value mountpoint src/);

  const plan = computePlan({ config, jobs: ['bench'], inventories, resumeTokens, now: new Date(NOW), zformVersion: 'test', allowRollback: false });
  const job = plan.jobs[0]!;
  assert.deepEqual(job.diagnostics, []);
  const leaves = sourceDatasets(120).filter((d) => d.leaf !== null);
  const due = leaves.filter((d) => leafKind(d.leaf!) === 'due').map((d) => `${d.name}@zform_20260110_120000_000`);
  assert.deepEqual(job.snapshots.flatMap((a) => (a.kind === 'snapshot' ? a.snapshots : [])), due);
  let tokens = 0;
  for (const d of leaves) {
    const p = job.datasets.find((x) => x.source === d.name)!;
    assert.deepEqual(p.diagnostics, [], d.name);
    const sends = p.actions.flatMap((a) => (a.kind === 'send' ? [a.mode] : []));
    const kind = leafKind(d.leaf!);
    if (kind === 'up_to_date') assert.deepEqual(p.actions, [], d.name);
    if (kind === 'new') assert.deepEqual(sends, ['full'], d.name);
    if (kind === 'due') assert.deepEqual(sends, ['incremental'], d.name); // the snapshot this plan takes
    if (kind === 'behind') {
      const resumed = tokens++ < RESUME_TOKENS;
      // guarantee_incremental batches what is left into one -I step (a tentative cursor on each of its snapshots)
      assert.deepEqual(sends, [...(resumed ? ['resume'] : []), ...(behindBy(d.leaf!) - (resumed ? 1 : 0) > 0 ? ['incremental'] : [])], d.name);
    }
  }
  assert.equal(tokens, counts.byKind.behind);
});

test('pruning modes: the steady state destroys the oldest snapshot per dataset and side, a first prune ~71, off none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zform-bench-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  symlinkSync(STANDIN, join(dir, 'bin', 'zfs'));
  const saved = { PATH: process.env.PATH, data: process.env.ZFORM_BENCH_DATA, log: process.env.ZFORM_BENCH_LOG };
  process.env.PATH = `${join(dir, 'bin')}:${process.env.PATH}`;
  delete process.env.ZFORM_BENCH_LOG;
  t.after(() => {
    process.env.PATH = saved.PATH;
    for (const [k, v] of [['ZFORM_BENCH_DATA', saved.data], ['ZFORM_BENCH_LOG', saved.log]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
  const leaves = sourceDatasets(40).filter((d) => d.leaf !== null);
  // destroys per leaf and side, by the leaf's kind
  const destroys = async (pruning: PruningMode) => {
    const data = join(dir, pruning);
    writeInventory(data, { datasets: 40, snapshots: 100, now: NOW, job: 'bench', pruning });
    process.env.ZFORM_BENCH_DATA = data;
    const config = await loadConfig(join(data, 'zform.yml'));
    assert.equal(config.jobs[0]!.pruning.keepSource.length, pruning === 'off' ? 0 : 2);
    const host = new CommandZfsHost(new LocalExecutor('local'));
    const { inventories, resumeTokens } = await readInventories(config, ['bench'], () => host);
    const plan = computePlan({ config, jobs: ['bench'], inventories, resumeTokens, now: new Date(NOW), zformVersion: 'test', allowRollback: false });
    return leaves.map((d) => {
      const p = plan.jobs[0]!.datasets.find((x) => x.source === d.name)!;
      const n = (side: string) => p.actions.filter((a) => a.kind === 'destroy_snapshots' && a.side === side)
        .reduce((k, a) => k + (a.kind === 'destroy_snapshots' ? a.snapshots.length : 0), 0);
      return { kind: leafKind(d.leaf!), held: hasForeignHold(d.leaf!), source: n('source'), target: n('target') };
    });
  };
  for (const d of await destroys('steady')) {
    if (d.kind === 'up_to_date' || d.kind === 'due') {
      // the oldest snapshot, older than the grid's 99 hours, unless a foreign hold keeps it on the source
      assert.deepEqual([d.source, d.target], [d.held ? 0 : 1, 1], JSON.stringify(d));
    }
    assert.ok(d.source <= 1 && d.target <= 1, JSON.stringify(d));
  }
  const first = await destroys('first');
  assert.ok(first.filter((d) => d.kind === 'up_to_date').every((d) => d.target >= 70 && d.source >= 69), JSON.stringify(first));
  assert.ok((await destroys('off')).every((d) => d.source === 0 && d.target === 0));
});
