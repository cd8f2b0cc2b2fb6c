import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VersionRecord } from '../../../src/zfs/types.js';
import { VersionTable, VersionTableBuilder, makeListing, versionTable } from '../../../src/zfs/version-table.js';
import { indexListing } from '../../../src/plan/listing-index.js';

const v = (dataset: string, kind: VersionRecord['kind'], name: string, createtxg: number, extra: Partial<VersionRecord> = {}): VersionRecord => ({
  kind, dataset, name, guid: `${createtxg}${name.length}00${kind === 'bookmark' ? 1 : 2}`, createtxg, creation: 1700000000 + createtxg,
  userrefs: kind === 'snapshot' ? createtxg % 3 : 0, written: kind === 'snapshot' ? createtxg * 4096 : 0, clones: kind === 'snapshot' ? createtxg % 2 : 0, ...extra,
});
const key = (r: VersionRecord) => `${r.dataset}${r.kind === 'snapshot' ? '@' : '#'}${r.name}`;

test('VersionTable.from: records in the listing order (dataset, createtxg, bookmark first, name), every field kept', () => {
  const records = [v('p/b', 'snapshot', 's1', 4), v('p/a', 'snapshot', 's2', 5), v('p/a', 'bookmark', 'b2', 5), v('p/a', 'snapshot', 's1', 2),
    v('p/a', 'snapshot', 'big', 9, { written: 2 ** 52 + 1, creation: 4102444800 })];
  const t = VersionTable.from(records);
  assert.equal(t.length, 5);
  assert.deepEqual(t.records().map(key), ['p/a@s1', 'p/a#b2', 'p/a@s2', 'p/a@big', 'p/b@s1']);
  const byKey = new Map(records.map((r) => [key(r), r]));
  for (const r of t.records()) assert.deepEqual(r, byKey.get(key(r)), key(r));
  assert.deepEqual(t.segments[0]!.records(1, 3).map(key), ['p/a#b2', 'p/a@s2']);
  assert.notEqual(t.segments[0]!.at(0), t.segments[0]!.at(0), 'a new record each time');
});

/** A builder of these rows, GUIDs as digits (as the parser gives them) or as strings. */
function build(rows: VersionRecord[], strings: boolean): VersionTableBuilder {
  const b = new VersionTableBuilder(strings);
  const ids = new Map<string, number>();
  const id = (k: string, add: () => number) => ids.get(k) ?? (ids.set(k, add()), ids.get(k)!);
  for (const r of rows) {
    const d = id(`d:${r.dataset}`, () => b.addDataset(r.dataset));
    const n = id(`n:${r.name}`, () => b.addName(r.name));
    if (strings) b.pushRecord(r.kind === 'snapshot', d, n, r.guid, r.createtxg, r.creation, r.userrefs, r.written, r.clones);
    else b.push(r.kind === 'snapshot', d, n, Buffer.from(`x${r.guid}y`), 1, 1 + r.guid.length, r.createtxg, r.creation, r.userrefs, r.written, r.clones);
  }
  return b;
}

test('VersionTableBuilder: GUIDs kept exactly (uint64 as digits), a run sorted and every column moved with it', () => {
  const rows = [v('p/a', 'snapshot', 's1', 2, { guid: '0' }), v('p/a', 'snapshot', 's2', 5, { guid: '9999999999' }), v('p/a', 'bookmark', 'b5', 5, { guid: '10000000000' }),
    v('p/a', 'bookmark', 'b0', 1, { guid: '10000000001' }), v('p/b', 'snapshot', 'x', 3, { guid: '18446744073709551615' })];
  for (const strings of [false, true]) {
    const b = build(rows, strings);
    b.sortRun(0, 2, 4); // zfs's order: the snapshots, then the bookmarks (the first out of order at row 2)
    const t = b.finish();
    assert.deepEqual(t.records(), [rows[3], rows[0], rows[2], rows[1], rows[4]], strings ? 'GUID strings' : 'GUID digits');
    const both = VersionTable.concat([t, VersionTable.from([v('p/c', 'snapshot', 's1', 7)])]);
    assert.deepEqual(both.records().map(key), ['p/a#b0', 'p/a@s1', 'p/a#b5', 'p/a@s2', 'p/b@x', 'p/c@s1']);
    assert.equal(both.length, 6);
  }
});

test('VersionTableBuilder: a dataset of more rows than a chunk holds, its bookmarks after its snapshots, sorted as one sort would', () => {
  const snaps = Array.from({ length: 9000 }, (_, i) => v('p/big', 'snapshot', `s${String(i).padStart(5, '0')}`, 10 + 2 * i, { guid: String(10n ** 19n + BigInt(i)) }));
  const marks = [v('p/big', 'bookmark', 'old', 11), v('p/big', 'bookmark', 'mid', 10 + 2 * 4500), v('p/big', 'bookmark', 'new', 10 + 2 * 8999)];
  for (const strings of [false, true]) {
    const b = build([...snaps, ...marks], strings);
    b.sortRun(0, 9000, 9003);
    assert.deepEqual(b.finish().records(), VersionTable.from([...snaps, ...marks]).records());
    // a cursor at the newest snapshot, its row the first of the second chunk: one move across the chunks' border
    const edge = [...snaps.slice(0, 8192), v('p/big', 'bookmark', 'cursor', snaps[8191]!.createtxg)];
    const e = build(edge, strings);
    e.sortRun(0, 8192, 8193);
    assert.deepEqual(e.finish().records(), VersionTable.from(edge).records());
  }
});

