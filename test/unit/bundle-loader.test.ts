// The bundle's code cache (bin/load-bundle.cjs): read only when root alone can have written it and only for the very
// bundle it was made from; the bundle runs the same with or without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Loader {
  computeCacheHeader(file: string): string;
  readTrustedCache(file: string, cache: string): Buffer | undefined;
  wrapBundle(code: string): string;
  loadBundle(file: string, cache?: string | null): { exports: Record<string, unknown>; script: { cachedDataRejected?: boolean; createCachedData(): Buffer } };
}
const loader = (await import(new URL('../../../bin/load-bundle.cjs', import.meta.url).href)) as Loader;
const isRoot = process.getuid?.() === 0;

function bundleDir(): { dir: string; file: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), 'zform-bundle-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'zform.cjs');
  writeFileSync(file, loader.wrapBundle('exports.answer = function answer(n) { return n * 2; };\n'));
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

test('a file the build did not wrap (plain CommonJS) is refused, not run in the global scope', () => {
  const { file } = bundleDir();
  writeFileSync(file, 'exports.answer = function answer(n) { return n * 2; };\n');
  assert.throws(() => loader.loadBundle(file, null), { message: `${file}: not a bundle scripts/bundle.mjs made (run npm run build)`, code: 'ZFORM_NOT_A_BUNDLE' });
});

test('a cache of another bundle (rewritten since) is not read', () => {
  const { file, cache } = bundleDir();
  writeCache(file, cache);
  writeFileSync(file, loader.wrapBundle('exports.answer = function answer(n) { return n * 3; };\n')); // same length, other code
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.equal(loader.readTrustedCache(file, cache), undefined);
  assert.equal((loader.loadBundle(file).exports.answer as (n: number) => number)(5), 15);
});

test('a bundle whose file time changed (npm pack gives every file one time) keeps its cache', () => {
  const { file, cache } = bundleDir();
  const data = writeCache(file, cache);
  utimesSync(file, new Date('1985-10-26T08:15:00Z'), new Date('1985-10-26T08:15:00Z'));
  if (isRoot) assert.deepEqual(loader.readTrustedCache(file, cache), data);
  assert.equal((loader.loadBundle(file).exports.answer as (n: number) => number)(5), 10);
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

test('the built bundle (with its code cache and the generated config validator inside) answers as dist/src does', async () => {
  const root = new URL('../../../', import.meta.url);
  const bundle = new URL('dist/bundle/zform.cjs', root).pathname;
  const { run: bundled } = loader.loadBundle(bundle).exports as { run: (argv: string[], io: unknown) => Promise<number> };
  const { run: plain } = await import('../../src/cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'zform-bundle-run-'));
  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'jobs:\n  - name: x\n    source: {host: local, filesystems: {"tank<": true}}\n    snapshotting: {prefix: "a b"}\n    bogus: 1\n');
  for (const argv of [['validate', '-c', bad], ['validate', '-c', new URL('examples/complete.yml', root).pathname], ['plan', '--help']]) {
    const outs = await Promise.all([bundled, plain].map(async (run) => {
      let text = '';
      const sink = { write: (s: string) => { text += s; return true; }, isTTY: false, columns: 100 };
      const io = { stdout: sink, stderr: sink, stdin: process.stdin, env: { NO_COLOR: '1' }, now: () => new Date(0) };
      const code = await run(argv, io as never);
      return { code, text };
    }));
    assert.deepEqual(outs[0], outs[1], argv.join(' '));
  }
});
