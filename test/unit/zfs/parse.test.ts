// Parsers of zfs list/get/holds output, on output captured from OpenZFS 2.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HoldsParser, ListParser, ZfsParseError, computeRootsNest, computeSortedVersions, parseHolds, parseList, parseNameValues, parsePlaceholderCheck, parsePlaceholders,
  parseProperties,
} from '../../../src/zfs/parse.js';
import type { VersionRecord } from '../../../src/zfs/types.js';
import { CAPTURED_VERSIONS, readFixture } from './fixtures.js';

test('parseList: filesystems, a zvol, encrypted datasets, a resume token', () => {
  const { datasets } = parseList(readFixture('list-p1.stdout'));
  assert.deepEqual(datasets.map((d) => `${d.name}:${d.type}`), [
    'p1:filesystem', 'p1/a:filesystem', 'p1/a/b:filesystem', 'p1/a/c:filesystem', 'p1/data:filesystem', 'p1/enc:filesystem',
    'p1/enc/child:filesystem', 'p1/encrecv:filesystem', 'p1/partial:filesystem', 'p1/vol:volume',
  ]);
  const by = new Map(datasets.map((d) => [d.name, d]));
  assert.deepEqual(by.get('p1/a'), {
    name: 'p1/a', type: 'filesystem', guid: '7057395065368500489', createtxg: 6, encryption: 'off', encryptionRoot: null,
    keyStatus: null, resumeToken: null, origin: null, placeholder: false, written: 0,
  });
  assert.deepEqual(by.get('p1/enc/child'), {
    name: 'p1/enc/child', type: 'filesystem', guid: '17415657371891314900', createtxg: 16, encryption: 'aes-256-gcm',
    encryptionRoot: 'p1/enc', keyStatus: 'available', resumeToken: null, origin: null, placeholder: false, written: 0,
  });
  assert.equal(by.get('p1/encrecv')!.keyStatus, 'unavailable');
  assert.equal(by.get('p1/partial')!.resumeToken, readFixture('resume-token.txt').trim());
  assert.equal(by.get('p1/partial')!.written, 1359872);
  assert.equal(by.get('p1/vol')!.guid, '7265810561207077850');
});

test('parseList: a clone\'s origin is the snapshot it was made from; "-" is none', () => {
  const { datasets } = parseList('p1/c\tfilesystem\t5\t9\t1\t-\t0\toff\t-\t-\t-\tp1/tmpl@base\np1/d\tfilesystem\t6\t10\t1\t-\t0\toff\t-\t-\t-\t-\n');
  assert.deepEqual(datasets.map((d) => [d.name, d.origin]), [['p1/c', 'p1/tmpl@base'], ['p1/d', null]]);
});

test('parseList: snapshots and bookmarks, GUIDs as exact decimal strings', () => {
  const { versions } = parseList(readFixture('list-p1.stdout'));
  assert.equal(versions.length, 21);
  const a = versions.filter((v) => v.dataset === 'p1/a');
  assert.deepEqual(a, [
    { kind: 'bookmark', dataset: 'p1/a', name: 'b1', guid: '17263245281104857866', createtxg: 19, creation: 1795294156, userrefs: 0, written: 0, clones: 0 },
    { kind: 'snapshot', dataset: 'p1/a', name: 's1', guid: '17263245281104857866', createtxg: 19, creation: 1795294156, userrefs: 2, written: 24576, clones: 0 },
    { kind: 'snapshot', dataset: 'p1/a', name: 's2', guid: '14671475770161301313', createtxg: 20, creation: 1795294157, userrefs: 0, written: 0, clones: 0 },
  ]);
  // above 2^53: a number would have lost digits
  assert.ok(BigInt(a[0]!.guid) > BigInt(Number.MAX_SAFE_INTEGER));
  const data = versions.filter((v) => v.dataset === 'p1/data').map((v) => `${v.kind === 'bookmark' ? '#' : '@'}${v.name}:${v.createtxg}`);
  assert.deepEqual(data, ['#b1:19', '@s1:19', '#b2:20', '@s2:20', '@s3:30']);
});