test('VersionTableBuilder: a GUID of any length 1 to 20 digits, and createtxg, creation and written past 32 bits, kept exactly through both sorts', () => {
  // digits two to a byte, an odd count too; creation and written in 32 bits where they fit, any other number beside
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const digits = (n: number) => (n === 1 ? String(Math.floor(random() * 10)) : String(1 + Math.floor(random() * 9)) + Array.from({ length: n - 1 }, () => Math.floor(random() * 10)).join(''));
  const odd = [2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 0, 2 ** 32 - 2, 1.5, -1];
  // descending: the widest txgs first, 32 bits' last values among them (2^32 - 1 is the column's mark for "in wide")
  const txgs = [2 ** 53 - 1, 2 ** 40, 2 ** 32, 2 ** 32 - 1, 2 ** 32 - 2, 2 ** 31, 2 ** 31 - 1];
  const rows = Array.from({ length: 60 }, (_, i) => v('p/a', 'snapshot', `s${String(i).padStart(2, '0')}`, txgs[i] ?? 1000 - i, {
    guid: i === 0 ? '18446744073709551615' : i === 1 ? '0' : digits(1 + (i % 20)),
    creation: odd[i % odd.length]!, written: odd[(i + 3) % odd.length]!,
  }));
  for (const strings of [false, true]) {
    // 60 rows in descending txg: one sort (more than 16 rows)
    const many = build(rows, strings);
    many.sortRange(0, rows.length);
    assert.deepEqual(many.finish().records(), [...rows].reverse(), `sorted ${strings ? 'strings' : 'digits'}`);
    // 12 rows: moved one place at a time (swap)
    const few = build(rows.slice(0, 12), strings);
    few.sortRange(0, 12);
    assert.deepEqual(few.finish().records(), rows.slice(0, 12).reverse(), `swapped ${strings ? 'strings' : 'digits'}`);
  }
  // across a chunk's border: the wide values move with their rows
  for (const base of [10, 2 ** 33]) {
    const border = [...Array.from({ length: 8191 }, (_, i) => v('p/b', 'snapshot', `t${i}`, base + i)), v('p/b', 'snapshot', 'late', base - 5, { creation: 2 ** 40, written: 2 ** 45, guid: '12345678901234567890' })];
    const b = build(border, false);
    b.sortRun(0, 8191, 8192);
    assert.deepEqual(b.finish().records(), [border[8191], ...border.slice(0, 8191)], `txgs from ${base}`);
  }
});

test('VersionTable.concat: the tables one after another; withDatasets renames without changing the original', () => {
  const one = VersionTable.from([v('p/a', 'snapshot', 's1', 2), v('p/a', 'bookmark', 'c', 2)]);
  const two = VersionTable.from([v('p/b', 'snapshot', 's1', 3)]);
  const both = VersionTable.concat([one, two]);
  assert.deepEqual(both.records(), [...one.records(), ...two.records()]);
  assert.equal(VersionTable.concat([]).length, 0);
  const moved = both.withDatasets((d) => (d === 'p/a' ? 'q/a' : d));
  assert.deepEqual(moved.records().map(key), ['q/a#c', 'q/a@s1', 'p/b@s1']);
  assert.deepEqual(moved.records().map((r) => r.guid), both.records().map((r) => r.guid));
  assert.deepEqual(both.records().map(key), ['p/a#c', 'p/a@s1', 'p/b@s1']);
});

test('makeListing: versions read as records (for tests and tools), the table kept as listed; a plain listing gets one made once', () => {
  const table = VersionTable.from([v('p/a', 'snapshot', 's1', 2), v('p/a', 'snapshot', 's2', 3)]);
  const l = makeListing([], table, []);
  assert.equal(versionTable(l), table);
  assert.deepEqual(l, { datasets: [], versions: table.records(), holds: [] });
  assert.deepEqual(JSON.parse(JSON.stringify(l)).versions.map(key), ['p/a@s1', 'p/a@s2']);
  const plain = { datasets: [], versions: [v('p/a', 'snapshot', 's2', 3), v('p/a', 'snapshot', 's1', 2)], holds: [] };
  const made = versionTable(plain);
  assert.equal(versionTable(plain), made);
  assert.deepEqual(made.records().map(key), ['p/a@s1', 'p/a@s2']);
});

