// CommandZfsHost over a scripted Executor: the exact commands it runs and its idempotent handling of real stderr.
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import assert from 'node:assert/strict';
import { CommandZfsHost } from '../../../src/zfs/host.js';
import { ZfsError } from '../../../src/zfs/errors.js';
import type { CommandObserver } from '../../../src/zfs/exec.js';
import { ScriptedExecutor, type Reply } from './scripted.js';
import { readFixture } from './fixtures.js';

const COLS = 'name,type,guid,createtxg,creation,userrefs,written,encryption,encryptionroot,keystatus,receive_resume_token,origin';
const LIST = `zfs list -H -p -r -t filesystem,volume -o ${COLS}`;
const VCOLS = 'name,type,guid,createtxg,creation,userrefs,written,numclones';
const LIST_V = `zfs list -H -p -d 1 -t snapshot,bookmark -o ${VCOLS}`;
const GET_PH = 'zfs get -H -p -r -t filesystem,volume -o name,value,source zform:placeholder';
const CHECK_PH = 'zfs get -H -p -o name,value,source zform:placeholder';

/** A host whose executor answers by the argv joined with spaces (exact match, else by prefix). */
function hostWith(replies: Record<string, Reply | Reply[]>, opts: { privilege?: string[]; observer?: CommandObserver } = {}) {
  const queues = new Map(Object.entries(replies).map(([k, v]) => [k, Array.isArray(v) ? [...v] : [v]]));
  const ex = new ScriptedExecutor('nas', (argv) => {
    const line = argv.join(' ');
    const key = queues.has(line) ? line : [...queues.keys()].find((k) => line.startsWith(k));
    if (key === undefined) throw new Error(`unexpected command: ${line}`);
    const q = queues.get(key)!;
    return q.length > 1 ? q.shift()! : q[0]!;
  });
  return { ex, host: new CommandZfsHost(ex, opts) };
}

const isZfsError = (code: string, short?: string) => (e: unknown) =>
  e instanceof ZfsError && e.code === code && (short === undefined || e.shortMessage === short);

/** A captured recursive listing of everything (real OpenZFS lines) as the two listings give it: the datasets' lines,
 *  and each dataset's snapshots and bookmarks (what `zfs list -d 1 -t snapshot,bookmark` prints for it). */
