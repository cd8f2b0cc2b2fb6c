// The stderr → ZfsError mapping, on stderr captured from OpenZFS 2.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZfsError, computeErrorLines, computeVerb, computeZfsErrorCode, parseItemFailures } from '../../../src/zfs/errors.js';
import { ZformError } from '../../../src/errors.js';
import { listFixtures, readFixture } from './fixtures.js';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CODES = [
  'dataset_does_not_exist', 'dataset_busy', 'bookmark_exists', 'tag_exists', 'no_such_tag', 'destination_modified',
  'no_resumable_state', 'stream_read_failure', 'out_of_space', 'permission_denied', 'resume_token_corrupt', 'dataset_exists',
];

test('every captured stderr maps to the code its file is named after', () => {
  const files = listFixtures('stderr').filter((f) => f.endsWith('.txt'));
  assert.ok(files.length >= 50, `only ${files.length} captures`);
  for (const f of files) {
    const expected = f.split('.')[0]!;
    assert.equal(computeZfsErrorCode(readFixture(`stderr/${f}`)), expected, f);
  }
  // each named code has at least one real capture
  for (const c of CODES) assert.ok(files.includes(`${c}.txt`), `no capture for ${c}`);
});

test('every stderr captured from OpenZFS 2.3 by the harness maps to the code its file is named after', () => {
  const dir = fileURLToPath(new URL('../../../../test/fixtures/zfs/2.3/stderr/', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
  assert.ok(files.length >= 10, `only ${files.length} captures`);
  for (const f of files) assert.equal(computeZfsErrorCode(readFileSync(dir + f, 'utf8')), f.split('.')[0], f);
});

test('an interrupted resumable receive is a stream read failure', () => {
  for (const f of ['recv-truncated-resumable.stderr', 'recv-truncated-incremental.stderr', 'recv-truncated-raw.stderr']) {
    assert.equal(computeZfsErrorCode(readFixture(f)), 'stream_read_failure', f);
  }
});

test('sudo without a password counts as permission denied', () => {
  assert.equal(computeZfsErrorCode('sudo: a password is required\n'), 'permission_denied');
  assert.equal(computeZfsErrorCode('something else entirely\n'), 'unknown');
});

test('ZfsError has a one-line shortMessage naming the verb and host, past a privilege prefix', () => {
  const err = new ZfsError({
    host: 'nas', argv: ['sudo', '-n', 'zfs', 'destroy', 'p1/a@s1'], stderr: readFixture('stderr/dataset_busy.txt'), exitCode: 1,
  });
  assert.ok(err instanceof ZformError);
  assert.equal(err.kind, 'zfs');
  assert.equal(err.code, 'dataset_busy');
  assert.equal(err.shortMessage, 'zfs destroy on nas: cannot destroy snapshot p1/a@s1: dataset is busy');
  assert.equal(err.message, err.shortMessage);
  assert.equal(err.exitCode, 1);
  assert.deepEqual(err.argv, ['sudo', '-n', 'zfs', 'destroy', 'p1/a@s1']);
});

test('multi-line stderr: the first line is the short message, the rest details, usage blurbs dropped', () => {
  const err = new ZfsError({ host: 'local', argv: ['zfs', 'receive', 'p1/mod'], stderr: readFixture('stderr/destination_modified.txt'), exitCode: 1 });
  assert.equal(err.code, 'destination_modified');
  assert.equal(err.shortMessage, 'zfs receive on local: cannot receive incremental stream: destination p1/mod has been modified');
  assert.deepEqual(err.details, ['since most recent snapshot']);
  const withUsage = new ZfsError({ host: 'local', argv: ['zfs', 'snapshot', 'p1/missing@x'], stderr: readFixture('stderr/dataset_does_not_exist.snapshot.txt'), exitCode: 2 });
  assert.equal(withUsage.shortMessage, "zfs snapshot on local: cannot open 'p1/missing': dataset does not exist");
  assert.deepEqual(withUsage.details, []);
});

test('without stderr the short message says how the process ended', () => {
  assert.equal(new ZfsError({ host: 'h', argv: ['zfs', 'send', 'p@s'], stderr: '', exitCode: null, signal: 'SIGKILL' }).shortMessage,
    'zfs send on h: killed by SIGKILL');
  assert.equal(new ZfsError({ host: 'h', argv: ['zfs', 'list'], stderr: '', exitCode: 3 }).shortMessage, 'zfs list on h: exited with code 3');
});

test('computeVerb and computeErrorLines', () => {
  assert.equal(computeVerb(['/usr/sbin/zfs', 'hold', 't', 'p@s']), 'zfs hold');
  assert.equal(computeVerb(['sh', '-c', 'x']), 'sh');
  assert.deepEqual(computeErrorLines(readFixture('stderr/dataset_does_not_exist.recv-A.txt')), ["cannot open 'p1/missing': dataset does not exist"]);
});

test('parseItemFailures names each snapshot a batched command failed on', () => {
  assert.deepEqual(parseItemFailures(readFixture('stderr/tag_exists.partial.txt')), [
    { name: 'p1/a@s1', code: 'tag_exists', line: "cannot hold snapshot 'p1/a@s1': tag already exists on this dataset" },
  ]);
  assert.deepEqual(parseItemFailures(readFixture('stderr/no_such_tag.partial.txt')).map((f) => [f.name, f.code]), [['p1/a/b@s2', 'no_such_tag']]);
  assert.deepEqual(parseItemFailures(readFixture('stderr/dataset_busy.batch.txt')).map((f) => [f.name, f.code]), [['p1/e@e2', 'dataset_busy']]);
  assert.deepEqual(parseItemFailures(readFixture('stderr/dataset_does_not_exist.destroy-bookmark.txt')).map((f) => [f.name, f.code]),
    [['p1/a#nope', 'dataset_does_not_exist']]);
  assert.deepEqual(parseItemFailures(readFixture('list-missing-root.stderr')).map((f) => [f.name, f.code]), [['p1/missing', 'dataset_does_not_exist']]);
  assert.deepEqual(parseItemFailures(readFixture('stderr/permission_denied.txt')), []);
});