test('parseList: a version\'s dataset is the name before its first @ or #, line after line of one dataset too', () => {
  const row = (name: string, type: string, guid: string, txg: number) => `${name}\t${type}\t${guid}\t${txg}\t1700000000\t0\t0\toff\t-\t-\t-\t-`;
  const text = [
    row('p/a', 'filesystem', '1', 1), row('p/a@s1', 'snapshot', '0002', 2), row('p/a@s2', 'snapshot', '0', 3), row('p/a#b1', 'bookmark', '2', 2),
    row('p/a@s3', 'snapshot', '4', 4), row('p/ab@s1', 'snapshot', '5', 5), row('p/a@x@y', 'snapshot', '6', 6),
    // not ZFS names (a separator inside the dataset part), split where the first separator is, as always
    row('p/c#d@s', 'snapshot', '7', 7), row('p/c#d@t', 'snapshot', '8', 8), row('p/c#d#b', 'bookmark', '9', 9),
  ].join('\n') + '\n';
  const { versions } = parseList(text);
  assert.deepEqual(versions.map((v) => `${v.dataset} ${v.kind} ${v.name} ${v.guid}`), [
    'p/a bookmark b1 2', 'p/a snapshot s1 2', 'p/a snapshot s2 0', 'p/a snapshot s3 4', 'p/a snapshot x@y 6',
    'p/ab snapshot s1 5', 'p/c bookmark d#b 9', 'p/c#d snapshot s 7', 'p/c#d snapshot t 8',
  ]);
});

test('parseList: nested roots listed twice count once', () => {
  const once = readFixture('list-two-roots.stdout');
  const twice = parseList(once + once.split('\n').filter((l) => l.startsWith('p1/a/b')).join('\n') + '\n');
  assert.deepEqual(twice, parseList(once));
});

test('computeRootsNest: an ancestor or a repeated root nests; siblings and look-alike names do not', () => {
  for (const roots of [['p1/a', 'p1/a/b'], ['p1/a/b', 'p1/a'], ['p1', 'p2', 'p1/x/y'], ['p1/a', 'p1/a-b', 'p1/a/b'], ['p1/a', 'p1/a']]) {
    assert.equal(computeRootsNest(roots), true, roots.join(' '));
  }
  for (const roots of [[], ['p1'], ['p1/a', 'p1/ab', 'p1/a-b'], ['p1/a/b', 'p1/a/c', 'p2/a'], ['src', 'dst/backup']]) {
    assert.equal(computeRootsNest(roots), false, roots.join(' '));
  }
});

test('ListParser without nested roots keeps no names seen and parses the same', () => {
  for (const fixture of ['list-p1.stdout', 'list-two-roots.stdout', 'list-missing-root.stdout']) {
    const p = new ListParser({ nested: false });
    p.push(Buffer.from(readFixture(fixture)));
    const { datasets, table } = p.end();
    assert.deepEqual({ datasets, versions: table.records() }, parseList(readFixture(fixture)), fixture);
  }
});

test('parseList: the output for a missing root among several still parses', () => {
  const { datasets, versions } = parseList(readFixture('list-missing-root.stdout'));
  assert.deepEqual(datasets.map((d) => d.name), ['p1/a', 'p1/a/b', 'p1/a/c', 'p1/vol']);
  assert.equal(versions.length, 9);
  assert.deepEqual(parseList(''), { datasets: [], versions: [] });
});

test('parseList rejects lines of another shape with their line number', () => {
  assert.throws(() => parseList('p1\tfilesystem\t1\n'), (e: unknown) => e instanceof ZfsParseError && e.shortMessage === 'cannot parse zfs list line 1: "p1\\tfilesystem\\t1"');
  const bad = 'p1@x\tsnapshot\tabc\t1\t1\t0\t0\toff\t-\t-\t-\t-\n';
  assert.throws(() => parseList(readFixture('list-two-roots.stdout') + bad), /line 14/);
  assert.throws(() => parseList('p1\tclone\t1\t1\t1\t-\t0\toff\t-\t-\t-\t-\n'), ZfsParseError);
});