test('ListingIndex over a table: a dataset\'s versions in order, also when renames put two runs under one name; copies, not shared arrays', () => {
  const table = VersionTable.from([v('p/a', 'snapshot', 's1', 2), v('p/a', 'snapshot', 's3', 9), v('p/b', 'snapshot', 's2', 5), v('p/b', 'bookmark', 'b', 1)]);
  const merged = makeListing([], table.withDatasets((d) => (d === 'p/b' ? 'p/a' : d)), []);
  const index = indexListing(merged);
  assert.deepEqual(index.versions('p/a').map((r) => `${r.kind}:${r.name}`), ['bookmark:b', 'snapshot:s1', 'snapshot:s2', 'snapshot:s3']);
  assert.deepEqual(index.snapshots('p/a').map((r) => r.name), ['s1', 's2', 's3']);
  assert.deepEqual(index.versions('p/b'), []);
  assert.equal(index.versions('p/a'), index.versions('p/a'), 'the index\'s own array, not a copy per call');
  // more datasets than the index keeps made: asked again, the same records
  const many = VersionTable.from(Array.from({ length: 20 }, (_, i) => v(`p/d${String(i).padStart(2, '0')}`, 'snapshot', 's', i + 1)));
  const mi = indexListing(makeListing([], many, []));
  const once = Array.from({ length: 20 }, (_, i) => mi.versions(`p/d${String(i).padStart(2, '0')}`));
  for (let i = 0; i < 20; i++) assert.deepEqual(mi.versions(`p/d${String(i).padStart(2, '0')}`), once[i]);
  // it keeps the last eight datasets' records made (the same arrays), not every dataset's: an older one is made again
  const fresh = indexListing(makeListing([], many, []));
  const first = Array.from({ length: 20 }, (_, i) => fresh.versions(`p/d${String(i).padStart(2, '0')}`));
  for (let i = 12; i < 20; i++) assert.equal(fresh.versions(`p/d${String(i).padStart(2, '0')}`), first[i], `p/d${i} kept`);
  const remade = fresh.versions('p/d00');
  assert.notEqual(remade, first[0]);
  assert.deepEqual(remade, first[0]);
});

test('ListingIndex.newestSnapshot and hasSnapshot: the same answers as the records give, merged runs too', () => {
  const table = VersionTable.from([v('p/a', 'snapshot', 'zform_1', 2), v('p/a', 'snapshot', 'other', 9), v('p/a', 'bookmark', 'zform_b', 12),
    v('p/b', 'snapshot', 'zform_2', 5), v('p/b', 'snapshot', 'zform_0', 1), v('p/c', 'bookmark', 'zform_c', 3)]);
  const plain = indexListing(makeListing([], table, []));
  const merged = indexListing(makeListing([], table.withDatasets((d) => (d === 'p/b' ? 'p/a' : d)), []));
  const ours = (s: string) => s.startsWith('zform_');
  for (const [index, name, newestOurs, newestAny] of [
    [plain, 'p/a', 'zform_1', 'other'], [plain, 'p/b', 'zform_2', 'zform_2'], [plain, 'p/c', undefined, undefined], [plain, 'p/x', undefined, undefined],
    [merged, 'p/a', 'zform_2', 'other'],
  ] as const) {
    assert.equal(index.newestSnapshot(name, ours)?.name, newestOurs, `${name} ours`);
    assert.equal(index.newestSnapshot(name)?.name, newestAny, `${name} any`);
    const names = index.snapshots(name).map((r) => r.name);
    for (const short of ['zform_1', 'zform_2', 'zform_0', 'other', 'zform_b', 'zform_c', 'nope']) assert.equal(index.hasSnapshot(name, short), names.includes(short), `${name}@${short}`);
  }
  assert.deepEqual(plain.newestSnapshot('p/a', ours), v('p/a', 'snapshot', 'zform_1', 2), 'the whole record');
});

test('Segment.runEnd: where each dataset\'s run ends, runs ending inside a chunk, at its last row, across a border and at the end; ListingIndex reads the same runs', () => {
  // chunks of 8192 rows. A: rows 0-8190 (ending one row before the first border), B: 8191-16385 (across it, ending
  // inside the third chunk), C: 16386-24575 (ending at the third chunk's last row), D: 24576, one row alone, the last
  const sizes: [string, number][] = [['p/a', 8191], ['p/b', 8195], ['p/c', 8190], ['p/d', 1]];
  const rows: VersionRecord[] = [];
  for (const [dataset, n] of sizes) for (let i = 0; i < n; i++) rows.push(v(dataset, 'snapshot', `s${i}`, 10 + i));
  const seg = build(rows, false).finish().segments[0]!;
  const ends: number[] = [];
  for (let from = 0; from < seg.length; from = seg.runEnd(from)) ends.push(seg.runEnd(from));
  assert.deepEqual(ends, [8191, 16386, 24576, 24577]);
  assert.equal(seg.runEnd(8191 + 4000), 16386, 'from the middle of a run');
  assert.equal(seg.runEnd(24576), 24577, 'the last row alone');
  const index = indexListing(makeListing([], build(rows, false).finish(), []));
  assert.deepEqual(sizes.map(([d]) => index.versions(d).length), sizes.map(([, n]) => n));
  assert.deepEqual(index.versions('p/b').map((r) => r.name).slice(0, 2), ['s0', 's1']);
});