function splitListing(text: string): { datasets: string; names: string[]; versionsOf: (names: string[]) => string } {
  const lines = text.split('\n').filter((l) => l !== '');
  const ds = lines.filter((l) => !/^[^\t]*[@#]/.test(l));
  const byDataset = new Map<string, string[]>();
  for (const l of lines) {
    const m = /^([^\t@#]*)[@#]/.exec(l);
    if (!m) continue;
    byDataset.set(m[1]!, [...(byDataset.get(m[1]!) ?? []), l]);
  }
  return {
    datasets: ds.map((l) => `${l}\n`).join(''),
    names: ds.map((l) => l.slice(0, l.indexOf('\t'))),
    // a version's own 7 columns (the captured lines have all 11), and numclones (none of the captured has clones)
    versionsOf: (names) => names.flatMap((n) => byDataset.get(n) ?? []).map((l) => [...l.split('\t').slice(0, 7), l.split('\t')[1] === 'snapshot' ? '0' : '-'].join('\t') + '\n').join(''),
  };
}

/** The lines of a captured `zfs get -r` of zform:placeholder (computePlaceholderArgv) of these datasets. */
function placeholderLines(names: string[]): string {
  return readFixture('get-placeholder-all.stdout').split('\n').filter((l) => names.includes(l.slice(0, l.indexOf('\t')))).map((l) => `${l}\n`).join('');
}

test('list: the datasets in one command, their snapshots and bookmarks in another (a small tree), placeholders, holds; a missing root contributes nothing', async () => {
  // p1/a has zform:placeholder=on set locally (p1/a/b inherits it, p1/a/c has "off"): the recursive get has one line
  // for each dataset listed, so it is the answer, and no dataset is asked about again
  const cap = splitListing(readFixture('list-missing-root.stdout'));
  const names = ['p1/a', 'p1/a/b', 'p1/a/c', 'p1/vol'];
  assert.deepEqual(cap.names, names);
  const { ex, host } = hostWith({
    [`${LIST} p1/a p1/missing p1/vol`]: { stdout: cap.datasets, stderr: readFixture('list-missing-root.stderr'), code: 1 },
    [`${LIST_V} ${names.join(' ')}`]: { stdout: cap.versionsOf(names) },
    [`${GET_PH} p1/a p1/vol`]: { stdout: placeholderLines(names) },
    'zfs holds -H p1/a@s1': { stdout: 'p1/a@s1\tzform_STEP_J_job1\tSat Nov 21 20:49 2026\np1/a@s1\tkeep\tSat Nov 21 20:49 2026\n' },
  });
  const l = await host.list(['p1/a', 'p1/missing', 'p1/vol']);
  assert.deepEqual(ex.lines(), [`${LIST} p1/a p1/missing p1/vol`, `${LIST_V} ${names.join(' ')}`, `${GET_PH} p1/a p1/vol`, 'zfs holds -H p1/a@s1']);
  assert.deepEqual(l.datasets.map((d) => [d.name, d.placeholder]), [['p1/a', true], ['p1/a/b', false], ['p1/a/c', false], ['p1/vol', false]]);
  assert.deepEqual(l.versions.map((v) => `${v.dataset}${v.kind === 'snapshot' ? '@' : '#'}${v.name}`),
    ['p1/a#b1', 'p1/a@s1', 'p1/a@s2', 'p1/a/b@s1', 'p1/a/b@s2', 'p1/a/c@s1', 'p1/a/c@s2', 'p1/vol@s1', 'p1/vol@s2']);
  assert.deepEqual(l.holds, [{ snapshot: 'p1/a@s1', tag: 'zform_STEP_J_job1' }, { snapshot: 'p1/a@s1', tag: 'keep' }]);
});

test('list: every root missing is an empty listing, and one more command asks whether their pool exists', async () => {
  const { ex, host } = hostWith({
    [`${LIST} p1/missing p1/missing2`]: { stderr: readFixture('list-all-missing.stderr'), code: 1 },
    'zfs list -H -o name -d 0 p1': { stdout: 'p1\n' },
  });
  assert.deepEqual(await host.list(['p1/missing', 'p1/missing2']), { datasets: [], versions: [], holds: [] });
  assert.equal(ex.calls.length, 2);
});

test('list: a missing root in a pool that does not exist names the pool in absentPools; a pool of listed datasets is not asked about', async () => {
  const { ex, host } = hostWith({
    [`${LIST} nopool/z p1/missing`]: { stderr: "cannot open 'nopool/z': dataset does not exist\ncannot open 'p1/missing': dataset does not exist\n", code: 1 },
    'zfs list -H -o name -d 0 nopool p1': { stdout: 'p1\n', stderr: "cannot open 'nopool': dataset does not exist\n", code: 1 },
  });
  assert.deepEqual(await host.list(['nopool/z', 'p1/missing']), { datasets: [], versions: [], holds: [], absentPools: ['nopool'] });
  assert.deepEqual(ex.lines().slice(1), ['zfs list -H -o name -d 0 nopool p1']);
  // a root that is itself a pool is a listing of its own (root_fs: a pool); any other failure of the check throws
  const { ex: ex2, host: h2 } = hostWith({ [`${LIST} nopool`]: { stderr: "cannot open 'nopool': dataset does not exist\n", code: 1 } });
  assert.deepEqual(await h2.list(['nopool']), { datasets: [], versions: [], holds: [] });
  assert.equal(ex2.calls.length, 1);
  const { host: h3 } = hostWith({
    [`${LIST} nopool/z`]: { stderr: "cannot open 'nopool/z': dataset does not exist\n", code: 1 },
    'zfs list -H -o name -d 0 nopool': { stderr: 'cannot iterate filesystems: I/O error\n', code: 1 },
  });
  await assert.rejects(h3.list(['nopool/z']), (e: unknown) => e instanceof ZfsError);
});

test('list: no roots lists all pools; holds of every held snapshot in one command', async () => {
  const cap = splitListing(readFixture('list-p1.stdout'));
  const sorted = [...cap.names].sort();
  const { ex, host } = hostWith({
    [LIST]: { stdout: cap.datasets },
    [`${LIST_V} ${sorted.join(' ')}`]: { stdout: cap.versionsOf(sorted) },
    [GET_PH]: { stdout: readFixture('get-placeholder-all.stdout') },
    'zfs holds -H p1/a@s1 p1/data@s2': { stdout: readFixture('holds.stdout') },
  });
  const l = await host.list([]);
  assert.deepEqual(ex.lines(), [LIST, `${LIST_V} ${sorted.join(' ')}`, GET_PH, 'zfs holds -H p1/a@s1 p1/data@s2']);
  assert.equal(l.holds.length, 3);
  assert.deepEqual(l.datasets.filter((d) => d.placeholder).map((d) => d.name), ['p1/a']);
  assert.equal(l.versions.length, readFixture('list-p1.stdout').split('\n').filter((x) => /^[^\t]*[@#]/.test(x)).length);
});

test('list: other failures throw, even when a root is also missing', async () => {
  const { host } = hostWith({ [`${LIST} p1`]: { stderr: readFixture('stderr/permission_denied.list.txt'), code: 1 } });
  await assert.rejects(host.list(['p1']), isZfsError('permission_denied', 'zfs list on nas: Permission denied the ZFS utilities must be run as root.'));
  const { host: h2 } = hostWith({
    [`${LIST} p1/a p1/missing`]: { stderr: "cannot open 'p1/missing': dataset does not exist\ncannot iterate filesystems: I/O error\n", code: 1 },
  });
  await assert.rejects(h2.list(['p1/a', 'p1/missing']), isZfsError('dataset_does_not_exist'));
  // a missing dataset that is not a root is not what we asked about
  const { host: h3 } = hostWith({ [`${LIST} p1/a`]: { stderr: "cannot open 'p1/b': dataset does not exist\n", code: 1 } });
  await assert.rejects(h3.list(['p1/a']), isZfsError('dataset_does_not_exist'));
  // the second listing fails otherwise than for a dataset gone meanwhile
  const cap = splitListing(readFixture('list-missing-root.stdout'));
  const { host: h4 } = hostWith({
    [`${LIST} p1/a p1/vol`]: { stdout: cap.datasets },
    [GET_PH]: {},
    [LIST_V]: { stderr: "cannot open 'p1/a/b': dataset does not exist\ncannot iterate filesystems: I/O error\n", code: 1 },
  });
  await assert.rejects(h4.list(['p1/a', 'p1/vol']), isZfsError('dataset_does_not_exist'));
});

test('list: a dataset destroyed between the two listings is listed as gone, with nothing of it', async () => {
  const cap = splitListing(readFixture('list-missing-root.stdout'));
  const left = ['p1/a', 'p1/a/c', 'p1/vol'];
  const { host } = hostWith({
    [`${LIST} p1/a p1/vol`]: { stdout: cap.datasets },
    [LIST_V]: { stdout: cap.versionsOf(left), stderr: "cannot open 'p1/a/b': dataset does not exist\n", code: 1 },
    [GET_PH]: {},
    'zfs holds -H': { stdout: '' },
  });
  const l = await host.list(['p1/a', 'p1/vol']);
  assert.deepEqual(l.datasets.map((d) => d.name), left);
  assert.deepEqual([...new Set(l.versions.map((v) => v.dataset))], left);
});

test('list: a wide tree goes in up to 4 slices at once, each a contiguous run of the names in order; their versions join in order', async () => {
  const names = Array.from({ length: 70 }, (_, i) => `tank/d${String(69 - i).padStart(2, '0')}`); // listed in reverse
  const sorted = [...names].sort();
  const row = (n: string, type: string, i: number) => `${n}\t${type}\t${1000 + i}\t${10 + i}\t1700000000\t${type === 'snapshot' ? 0 : '-'}\t0${type === 'snapshot' ? '\t0' : '\toff\t-\t-\t-\t-'}`;
  const calls: string[][] = [];
  const ex = new ScriptedExecutor('here', (argv) => {
    if (argv.includes('-r') && argv[1] === 'list') return { stdout: names.map((n, i) => row(n, 'filesystem', i) + '\n').join('') };
    if (argv[1] === 'list') {
      const batch = argv.slice(argv.indexOf('-o') + 2);
      calls.push(batch);
      return { stdout: batch.map((n, i) => `${row(`${n}@s2`, 'snapshot', 2 * i + 1)}\n${row(`${n}@s1`, 'snapshot', 2 * i)}\n`).join('') };
    }
    return {};
  });
  const l = await new CommandZfsHost(ex).list(['tank']);
  assert.deepEqual(calls.map((c) => c.length), [17, 18, 17, 18]);
  assert.deepEqual(calls.flat(), sorted, 'every dataset once, the slices in name order');
  assert.deepEqual(l.versions.map((v) => `${v.dataset}@${v.name}`), sorted.flatMap((n) => [`${n}@s1`, `${n}@s2`]), 'by dataset, then createtxg');
  assert.deepEqual(l.datasets.map((d) => d.name), names, 'the datasets as zfs listed them');
});

test('list: holds of many snapshots are batched by argv size; a snapshot destroyed meanwhile is skipped', async () => {
  const names: string[] = [];
  const rows: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const n = `tank/ds@zform_20240101_000000_with_a_long_suffix_${String(i).padStart(4, '0')}`;
    names.push(n);
    rows.push(`${n}\tsnapshot\t${i + 2}\t${i + 2}\t1\t1\t0\t0`);
  }
  const { ex, host } = hostWith({
    [`${LIST} tank/ds`]: { stdout: 'tank/ds\tfilesystem\t1\t1\t1\t-\t0\toff\t-\t-\t-\t-\n' },
    [`${LIST_V} tank/ds`]: { stdout: rows.join('\n') + '\n' },
    [`${GET_PH} tank/ds`]: {},
    'zfs holds -H': [
      { stdout: `${names[0]}\tt\tx\n`, stderr: `cannot open '${names[1]}': dataset does not exist\n`, code: 1 },
      { stdout: `${names[2999]}\tt\tx\n` },
    ],
  });
  const l = await host.list(['tank/ds']);
  assert.deepEqual(ex.calls.map((c) => c.argv[1]), ['list', 'list', 'get', 'holds', 'holds'], 'no placeholder candidate: no second get');
  const batched = ex.calls.slice(3).map((c) => c.argv.slice(3));
  assert.deepEqual(batched.flat(), names);
  assert.deepEqual(l.holds.map((h) => h.snapshot), [names[0], names[2999]]);
});

test('list: an executor with a larger argv budget (local Linux) gets the holds of many snapshots in one command', async () => {
  const rows: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const n = `tank/ds@zform_20240101_000000_with_a_long_suffix_${String(i).padStart(4, '0')}`;
    names.push(n);
    rows.push(`${n}\tsnapshot\t${i + 2}\t${i + 2}\t1\t1\t0\t0`);
  }
  const ex = new ScriptedExecutor('here', (argv) => {
    if (argv[1] === 'list') return { stdout: argv.includes('-r') ? 'tank/ds\tfilesystem\t1\t1\t1\t-\t0\toff\t-\t-\t-\t-\n' : rows.join('\n') + '\n' };
    if (argv[1] === 'holds') return { stdout: `${names[7]}\tt\tx\n` };
    return {};
  });
  Object.assign(ex, { argvBudget: { bytes: 1024 * 1024, perArgument: 9 } });
  const l = await new CommandZfsHost(ex).list(['tank/ds']);
  assert.deepEqual(ex.calls.map((c) => c.argv[1]), ['list', 'list', 'get', 'holds']);
  assert.deepEqual(ex.calls[3]!.argv.slice(3), names);
  assert.deepEqual(l.holds, [{ snapshot: names[7], tag: 't' }]);
});

test('privilege prefix goes before zfs in every command; the observer sees each', async () => {
  const seen: string[] = [];
  const { ex, host } = hostWith({ 'sudo -n zfs': {} }, { privilege: ['sudo', '-n'], observer: (e) => seen.push(`${e.host}: ${e.argv.join(' ')} -> ${e.code}`) });
  await host.snapshot(['p/a@x']);
  await host.rollback('p/a@x', true);
  assert.deepEqual(ex.lines(), ['sudo -n zfs snapshot p/a@x', 'sudo -n zfs rollback -r p/a@x']);
  assert.deepEqual(seen, ['nas: sudo -n zfs snapshot p/a@x -> 0', 'nas: sudo -n zfs rollback -r p/a@x -> 0']);
});

test('snapshot: one atomic command per pool', async () => {
  const { ex, host } = hostWith({ 'zfs snapshot': {} });
  await host.snapshot(['p/a@x', 'q@x', 'p/b@x']);
  await host.snapshot([]);
  assert.deepEqual(ex.lines(), ['zfs snapshot p/a@x p/b@x', 'zfs snapshot q@x']);
});

test('snapshot: more names than the argument limit takes (over SSH: 100 KiB) go in as few commands as fit, each atomic; a failure after some says which exist', async () => {
  const names = Array.from({ length: 10_000 }, (_, i) => `tank/users/u${String(i).padStart(5, '0')}@zform_20261205_140000_000`);
  const { ex, host } = hostWith({ 'zfs snapshot': {} });
  await host.snapshot(names);
  const calls = ex.calls.map((c) => c.argv.slice(2));
  // 44 bytes a name with its NUL: 2,327 names in 100 KiB
  assert.deepEqual(calls.map((c) => c.length), [2327, 2327, 2327, 2327, 692]);
  assert.deepEqual(calls.flat(), names, 'every name once, in order');
  for (const c of calls) assert.ok(c.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0) <= 100 * 1024);
  // a local executor's larger budget: one command
  const local = hostWith({ 'zfs snapshot': {} });
  Object.assign(local.ex, { argvBudget: { bytes: 2 * 1024 * 1024, perArgument: 9 } });
  await local.host.snapshot(names);
  assert.equal(local.ex.calls.length, 1);
  // the second command fails: the error says which snapshots the first one took
  let n = 0;
  const failing = new ScriptedExecutor('nas', () => (++n === 2 ? { stderr: "cannot create snapshot 'tank/users/u04000@zform_20261205_140000_000': out of space\n", code: 1 } : {}));
  const err = await new CommandZfsHost(failing).snapshot(names).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ZfsError, String(err));
  const first = failing.calls[0]!.argv.slice(2);
  assert.deepEqual((err as unknown as { taken: string[] }).taken, first);
  assert.equal(failing.calls.length, 2, 'nothing after the failing command');
});

test('hold: an existing tag is fine, a missing snapshot is not', async () => {
  const { ex, host } = hostWith({ 'zfs hold keep p1/a@s1 p1/a@s2': { stderr: readFixture('stderr/tag_exists.partial.txt'), code: 1 } });
  await host.hold('keep', ['p1/a@s1', 'p1/a@s2', 'p1/a@s1']);
  assert.deepEqual(ex.lines(), ['zfs hold keep p1/a@s1 p1/a@s2']);
  const { host: h2 } = hostWith({ 'zfs hold t1': { stderr: readFixture('stderr/dataset_does_not_exist.hold-partial.txt'), code: 1 } });
  await assert.rejects(h2.hold('t1', ['p1/a/c@s1', 'p1/a@nope']),
    isZfsError('dataset_does_not_exist', "zfs hold on nas: cannot hold snapshot 'p1/a@nope': dataset does not exist"));
  const { host: h3 } = hostWith({ 'zfs hold': { stderr: readFixture('stderr/permission_denied.hold.txt'), code: 1 } });
  await assert.rejects(h3.hold('t', ['p/a@s']), isZfsError('permission_denied'));
});

test('release: a missing tag or snapshot is fine', async () => {
  const { ex, host } = hostWith({
    'zfs release keep p1/a@s2 p1/a/b@s2': { stderr: readFixture('stderr/no_such_tag.partial.txt'), code: 1 },
    'zfs release t1 p1/a@nope': { stderr: readFixture('stderr/dataset_does_not_exist.release.txt'), code: 1 },
  });
  await host.release('keep', ['p1/a@s2', 'p1/a/b@s2']);
  await host.release('t1', ['p1/a@nope']);
  await host.release('t1', []);
  assert.equal(ex.calls.length, 2);
  const { host: h2 } = hostWith({ 'zfs release': { stderr: 'internal error: out of memory\n', code: 1 } });
  await assert.rejects(h2.release('t', ['p/a@s']), isZfsError('unknown', 'zfs release on nas: internal error: out of memory'));
});

test('destroy: snapshots batched per dataset, bookmarks one by one, missing ones fine', async () => {
  const { ex, host } = hostWith({
    'zfs destroy p1/a@s1,s2': {},
    'zfs destroy p1/gone@x': { stderr: readFixture('stderr/dataset_does_not_exist.txt').replace('p1/missing', 'p1/gone'), code: 1 },
    'zfs destroy p1/b@nope': { stderr: readFixture('stderr/dataset_does_not_exist.destroy-snap-of-existing.txt'), code: 1 },
    'zfs destroy p1/a#nope': { stderr: readFixture('stderr/dataset_does_not_exist.destroy-bookmark.txt'), code: 1 },
    'zfs destroy p1/a#c': {},
  });
  await host.destroy(['p1/a@s1', 'p1/a#nope', 'p1/gone@x', 'p1/a@s2', 'p1/b@nope', 'p1/a#c']);
  assert.deepEqual(ex.lines(), ['zfs destroy p1/a@s1,s2', 'zfs destroy p1/gone@x', 'zfs destroy p1/b@nope', 'zfs destroy p1/a#nope', 'zfs destroy p1/a#c']);
  await assert.rejects(host.destroy(['p1/a']), TypeError);
});

test('destroy: held snapshots are reported after the others are destroyed', async () => {
  const { ex, host } = hostWith({
    'zfs destroy p1/e@e1,e2,e3': { stderr: readFixture('stderr/dataset_busy.batch.txt'), code: 1 },
    'zfs destroy p1/e@e1,e3': {},
    'zfs destroy p1/f@x': {},
  });
  await assert.rejects(host.destroy(['p1/e@e1', 'p1/e@e2', 'p1/e@e3', 'p1/f@x']),
    isZfsError('dataset_busy', 'zfs destroy on nas: cannot destroy snapshot p1/e@e2: dataset is busy'));
  assert.deepEqual(ex.lines(), ['zfs destroy p1/e@e1,e2,e3', 'zfs destroy p1/e@e1,e3', 'zfs destroy p1/f@x']);
  const { host: h2 } = hostWith({ 'zfs destroy': { stderr: readFixture('stderr/permission_denied.destroy.txt'), code: 1 } });
  await assert.rejects(h2.destroy(['p/a@s']), isZfsError('permission_denied'));
});

test('bookmark: an existing bookmark of the same GUID is fine, another GUID is not', async () => {
  const exists = { stderr: readFixture('stderr/bookmark_exists.txt'), code: 1 };
  const { ex, host } = hostWith({
    'zfs bookmark p1/a@s1 p1/a#b1': exists,
    'zfs get -H -p -o name,value guid p1/a@s1 p1/a#b1': { stdout: 'p1/a@s1\t17263245281104857866\np1/a#b1\t17263245281104857866\n' },
    'zfs bookmark p1/a@s2 p1/a#b1': exists,
    'zfs get -H -p -o name,value guid p1/a@s2 p1/a#b1': { stdout: 'p1/a@s2\t14671475770161301313\np1/a#b1\t17263245281104857866\n' },
  });
  await host.bookmark('p1/a@s1', 'p1/a#b1');
  await assert.rejects(host.bookmark('p1/a@s2', 'p1/a#b1'), isZfsError('bookmark_exists', "zfs bookmark on nas: cannot create bookmark 'p1/a#b1': bookmark exists"));
  assert.equal(ex.calls.length, 4);
});

test('abortResumableReceive: no state or no dataset is fine', async () => {
  const { host } = hostWith({
    'zfs receive -A p1/a': { stderr: readFixture('stderr/no_resumable_state.txt'), code: 1 },
    'zfs receive -A p1/missing': { stderr: readFixture('stderr/dataset_does_not_exist.recv-A.txt'), code: 2 },
    'zfs receive -A p1/partial': {},
    'zfs receive -A p1/x': { stderr: readFixture('stderr/permission_denied.txt'), code: 1 },
  });
  await host.abortResumableReceive('p1/a');
  await host.abortResumableReceive('p1/missing');
  await host.abortResumableReceive('p1/partial');
  await assert.rejects(host.abortResumableReceive('p1/x'), isZfsError('permission_denied'));
});

test('create, properties and rollback argv', async () => {
  const { ex, host } = hostWith({
    'zfs create': {}, 'zfs set': {}, 'zfs rollback': {},
    'zfs get -H -p -o property,value mountpoint,zform:placeholder,zform:unset,compression p1/a': { stdout: readFixture('get-props.stdout') },
  });
  await host.create('q/p', { 'zform:placeholder': 'on', mountpoint: 'none' });
  await host.setProperties('q/p', { 'zform:x': '1', 'zform:y': 'a b' });
  await host.setProperties('q/p', {});
  await host.rollback('q/p@s', false);
  assert.deepEqual(await host.getProperties('p1/a', ['mountpoint', 'zform:placeholder', 'zform:unset', 'compression']),
    { mountpoint: 'none', 'zform:placeholder': 'on', 'zform:unset': '-', compression: 'off' });
  assert.deepEqual(await host.getProperties('p1/a', []), {});
  assert.deepEqual(ex.calls.map((c) => c.argv), [
    ['zfs', 'create', '-o', 'zform:placeholder=on', '-o', 'mountpoint=none', 'q/p'],
    ['zfs', 'set', 'zform:x=1', 'zform:y=a b', 'q/p'],
    ['zfs', 'rollback', 'q/p@s'],
    ['zfs', 'get', '-H', '-p', '-o', 'property,value', 'mountpoint,zform:placeholder,zform:unset,compression', 'p1/a'],
  ]);
  const { host: h2 } = hostWith({ 'zfs create': { stderr: readFixture('stderr/dataset_exists.txt'), code: 1 } });
  await assert.rejects(h2.create('p1/a', {}), isZfsError('dataset_exists', "zfs create on nas: cannot create 'p1/a': dataset already exists"));
});

test('decodeResumeToken and estimateSend', async () => {
  const token = readFixture('resume-token-incremental.txt').trim();
  const { ex, host } = hostWith({
    [`zfs send -n -v -t ${token}`]: { stdout: readFixture('send-nvt-incremental.stdout') },
    'zfs send -n -v -t 1-abc-def-ghi': { stderr: readFixture('stderr/resume_token_corrupt.txt'), code: 255 },
    'zfs send -n -v -t 1-odd': { stdout: 'full send of p/a@s estimated size is 1M\n' },
    'zfs send -n -v -P -c -I p1/data@s1 p1/data@s3': { stdout: readFixture('send-nvP-intermediates.stdout') },
    'zfs send -n -v -P -w p1/enc@s2': { stderr: readFixture('send-nvP-raw.stdout') },
  });
  const info = await host.decodeResumeToken(token);
  assert.equal(info.fromguid, '12435616086986713304');
  assert.equal(info.toname, 'p1/data@s3');
  await assert.rejects(host.decodeResumeToken('1-abc-def-ghi'),
    isZfsError('resume_token_corrupt', 'zfs send on nas: cannot resume send: resume token is corrupt (payload is not hex-encoded)'));
  await assert.rejects(host.decodeResumeToken('1-odd'), isZfsError('resume_token_corrupt'));
  const flags = { raw: false, properties: false, backupProperties: false, largeBlocks: false, compressed: true, embeddedData: false };
  assert.equal(await host.estimateSend({ kind: 'incremental', from: 'p1/data@s1', snapshot: 'p1/data@s3', intermediates: true, flags }), 4400792);
  // older OpenZFS printed the dry run to stderr
  assert.equal(await host.estimateSend({ kind: 'full', snapshot: 'p1/enc@s2', flags: { ...flags, compressed: false, raw: true } }), 50800);
  assert.equal(ex.calls.length, 5);
});

test('features: two probes, cached', async () => {
  const { ex, host } = hostWith({
    'zfs version': { stdout: readFixture('version.stdout') },
    'zfs -?': { stdout: readFixture('usage-help.stdout') },
  });
  const f = await host.features();
  assert.deepEqual(f, { resumableReceive: true, encryption: true, bookmarks: true, rawSend: true, version: 'zfs-2.1.11-1+deb12u1' });
  assert.equal(await host.features(), f);
  assert.deepEqual(ex.lines(), ['zfs version', 'zfs -?']);
  const { host: h2 } = hostWith({ 'zfs': { stderr: readFixture('stderr/permission_denied.txt'), code: 1 } });
  await assert.rejects(h2.features(), isZfsError('permission_denied'));
});

test('send and receive start one process each with the right argv and stdin', async () => {
  const { ex, host } = hostWith({ 'zfs send': { stdout: 'stream' }, 'zfs receive': {} });
  const s = host.send({ kind: 'resume', token: '1-x' });
  const r = host.receive({ dataset: 'q/a', resumable: true, force: false, noMount: true, override: {}, inherit: [] });
  await Promise.all([s.done, r.done]);
  assert.deepEqual(ex.calls, [
    { argv: ['zfs', 'send', '-t', '1-x'], stdin: 'ignore' },
    { argv: ['zfs', 'receive', '-s', '-u', 'q/a'], stdin: 'pipe' },
  ]);
  assert.equal(s.stdin, null);
  assert.notEqual(r.stdin, null);
  await host.close();
  assert.equal(ex.closed, true);
});

test('list: placeholders: a line forged in a value makes the recursive get name candidates only, each checked by name; the forged one is none, and nothing fails', async () => {
  const ds = (name: string) => `${name}\tfilesystem\t7\t7\t1\t-\t0\toff\t-\t-\t-\t-\n`;
  const names = ['p1/x', 'p1/x/alice', 'p1/x/bob', 'p1/x/ph'];
  const listing = names.map(ds).join('');
  // alice (who may set properties on her own dataset) put a newline and a line for bob in her value: the get shows
  // bob "on" set locally, and bob a second time; the check by name (one line per dataset named) shows that bob has no
  // value of his own
  const forged = 'p1/x\t-\t-\np1/x/alice\tx\np1/x/bob\ton\tlocal\np1/x/bob\t-\t-\np1/x/ph\ton\tlocal\n';
  const { ex, host } = hostWith({
    [`${LIST} p1/x`]: { stdout: listing },
    [`${LIST_V} ${names.join(' ')}`]: { stdout: '' },
    [`${GET_PH} p1/x`]: { stdout: forged },
    [`${CHECK_PH} p1/x/bob p1/x/ph`]: { stdout: 'p1/x/bob\t-\t-\np1/x/ph\ton\tlocal\n' },
  });
  const l = await host.list(['p1/x']);
  assert.deepEqual(ex.lines(), [`${LIST} p1/x`, `${LIST_V} ${names.join(' ')}`, `${GET_PH} p1/x`, `${CHECK_PH} p1/x/bob p1/x/ph`]);
  assert.deepEqual(l.datasets.filter((d) => d.placeholder).map((d) => d.name), ['p1/x/ph']);
  // bob is an accomplice whose own value forges the check's line for carol: more lines than datasets named, so each is
  // asked on its own, where only its own value shows
  const { ex: ex2, host: h2 } = hostWith({
    [`${LIST} p1/x`]: { stdout: ['p1/x', 'p1/x/bob', 'p1/x/carol'].map(ds).join('') },
    [`${LIST_V} p1/x p1/x/bob p1/x/carol`]: { stdout: '' },
    [`${GET_PH} p1/x`]: { stdout: 'p1/x\t-\t-\np1/x/bob\ton\tlocal\np1/x/carol\ton\tlocal\np1/x/carol\t-\t-\n' },
    [`${CHECK_PH} p1/x/bob p1/x/carol`]: { stdout: 'p1/x/bob\ton\np1/x/carol\ton\tlocal\n\tlocal\np1/x/carol\t-\t-\n' },
    [`${CHECK_PH} p1/x/bob`]: { stdout: 'p1/x/bob\ton\np1/x/carol\ton\tlocal\n\tlocal\n' },
    [`${CHECK_PH} p1/x/carol`]: { stdout: 'p1/x/carol\t-\t-\n' },
  });
  const l2 = await h2.list(['p1/x']);
  assert.deepEqual(ex2.lines().slice(3), [`${CHECK_PH} p1/x/bob p1/x/carol`, `${CHECK_PH} p1/x/bob`, `${CHECK_PH} p1/x/carol`]);
  assert.deepEqual(l2.datasets.filter((d) => d.placeholder).map((d) => d.name), []);
  // a dataset made since the listing (p1/x/z) is a line too many: y is a candidate, destroyed by the time it is asked
  // about, so none; no candidate, no check
  const { ex: ex3, host: h3 } = hostWith({
    [`${LIST} p1/x`]: { stdout: ['p1/x', 'p1/x/y'].map(ds).join('') },
    [`${LIST_V} p1/x p1/x/y`]: { stdout: '' },
    [`${GET_PH} p1/x`]: { stdout: 'p1/x\t-\t-\np1/x/y\ton\tlocal\np1/x/z\t-\t-\n' },
    [`${CHECK_PH} p1/x/y`]: { stdout: '', stderr: "cannot open 'p1/x/y': dataset does not exist\n", code: 1 },
  });
  assert.deepEqual((await h3.list(['p1/x'])).datasets.map((d) => d.placeholder), [false, false]);
  assert.deepEqual(ex3.lines().slice(3), [`${CHECK_PH} p1/x/y`, `${CHECK_PH} p1/x/y`]);
  const { ex: ex4, host: h4 } = hostWith({
    [`${LIST} p1/x`]: { stdout: ds('p1/x') },
    [`${LIST_V} p1/x`]: { stdout: '' },
    [`${GET_PH} p1/x`]: { stdout: '' },
  });
  // a dataset destroyed since the listing has no line: the answer is not one line each either
  const { ex: ex5, host: h5 } = hostWith({
    [`${LIST} p1/x`]: { stdout: ['p1/x', 'p1/x/y', 'p1/x/gone'].map(ds).join('') },
    [`${LIST_V} p1/x p1/x/gone p1/x/y`]: { stdout: '', stderr: "cannot open 'p1/x/gone': dataset does not exist\n", code: 1 },
    [`${GET_PH} p1/x`]: { stdout: 'p1/x\t-\t-\np1/x/y\ton\tlocal\n' },
    [`${CHECK_PH} p1/x/y`]: { stdout: 'p1/x/y\ton\tlocal\n' },
  });
  assert.deepEqual((await h5.list(['p1/x'])).datasets.map((d) => [d.name, d.placeholder]), [['p1/x', false], ['p1/x/y', true]]);
  assert.deepEqual(ex5.lines().slice(3), [`${CHECK_PH} p1/x/y`]);
  assert.deepEqual((await h4.list(['p1/x'])).datasets.map((d) => d.placeholder), [false]);
  assert.equal(ex4.lines().length, 3);
});

test('list: holds: a tag with a newline forges no hold of another snapshot, and the rest of it fails nothing', async () => {
  const ds = (name: string) => `${name}\tfilesystem\t7\t7\t1\t-\t0\toff\t-\t-\t-\t-\n`;
  const snap = (name: string, guid: number) => `${name}\tsnapshot\t${guid}\t${guid}\t1\t1\t0\t0\n`;
  const date = 'Sat Dec  5 11:01 2026';
  // alice may hold her own snapshot: her tag ends its line, forges one of bob's, and leaves a line of no snapshot
  const tag = 'x\np1/x/bob@t\tzform_LR_J_job\t' + date + '\nrest of the tag';
  const { ex, host } = hostWith({
    [`${LIST} p1/x/alice p1/x/bob`]: { stdout: ds('p1/x/alice') + ds('p1/x/bob') },
    [`${LIST_V} p1/x/alice p1/x/bob`]: { stdout: snap('p1/x/alice@s', 11) + snap('p1/x/bob@t', 12) },
    [`${GET_PH} p1/x/alice p1/x/bob`]: {},
    'zfs holds -H p1/x/alice@s p1/x/bob@t': { stdout: `p1/x/alice@s\t${tag}\t${date}\np1/x/bob@t\tkeep\t${date}\n` },
    'zfs holds -H p1/x/bob@t': { stdout: `p1/x/bob@t\tkeep\t${date}\n` },
  });
  const l = await host.list(['p1/x/alice', 'p1/x/bob']);
  assert.deepEqual(ex.lines().slice(3), ['zfs holds -H p1/x/alice@s p1/x/bob@t', 'zfs holds -H p1/x/bob@t']);
  // alice's own line, cut short by her newline, goes with the rest of her tag (no zform tag has a newline)
  assert.deepEqual(l.holds, [{ snapshot: 'p1/x/bob@t', tag: 'keep' }]);
});

/** An executor that answers as `scripted` does, except that the command `open` stays running until the command `other`
 *  starts (or a second passes), then prints `stdout` and ends: `startedWhileOpen()` says whether `other` started while
 *  `open` was still running (null: it never started). */
function holdOpenUntil(scripted: ScriptedExecutor, open: string, other: string, stdout: string) {
  let openEnded = false;
  let whileOpen: boolean | null = null;
  let otherStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => { otherStarted = resolve; });
  const ex = {
    host: 'nas',
    close: async () => {},
    spawn(argv: string[], opts: Parameters<ScriptedExecutor['spawn']>[1]) {
      const line = argv.join(' ');
      if (line === other) { whileOpen = !openEnded; otherStarted(); }
      if (line !== open) return scripted.spawn(argv, opts);
      const ended = Promise.race([started, new Promise<void>((resolve) => { setTimeout(resolve, 1000).unref(); })]).then(() => { openEnded = true; });
      const out = new PassThrough();
      void ended.then(() => out.end(stdout));
      return { stdin: null, stdout: out, exited: ended.then(() => ({ code: 0, signal: null, stderr: '' })), stderr: () => '', kill: () => {} };
    },
  };
  return { ex, startedWhileOpen: () => whileOpen };
}

test('list: zform:placeholder is asked for while the snapshots are listed, not after; a failed get fails the listing', async () => {
  const ds = (name: string) => `${name}\tfilesystem\t7\t7\t1\t-\t0\toff\t-\t-\t-\t-\n`;
  const run = (getReply: Reply) => {
    // the snapshot listing stays open until the get starts (or a second passes): the get must not wait for it
    const scripted = new ScriptedExecutor('nas', (argv) => {
      const line = argv.join(' ');
      if (line === `${LIST} p1/x`) return { stdout: ds('p1/x') + ds('p1/x/y') };
      if (line === `${GET_PH} p1/x`) return getReply;
      if (line === `${CHECK_PH} p1/x`) return { stdout: 'p1/x\ton\tlocal\n' };
      throw new Error(`unexpected command: ${line}`);
    });
    const { ex, startedWhileOpen } = holdOpenUntil(scripted, `${LIST_V} p1/x p1/x/y`, `${GET_PH} p1/x`, 'p1/x@s1\tsnapshot\t11\t5\t1\t0\t0\t0\n');
    return { listing: new CommandZfsHost(ex, {}).list(['p1/x']), getWhileListing: startedWhileOpen };
  };
  const ok = run({ stdout: 'p1/x\ton\tlocal\np1/x/y\ton\tinherited from p1/x\n' });
  const l = await ok.listing;
  assert.equal(ok.getWhileListing(), true);
  assert.deepEqual(l.datasets.map((d) => [d.name, d.placeholder]), [['p1/x', true], ['p1/x/y', false]]);
  assert.deepEqual(l.versions.map((v) => `${v.dataset}@${v.name}`), ['p1/x@s1']);
  const failed = run({ stderr: "cannot get property: permission denied\n", code: 1 });
  await assert.rejects(failed.listing, (e: unknown) => e instanceof ZfsError && /permission denied/.test(e.message));
});

test('list: the holds are asked for once the snapshots are listed, while the placeholders are still being asked for', async () => {
  const ds = (name: string) => `${name}\tfilesystem\t7\t7\t1\t-\t0\toff\t-\t-\t-\t-\n`;
  const HOLDS = 'zfs holds -H p1/x/y@s1';
  const scripted = new ScriptedExecutor('nas', (argv) => {
    const line = argv.join(' ');
    if (line === `${LIST} p1/x`) return { stdout: ds('p1/x') + ds('p1/x/y') };
    if (line === `${LIST_V} p1/x p1/x/y`) return { stdout: 'p1/x/y@s1\tsnapshot\t11\t5\t1\t1\t0\t0\n' };
    if (line === HOLDS) return { stdout: 'p1/x/y@s1\tzform_LR_J_job\tSat Dec  5 11:01 2026\n' };
    throw new Error(`unexpected command: ${line}`);
  });
  // the placeholders' get stays open until the holds command starts (or a second passes)
  const { ex, startedWhileOpen } = holdOpenUntil(scripted, `${GET_PH} p1/x`, HOLDS, 'p1/x\ton\tlocal\np1/x/y\ton\tinherited from p1/x\n');
  const l = await new CommandZfsHost(ex, {}).list(['p1/x']);
  assert.equal(startedWhileOpen(), true);
  assert.deepEqual(l.datasets.map((d) => [d.name, d.placeholder]), [['p1/x', true], ['p1/x/y', false]]);
  assert.deepEqual(l.holds, [{ snapshot: 'p1/x/y@s1', tag: 'zform_LR_J_job' }]);
});