test('ListParser of a version listing (versionsOnly): a version\'s 8 columns, numclones last; a dataset line or all 11 columns refused', () => {
  const parse = (text: string) => {
    const p = new ListParser({ nested: false, versionsOnly: true });
    p.push(Buffer.from(text));
    return p.end().table.records();
  };
  // as OpenZFS 2.1 and 2.3 print them (a bookmark's userrefs, written and numclones are `-`)
  assert.deepEqual(parse('p1/a@s1\tsnapshot\t0017\t19\t1795294156\t2\t24576\t2\np1/a@s2\tsnapshot\t18\t20\t1795294157\t0\t0\t0\np1/a#b1\tbookmark\t17\t19\t1795294156\t-\t-\t-\n'), [
    { kind: 'bookmark', dataset: 'p1/a', name: 'b1', guid: '17', createtxg: 19, creation: 1795294156, userrefs: 0, written: 0, clones: 0 },
    { kind: 'snapshot', dataset: 'p1/a', name: 's1', guid: '17', createtxg: 19, creation: 1795294156, userrefs: 2, written: 24576, clones: 2 },
    { kind: 'snapshot', dataset: 'p1/a', name: 's2', guid: '18', createtxg: 20, creation: 1795294157, userrefs: 0, written: 0, clones: 0 },
  ]);
  assert.throws(() => parse('p1/a@s1\tsnapshot\t17\t19\t1795294156\t2\t24576\toff\t-\t-\t-\t-\n'), (e: unknown) => e instanceof ZfsParseError && /line 1/.test(e.shortMessage));
  assert.throws(() => parse('p1/a@s1\tsnapshot\t17\t19\t1795294156\t2\t24576\n'), (e: unknown) => e instanceof ZfsParseError && /line 1/.test(e.shortMessage));
  assert.throws(() => parse('p1/a@s1\tsnapshot\t17\t19\t1\t2\t3\t0\np1/a\tfilesystem\t7\t7\t1\t-\t0\t-\n'), (e: unknown) => e instanceof ZfsParseError && /line 2/.test(e.shortMessage));
});

test('ListParser of a version listing: the one-pass read of usual lines gives what the line-by-line read gives, in any chunks', () => {
  // nested: true keeps every line on the line-by-line read (the one-pass read leaves the duplicate check to it)
  const text = [
    'p1/a@s1\tsnapshot\t0017\t19\t1795294156\t2\t24576\t0', // the first of a dataset: line by line
    'p1/a@s2\tsnapshot\t18446744073709551615\t20\t1795294157\t0\t0\t0', // usual: one pass
    'p1/a@s3\tsnapshot\t000\t21\t1795294158\t-\t-\t-', // `-` counts: line by line
    'p1/a@s4\tsnapshot\t5\t22\t1795294159\t0\t12345678901234567\t0', // a 17-digit count: line by line
    'p1/a@s@5\tsnapshot\t6\t23\t1795294160\t1\t7\t0', // an @ in the short name, as the line-by-line read takes it
    'p1/a#b1\tbookmark\t17\t19\t1795294156\t-\t-\t-',
    'p1/a@s6\tsnapshot\t8\t18\t1795294155\t3\t9\t1', // out of createtxg order
    'p1/ab@s1\tsnapshot\t9\t30\t1795294170\t0\t1\t0', // a dataset whose name starts with the one before
    'p1/ab@s2\tsnapshot\t10\t31\t1795294171\t0\t2\t0',
    'p1/b@s1\tsnapshot\t11\t40\t1795294180\t0\t3\t0',
    'p1/b@s2\tsnapshot\t12\t41\t1795294181\t0\t4\t12345678901234567',
  ].join('\n') + '\n';
  const parse = (nested: boolean, cut: number) => {
    const p = new ListParser({ nested, versionsOnly: true });
    const buf = Buffer.from(text);
    p.push(buf.subarray(0, cut));
    p.push(buf.subarray(cut));
    return p.end().table.records();
  };
  const expected = parse(true, 0);
  assert.equal(expected.length, 11);
  assert.deepEqual(expected.find((v) => v.name === 's2'), { kind: 'snapshot', dataset: 'p1/a', name: 's2', guid: '18446744073709551615', createtxg: 20, creation: 1795294157, userrefs: 0, written: 0, clones: 0 });
  assert.equal(expected.find((v) => v.name === 's@5')!.dataset, 'p1/a');
  assert.equal(expected.find((v) => v.name === 's6')!.clones, 1);
  assert.equal(expected.find((v) => v.dataset === 'p1/b' && v.name === 's2')!.clones, 0xffff, 'more clones than a row counts: the most it counts');
  for (let cut = 0; cut <= text.length; cut++) assert.deepEqual(parse(false, cut), expected, `cut at ${cut}`);
  // the last line without its newline counts
  const p = new ListParser({ nested: false, versionsOnly: true });
  p.push(Buffer.from(text.slice(0, -1)));
  assert.deepEqual(p.end().table.records(), expected);
});

