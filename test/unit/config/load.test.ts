// loadConfig: reading the file, the digest of its bytes, unreadable and non-UTF-8 files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError, ZformError, exitCodeFor } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'zform-config-'));
const VALID = 'jobs:\n  - name: j\n    source: { filesystems: { "tank<": true } }\n    target: { root_fs: backup }\n';

test('loadConfig: file, digest of the bytes', async () => {
  const file = join(dir, 'ok.yml');
  writeFileSync(file, VALID);
  const config = await loadConfig(file);
  assert.equal(config.file, file);
  assert.equal(config.digest, createHash('sha256').update(Buffer.from(VALID)).digest('hex'));
  assert.equal(config.jobs[0]!.name, 'j');
});

test('loadConfig: a missing file or a directory is a config error naming the file', async () => {
  const missing = join(dir, 'missing.yml');
  await assert.rejects(loadConfig(missing), (err: unknown) => {
    assert.ok(err instanceof ZformError);
    assert.equal(err.kind, 'config');
    assert.equal(err.shortMessage, `cannot read config ${missing}: no such file`);
    assert.equal(exitCodeFor(err), 78);
    return true;
  });
  await assert.rejects(loadConfig(dir), { message: `cannot read config ${dir}: is a directory` });
});

test('loadConfig: bytes that are not UTF-8', async () => {
  const file = join(dir, 'latin1.yml');
  writeFileSync(file, Buffer.from([0x6a, 0x6f, 0x62, 0x73, 0x3a, 0x20, 0xe9, 0x0a]));
  await assert.rejects(loadConfig(file), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, `${file}:1:1: the file is not valid UTF-8 text`);
    return true;
  });
});

test('loadConfig: every issue in the error, first as its short message', async () => {
  const file = join(dir, 'bad.yml');
  writeFileSync(file, 'jobs:\n  - name: a/b\n    source: { filesystems: { "tank<": true } }\n    target: { root_fs: "" }\n');
  await assert.rejects(loadConfig(file), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.shortMessage, `${file}:2:11: jobs[0].name: "a/b" cannot be used in ZFS bookmark names and hold tags: invalid character '/' in name (allowed: letters, digits, "_", "-", ".", ":" and space)`);
    assert.deepEqual(err.details, [`${file}:4:24: jobs[0].target.root_fs: must not be empty`]);
    assert.deepEqual(err.issues.map((i) => [i.line, i.column, i.path]), [[2, 11, 'jobs[0].name'], [4, 24, 'jobs[0].target.root_fs']]);
    return true;
  });
});

test('loadConfig: a device or a file larger than 16 MiB is a config error, read no further than that', async () => {
  const big = join(dir, 'big.yml');
  writeFileSync(big, VALID + '#'.repeat(16 * 1024 * 1024) + '\n');
  for (const file of ['/dev/zero', big]) {
    await assert.rejects(loadConfig(file), (err: unknown) => {
      assert.ok(err instanceof ZformError);
      assert.equal(err.message, `cannot read config ${file}: it is larger than 16 MiB (a configuration is a few KiB)`);
      assert.equal(exitCodeFor(err), 78);
      return true;
    });
  }
});
