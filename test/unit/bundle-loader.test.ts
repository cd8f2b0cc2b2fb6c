// The bundle's code cache (bin/load-bundle.mjs): read only when root alone can have written it and only for the very
// bundle it was made from; the bundle runs the same with or without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Loader {
  computeCacheHeader(file: string): string;
  readTrustedCache(file: string, cache: string): Buffer | undefined;
  loadBundle(file: string, cache?: string | null): { exports: Record<string, unknown>; script: { cachedDataRejected?: boolean; createCachedData(): Buffer } };
}
const loader = (await import(new URL('../../../bin/load-bundle.mjs', import.meta.url).href)) as Loader;
const isRoot = process.getuid?.() === 0;

function bundleDir(): { dir: string; file: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), 'zform-bundle-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'zform.cjs');
  writeFileSync(file, 'exports.answer = function answer(n) { return n * 2; };\n');
  return { dir, file, cache: `${file}.cache` };
}

function writeCache(file: string, cache: string): Buffer {
  const { script, exports } = loader.loadBundle(file, null);
  (exports.answer as (n: number) => number)(21);
  const data = script.createCachedData();
  writeFileSync(cache, Buffer.concat([Buffer.from(loader.computeCacheHeader(file), 'latin1'), data]));
  chmodSync(cache, 0o644);
  return data;
}

test('the bundle runs without a cache, and with the cache made from it (V8 accepts it)', () => {
  const { file, cache } = bundleDir();
  assert.equal((loader.loadBundle(file).exports.answer as (n: number) => number)(4), 8);
  writeCache(file, cache);
  const { exports, script } = loader.loadBundle(file);
  assert.equal((exports.answer as (n: number) => number)(5), 10);
  if (isRoot && loader.readTrustedCache(file, cache)) assert.equal(script.cachedDataRejected, false);
});

test('a cache of another bundle (rewritten since) is not read', () => {
  const { file, cache } = bundleDir();
  writeCache(file, cache);
  writeFileSync(file, 'exports.answer = function answer(n) { return n * 3; };\n'); // same length, other code
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.equal(loader.readTrustedCache(file, cache), undefined);
  assert.equal((loader.loadBundle(file).exports.answer as (n: number) => number)(5), 15);
});

test('a cache others could have written is not read', () => {
  const { dir, file, cache } = bundleDir();
  const data = writeCache(file, cache);
  if (!isRoot) {
    assert.equal(loader.readTrustedCache(file, cache), undefined, 'a file of a user other than root');
    return;
  }
  assert.deepEqual(loader.readTrustedCache(file, cache), data);
  chmodSync(cache, 0o664);
  assert.equal(loader.readTrustedCache(file, cache), undefined, 'group-writable file');
  chmodSync(cache, 0o644);
  chownSync(cache, 65534, 65534);
  assert.equal(loader.readTrustedCache(file, cache), undefined, 'file of another user');
  chownSync(cache, 0, 0);
  chmodSync(dir, 0o777);
  assert.equal(loader.readTrustedCache(file, cache), undefined, 'world-writable directory');
  chmodSync(dir, 0o755);
  assert.deepEqual(loader.readTrustedCache(file, cache), data);
});