test('ListParser of a version listing: a line the one-pass read leaves is judged line by line, with its line number', () => {
  const good = (i: number) => `p1/a@s${i}\tsnapshot\t${i + 1}\t${i + 10}\t1795294156\t0\t4096\t0\n`;
  const parse = (text: string) => {
    const p = new ListParser({ nested: false, versionsOnly: true });
    p.push(Buffer.from(text));
    return p.end().table.records();
  };
  const lines = [good(1), good(2), good(3)];
  for (const bad of [
    'p1/a@x\tsnapshot\t1x\t5\t1\t0\t0\t0\n', // a GUID that is not digits
    'p1/a@x\tsnapshot\t184467440737095516150\t5\t1\t0\t0\t0\n', // beyond uint64
    'p1/a@x\tsnapshot\t\t5\t1\t0\t0\t0\n', // no GUID
    'p1/a@x\tsnapshot\t7\t5\t1\t0\t0\n', // a column short
    'p1/a@x\tsnapshot\t7\t5\t1\t0\t0\t0\toff\n', // a column more
    'p1/a@x\tsnapshop\t7\t5\t1\t0\t0\t0\n', // neither snapshot nor bookmark
    'p1/a@x\tsnapshot\t7\t5x\t1\t0\t0\t0\n',
    'p1/a@x\tsnapshot\t7\t5\t1\t0\t0\t\n', // an empty count
    'p1/a@x\tsnapshot\t7\t5\t1\t0\t0\tx\n', // numclones not a number
  ]) {
    assert.throws(() => parse(lines.join('') + bad + good(4)), (e: unknown) => e instanceof ZfsParseError && /line 4:/.test(e.shortMessage), bad);
  }
});

test('parseList: a version\'s GUID loses its leading zeros and is at most a uint64\'s 20 digits', () => {
  const line = (guid: string) => `p1\tfilesystem\t5\t1\t1\t-\t0\toff\t-\t-\t-\t-\np1@s\tsnapshot\t${guid}\t2\t1\t0\t0\toff\t-\t-\t-\t-\n`;
  assert.equal(parseList(line('000018446744073709551615')).versions[0]!.guid, '18446744073709551615');
  assert.equal(parseList(line('000')).versions[0]!.guid, '0');
  assert.throws(() => parseList(line('184467440737095516150')), (e: unknown) => e instanceof ZfsParseError && /line 2/.test(e.shortMessage));
  // a dataset's GUID too
  assert.equal(parseList('p1\tfilesystem\t0042\t1\t1\t-\t0\toff\t-\t-\t-\t-\n').datasets[0]!.guid, '42');
  assert.throws(() => parseList('p1\tfilesystem\t184467440737095516150\t1\t1\t-\t0\toff\t-\t-\t-\t-\n'), (e: unknown) => e instanceof ZfsParseError && /line 1/.test(e.shortMessage));
});

test('computeSortedVersions: dataset, then createtxg, bookmark before snapshot', () => {
  const v = (dataset: string, kind: 'snapshot' | 'bookmark', name: string, createtxg: number): VersionRecord =>
    ({ kind, dataset, name, guid: '1', createtxg, creation: 0, userrefs: 0, written: 0, clones: 0 });
  const sorted = computeSortedVersions([v('p/b', 'snapshot', 'x', 1), v('p/a', 'snapshot', 's', 5), v('p/a', 'bookmark', 'c', 5), v('p/a', 'snapshot', 'r', 2)]);
  assert.deepEqual(sorted.map((x) => `${x.dataset}${x.kind === 'bookmark' ? '#' : '@'}${x.name}`), ['p/a@r', 'p/a#c', 'p/a@s', 'p/b@x']);
});

