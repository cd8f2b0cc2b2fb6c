// `zform validate` through the CLI: exit codes, the success line, one stderr line per issue, no stack traces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/cli.js';
import { captureIo } from '../../support/terminal.js';

const ROOT = new URL('../../../../', import.meta.url);
const fixture = (name: string): string => fileURLToPath(new URL(`test/fixtures/config/${name}`, ROOT));
const example = (name: string): string => fileURLToPath(new URL(`examples/${name}`, ROOT));

test('validate: a valid file prints the job count and exits 0', async () => {
  const c = captureIo();
  assert.equal(await run(['validate', '-c', fixture('valid-two-jobs.yml')], c.io), 0);
  assert.equal(c.out(), 'Configuration is valid: 2 jobs.\n');
  assert.equal(c.err(), '');
});

test('validate: the config path can come from $ZFORM_CONFIG', async () => {
  const c = captureIo({ ZFORM_CONFIG: example('complete.yml') });
  assert.equal(await run(['validate'], c.io), 0);
  assert.equal(c.out(), 'Configuration is valid: 3 jobs.\n');
});

test('validate: an invalid file prints one line per issue and exits 78', async () => {
  const file = fixture('invalid.yml');
  const c = captureIo();
  assert.equal(await run(['validate', '-c', file], c.io), 78);
  assert.equal(c.out(), '');
  assert.deepEqual(c.err().split('\n'), [
    `zform: ${file}:4:41: hosts.nas.ssh.port: must be at least 1`,
    `zform: ${file}:6:11: jobs[0].name: "tank/to/nas" cannot be used in ZFS bookmark names and hold tags: invalid character '/' in name (allowed: letters, digits, "_", "-", ".", ":" and space)`,
    `zform: ${file}:11:16: jobs[0].target.root_fs: invalid dataset name "backup/": trailing slash in name`,
    `zform: ${file}:13:31: jobs[0].send.bandwidth_limit.max: must be greater than zero`,
    '',
  ]);
});

test('validate: a missing file exits 78 with one line, and no output has a stack trace', async () => {
  const c = captureIo();
  assert.equal(await run(['validate', '-c', '/nonexistent/zform.yml'], c.io), 78);
  assert.equal(c.err(), 'zform: cannot read config /nonexistent/zform.yml: no such file\n');
  const v = captureIo();
  assert.equal(await run(['validate', '-c', fixture('invalid.yml')], v.io), 78);
  assert.doesNotMatch(v.err(), /\n\s+at /);
});
