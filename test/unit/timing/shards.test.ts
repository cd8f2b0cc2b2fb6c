// test/run-all's share of the real suite between the OpenZFS versions (test/real/shards.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MINUTES, MINUTES_UNKNOWN, PAIRS, VERSION_FILES, shareFiles } from '../../real/shards.js';

const D = 'dist/test/real/';
const minutes = { 'a.test.js': 10, 'b.test.js': 6, 'c.test.js': 5, 'd.test.js': 1, 'harness.test.js': 2 };
const files = ['a.test.js', 'b.test.js', 'c.test.js', 'd.test.js', 'harness.test.js', 'new.test.js'].map((f) => D + f);

test('shared: every version runs the version-sensitive files, every other file runs on exactly one version', () => {
  const got = shareFiles(files, ['2.1', '2.3'], [], minutes);
  for (const v of ['2.1', '2.3']) assert.ok(got.get(v)!.includes(`${D}harness.test.js`), v);
  const others = files.filter((f) => !f.endsWith('harness.test.js'));
  for (const f of others) assert.equal(['2.1', '2.3'].filter((v) => got.get(v)!.includes(f)).length, 1, f);
});

test('shared: longest first to the version with the fewest minutes; each list keeps the order given', () => {
  // a (10) → 2.1; b (6) → 2.3; c (5) → 2.3 (6 < 10); new (unknown: 3) → 2.1 (10 < 11); d (1) → 2.3 (13 > 11)
  const got = shareFiles(files, ['2.1', '2.3'], [], minutes);
  assert.equal(MINUTES_UNKNOWN, 3);
  assert.deepEqual(got.get('2.1'), [`${D}a.test.js`, `${D}harness.test.js`, `${D}new.test.js`]);
  assert.deepEqual(got.get('2.3'), [`${D}b.test.js`, `${D}c.test.js`, `${D}d.test.js`, `${D}harness.test.js`]);
});

test('the local and SSH files of a pair run on different versions, even where the minutes would put them together', () => {
  const m = { 'contract-local.test.js': 4, 'contract-ssh.test.js': 5, 'big.test.js': 20, 'x.test.js': 1 };
  const f = ['big.test.js', 'contract-local.test.js', 'contract-ssh.test.js', 'x.test.js'].map((n) => D + n);
  const got = shareFiles(f, ['2.1', '2.3'], [], m);
  // big (20) → 2.1; the pair (9 together): contract-ssh → 2.3, contract-local → 2.1 (not 2.3, though 2.3 has 5
  // and 2.1 has 20); x → 2.3
  assert.deepEqual(got.get('2.1'), [`${D}big.test.js`, `${D}contract-local.test.js`]);
  assert.deepEqual(got.get('2.3'), [`${D}contract-ssh.test.js`, `${D}x.test.js`]);
  // one version runs both; a pair with one file here is an ordinary file
  assert.deepEqual(shareFiles(f, ['2.1'], [], m).get('2.1'), f);
  const alone = shareFiles([`${D}contract-ssh.test.js`, `${D}x.test.js`], ['2.1', '2.3'], [], m);
  assert.deepEqual([alone.get('2.1'), alone.get('2.3')], [[`${D}contract-ssh.test.js`], [`${D}x.test.js`]]);
});

test('one version runs every file; a version in FULL runs every file and the others only the version-sensitive ones', () => {
  assert.deepEqual(shareFiles(files, ['2.3'], [], minutes).get('2.3'), files);
  const got = shareFiles(files, ['2.1', '2.3'], ['2.1'], minutes);
  assert.deepEqual(got.get('2.1'), files);
  assert.deepEqual(got.get('2.3'), [`${D}harness.test.js`]);
  const both = shareFiles(files, ['2.1', '2.3'], ['2.1', '2.3'], minutes);
  assert.deepEqual([both.get('2.1'), both.get('2.3')], [files, files]);
});

test('the real table: the two versions\' shares of the measured files are within 15 % of each other', () => {
  const real = Object.keys(MINUTES).map((f) => D + f);
  const got = shareFiles(real, ['2.1', '2.3'], []);
  const sum = (v: string) => got.get(v)!.reduce((s, f) => s + (MINUTES[f.slice(D.length)] ?? MINUTES_UNKNOWN), 0);
  const [a, b] = [sum('2.1'), sum('2.3')];
  assert.ok(Math.max(a, b) / Math.min(a, b) < 1.15, `${a} against ${b}`);
});

test('every real test file has its measured minutes (a new file: add what it took in the guest)', () => {
  const src = fileURLToPath(new URL('../../../../test/real/', import.meta.url));
  const real = readdirSync(src).filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.ts$/, '.js'));
  assert.ok(real.length > 20, `${real.length} files in ${src}`);
  assert.deepEqual(real.filter((f) => !(f in MINUTES)), []);
  assert.deepEqual(VERSION_FILES.filter((f) => !real.includes(f)), []);
  assert.deepEqual(PAIRS.flat().filter((f) => !real.includes(f) || VERSION_FILES.includes(f)), []);
});
