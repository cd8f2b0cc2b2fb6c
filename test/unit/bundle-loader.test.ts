// The bundle's code cache (bin/load-bundle.cjs): read only when root alone can have written it and only for the very
// bundle it was made from; the bundle runs the same with or without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Loader {
  computeCacheHeader(file: string): string;
  isBundleCurrent(root: string): boolean;
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

test('bin/zform runs the bundle only when it is at least as new as dist/src (a tsc after the build runs dist/src)', () => {
  const root = mkdtempSync(join(tmpdir(), 'zform-root-'));
  mkdirSync(join(root, 'dist/src'), { recursive: true });
  mkdirSync(join(root, 'dist/bundle'));
  const cli = join(root, 'dist/src/cli.js');
  const bundle = join(root, 'dist/bundle/zform.cjs');
  writeFileSync(cli, '');
  assert.equal(loader.isBundleCurrent(root), false, 'no bundle');
  writeFileSync(bundle, '');
  utimesSync(cli, 1000, 1000);
  utimesSync(bundle, 2000, 2000);
  assert.equal(loader.isBundleCurrent(root), true, 'the bundle newer');
  utimesSync(bundle, 1000, 1000);
  assert.equal(loader.isBundleCurrent(root), true, 'the same time (a build writes dist/src, then the bundle)');
  utimesSync(cli, 3000, 3000);
  assert.equal(loader.isBundleCurrent(root), false, 'dist/src compiled again after the build');
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

/** A server that says an SSH version line and records the algorithm lists of each client's first KEXINIT (RFC 4253
 *  7.1: kex, host key, ciphers and MACs each way, ...), then hangs up. */
async function kexinitRecorder(): Promise<{ port: number; offers: string[][][]; close: () => void }> {
  const offers: string[][][] = [];
  const server = createServer((socket) => {
    socket.write('SSH-2.0-OpenSSH_9.2 recorder\r\n');
    let data = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const lineEnd = data.indexOf('\r\n');
      if (lineEnd < 0 || data.length < lineEnd + 6) return;
      const packet = lineEnd + 2;
      const length = data.readUInt32BE(packet);
      if (data.length < packet + 4 + length) return;
      let p = packet + 4 + 1 + 1 + 16; // length, padding length, SSH_MSG_KEXINIT, cookie
      assert.equal(data[packet + 5], 20, 'the client\'s first packet is KEXINIT');
      const lists: string[][] = [];
      for (let i = 0; i < 10; i++) {
        const n = data.readUInt32BE(p);
        lists.push(data.toString('latin1', p + 4, p + 4 + n).split(','));
        p += 4 + n;
      }
      offers.push(lists);
      socket.destroy();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, offers, close: () => server.close() };
}

test('the bundled ssh2 offers what the package does: its native parts (crypto binding, cpu-features) are found', async () => {
  const root = new URL('../../../', import.meta.url);
  const { run: bundled } = loader.loadBundle(new URL('dist/bundle/zform.cjs', root).pathname).exports as { run: (argv: string[], io: unknown) => Promise<number> };
  const { run: plain } = await import('../../src/cli.js');
  const require = createRequire(import.meta.url);
  const ssh2 = require('ssh2') as { utils: { generateKeyPairSync(type: string): { private: string } } };
  const { DEFAULT_CIPHER } = require('ssh2/lib/protocol/constants.js') as { DEFAULT_CIPHER: string[] };
  const recorder = await kexinitRecorder();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'zform-bundle-ssh-'));
    writeFileSync(join(dir, 'id'), ssh2.utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
    writeFileSync(join(dir, 'known_hosts'), '');
    const config = join(dir, 'zform.yml');
    writeFileSync(config, [
      'hosts:',
      `  r: { ssh: { host: 127.0.0.1, port: ${recorder.port}, identity_file: ${join(dir, 'id')}, known_hosts: ${join(dir, 'known_hosts')} } }`,
      'jobs:',
      '  - name: snap',
      '    source: { host: r, filesystems: { "tank": true } }',
      '    snapshotting: { prefix: zform_, interval: 1h }',
      '',
    ].join('\n'));
    for (const run of [bundled, plain]) {
      let text = '';
      const sink = { write: (s: string) => { text += s; return true; }, isTTY: false, columns: 100 };
      const io = { stdout: sink, stderr: sink, stdin: process.stdin, env: { NO_COLOR: '1' }, now: () => new Date(0) };
      assert.equal(await run(['plan', '-c', config], io as never), 1, text);
      assert.match(text, /ssh root@127\.0\.0\.1:\d+ \(host r\)/);
    }
  } finally {
    recorder.close();
  }
  assert.equal(recorder.offers.length, 2);
  const [fromBundle, fromPackage] = recorder.offers;
  assert.deepEqual(fromBundle, fromPackage);
  assert.deepEqual(fromBundle![2], DEFAULT_CIPHER); // client to server ciphers: the package's own default, in its order
});