test('ListParser: versions in order whatever order zfs lists them in (bookmarks after snapshots; datasets out of order)', () => {
  const line = (name: string, type: string, txg: number) => `${name}\t${type}\t${txg}7\t${txg}\t1700000000\t${type === 'snapshot' ? '0' : '-'}\t${type === 'snapshot' ? '4096' : '-'}\toff\t-\t-\t-\t-\n`;
  const names = (text: string, nested: boolean) => {
    const p = new ListParser({ nested });
    p.push(Buffer.from(text));
    return p.end().table.records().map((x) => `${x.dataset}${x.kind === 'bookmark' ? '#' : '@'}${x.name}`);
  };
  // as zfs lists them: each dataset, its snapshots by createtxg, then its bookmarks (one at a snapshot's txg)
  const zfsOrder = line('p/a', 'filesystem', 1) + line('p/a@s1', 'snapshot', 2) + line('p/a@s2', 'snapshot', 5) + line('p/a#b2', 'bookmark', 5)
    + line('p/a#b0', 'bookmark', 2) + line('p/b', 'filesystem', 3) + line('p/b@s1', 'snapshot', 4) + line('p/c', 'filesystem', 6)
    + line('p/c@x', 'snapshot', 9) + line('p/c#y', 'bookmark', 7);
  const want = ['p/a#b0', 'p/a@s1', 'p/a#b2', 'p/a@s2', 'p/b@s1', 'p/c#y', 'p/c@x'];
  for (const nested of [false, true]) assert.deepEqual(names(zfsOrder, nested), want);
  // a dataset listed after one that sorts later, and a dataset's versions in two runs: the whole listing is sorted
  const scattered = line('p/c', 'filesystem', 6) + line('p/c@x', 'snapshot', 9) + line('p/a', 'filesystem', 1) + line('p/a@s2', 'snapshot', 5)
    + line('p/c#y', 'bookmark', 7) + line('p/a@s1', 'snapshot', 2);
  assert.deepEqual(names(scattered, true), ['p/a@s1', 'p/a@s2', 'p/c#y', 'p/c@x']);
});

test('the recursive get of zform:placeholder: the answer when it has one line for each dataset listed (parsePlaceholderCheck), else candidates (parsePlaceholders)', () => {
  const p1 = ['p1', 'p1/a', 'p1/a/b', 'p1/a/c', 'p1/data', 'p1/enc', 'p1/enc/child', 'p1/encrecv', 'p1/partial', 'p1/vol'];
  for (const ver of CAPTURED_VERSIONS) {
    // inherited "on" (p1/a/b) and "off" set locally (p1/a/c) are no placeholders
    assert.deepEqual(parsePlaceholderCheck(readFixture('get-placeholder-all.stdout', ver), p1), new Set(['p1/a']), ver);
    // a root destroyed since the listing: its datasets have no line
    const missing = ['p1/a', 'p1/a/b', 'p1/a/c', 'p1/missing'];
    assert.equal(parsePlaceholderCheck(readFixture('get-placeholder-all-missing.stdout', ver), missing), null, ver);
    assert.deepEqual(parsePlaceholders(readFixture('get-placeholder-all-missing.stdout', ver), new Set(missing)), new Set(['p1/a']), ver);
    // p1/ph's value is "x", a newline and "p1/a/b<tab>on": p1/a/b shows "on" set locally in a line of its own, and
    // then its real line; the answer names it as a candidate only
    const forged = ['p1/a', 'p1/a/b', 'p1/a/c', 'p1/ph'];
    assert.equal(parsePlaceholderCheck(readFixture('get-placeholder-forged.stdout', ver), forged), null, ver);
    assert.deepEqual(parsePlaceholders(readFixture('get-placeholder-forged.stdout', ver), new Set(forged)), new Set(['p1/a', 'p1/a/b']), ver);
  }
  const listed = ['p/a', 'p/b'];
  assert.deepEqual(parsePlaceholderCheck('p/a\ton\tlocal\np/b\t-\t-\n', listed), new Set(['p/a']));
  // a line too many: a dataset not listed (made since), or a forged line of one that comes in order, its own after
  assert.equal(parsePlaceholderCheck('p/a\ton\tlocal\np/b\t-\t-\np/c\t-\t-\n', listed), null);
  assert.equal(parsePlaceholderCheck('p/a\tx\np/b\ton\tlocal\np/b\t-\t-\n', listed), null);
  assert.deepEqual(parsePlaceholders('p/a\tx\np/b\ton\tlocal\np/b\t-\t-\n', new Set(listed)), new Set(['p/b']));
  // a value with a tab but no newline is still its own line (its value is not "on"); received "on" is no placeholder;
  // a line of a dataset not listed is no candidate
  assert.deepEqual(parsePlaceholderCheck('p/a\ton\tlocal\tlocal\np/b\t-\t-\n', listed), new Set());
  assert.deepEqual(parsePlaceholderCheck('p/a\ton\treceived\np/b\t-\t-\n', listed), new Set());
  assert.deepEqual(parsePlaceholders('p/c\ton\tlocal\n', new Set(listed)), new Set());
  assert.equal(parsePlaceholderCheck('', listed), null);
});

test('parseHolds: 2.1 prints ctime (no -p), so created is left out; -p seconds are kept', () => {
  assert.deepEqual(parseHolds(readFixture('holds.stdout')), [
    { snapshot: 'p1/a@s1', tag: 'zform_STEP_J_job1' },
    { snapshot: 'p1/a@s1', tag: 'keep' },
    { snapshot: 'p1/data@s2', tag: 'zform_STEP_J_job1' },
  ]);
  assert.deepEqual(parseHolds('p/a@s\tt 1\t1700000000\n'), [{ snapshot: 'p/a@s', tag: 't 1', created: 1700000000 }]);
  assert.throws(() => parseHolds('p/a\tt\tx\n'), ZfsParseError);
});

test('parseProperties and parseNameValues', () => {
  assert.deepEqual(parseProperties(readFixture('get-props.stdout')), {
    mountpoint: 'none', 'zform:placeholder': 'on', 'zform:unset': '-', compression: 'off',
  });
  assert.deepEqual([...parseNameValues(readFixture('get-guid.stdout'))], [
    ['p1/a@s1', '17263245281104857866'], ['p1/a#b1', '17263245281104857866'], ['p1/data@s2', '2737191559284355994'],
  ]);
});

/** Feeds text to a streaming parser in chunks cut at the given byte positions. */
function pushCut(p: { push(chunk: Buffer): void }, text: string, cuts: number[]): void {
  const bytes = Buffer.from(text);
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    p.push(bytes.subarray(from, c));
    from = c;
  }
}

/** A parser's datasets and its versions as records (the shape parseList gives). */
function recordsOf(p: ListParser): ReturnType<typeof parseList> {
  const { datasets, table } = p.end();
  return { datasets, versions: table.records() };
}

test('ListParser: the same records whatever chunks the output arrives in, a name cut inside a UTF-8 character too', () => {
  const text = readFixture('list-p1.stdout')
    + 'p1/k\u00f6ln\tfilesystem\t7\t40\t1795294160\t-\t0\toff\t-\t-\t-\t-\n'
    + 'p1/k\u00f6ln@sn\u00e4p\tsnapshot\t8\t41\t1795294161\t0\t4096\toff\t-\t-\t-\t-'; // no newline at the end
  const whole = parseList(text);
  assert.equal(whole.versions.filter((v) => v.dataset === 'p1/k\u00f6ln' && v.name === 'sn\u00e4p').length, 1);
  const size = Buffer.byteLength(text);
  for (let cut = 0; cut <= size; cut++) {
    const p = new ListParser();
    pushCut(p, text, [cut]);
    assert.deepEqual(recordsOf(p), whole, `one cut at byte ${cut}`);
  }
  for (const step of [1, 7, 64]) {
    const p = new ListParser();
    pushCut(p, text, Array.from({ length: Math.floor(size / step) }, (_, i) => (i + 1) * step));
    assert.deepEqual(recordsOf(p), whole, `chunks of ${step} bytes`);
  }
});

test('ListParser: a bad line is reported with its number when it arrives, across chunks', () => {
  const p = new ListParser();
  const good = readFixture('list-two-roots.stdout');
  pushCut(p, good + 'p1@x\tsnapshot\tabc\t1\t1\t0\t0\toff\t-\t-\t-\t-', [5, good.length + 3]);
  assert.throws(() => p.end(), (e: unknown) => e instanceof ZfsParseError && /line 14: "p1@x\\tsnapshot\\tabc/.test(e.shortMessage));
});

test('HoldsParser: chunks cut anywhere give the holds of the whole text', () => {
  const text = readFixture('holds.stdout');
  for (let cut = 0; cut <= text.length; cut++) {
    const p = new HoldsParser();
    pushCut(p, text, [cut]);
    assert.deepEqual(p.end(), parseHolds(text));
  }
  const bad = new HoldsParser();
  bad.push(Buffer.from('p/a@s\tt\tx\np/a\tt'));
  assert.throws(() => bad.end(), /cannot parse zfs holds line 2: "p\/a\\tt"/);
});
