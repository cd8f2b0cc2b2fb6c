// Name checks: job names in every generated name, and OpenZFS's component and entity rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JOB_NAME_BYTES, jobNameCheck } from '../../../src/config/jobname.js';
import {
  componentNamecheck, configDatasetNamecheck, datasetNamecheck, entityNamecheck, makeLastReceivedHoldTag, makeStepHoldTag, makeTentativeCursorName, parseHoldTag,
} from '../../../src/zfs/names.js';

test('jobNameCheck: ordinary names pass', () => {
  for (const name of ['tank_to_nas', 'a', 'backup-2024', 'nas.local', 'job:1', 'two words']) assert.equal(jobNameCheck(name), null, name);
});

test('jobNameCheck: the limit comes from the tentative cursor bookmark name', () => {
  assert.equal(MAX_JOB_NAME_BYTES, 212);
  const longest = 'j'.repeat(212);
  assert.equal(jobNameCheck(longest), null);
  assert.equal(Buffer.byteLength(makeTentativeCursorName('1', longest)), 255);
  assert.ok(Buffer.byteLength(makeLastReceivedHoldTag(longest)) <= 255);
  assert.ok(Buffer.byteLength(makeStepHoldTag(longest)) <= 255);
  assert.equal(jobNameCheck('j'.repeat(213)),
    'is too long (213 bytes): the tentative cursor bookmark name "zform_CURSORTENTATIVE_G_<16 hex>_J_<job>" would exceed 255 bytes; use at most 212 bytes');
});

test('jobNameCheck: characters ZFS names cannot hold, "." and ".."', () => {
  const allowed = '(allowed: letters, digits, "_", "-", ".", ":" and space)';
  assert.equal(jobNameCheck(''), 'must not be empty');
  assert.equal(jobNameCheck('a/b'), `"a/b" cannot be used in ZFS bookmark names and hold tags: invalid character '/' in name ${allowed}`);
  assert.equal(jobNameCheck('a@b'), `"a@b" cannot be used in ZFS bookmark names and hold tags: invalid character '@' in name ${allowed}`);
  assert.equal(jobNameCheck('büro'), `"büro" cannot be used in ZFS bookmark names and hold tags: invalid character 'ü' in name ${allowed}`);
  assert.equal(jobNameCheck('..'), `".." cannot be used in ZFS bookmark names and hold tags: '.' or '..' component in name ${allowed}`);
});

test('parseHoldTag: zform\'s tags of any job a config could name; a tag whose "job" no job could have (an escape sequence, a newline) is another tool\'s', () => {
  assert.deepEqual(parseHoldTag(makeStepHoldTag('tank to nas:1')), { type: 'step_hold', job: 'tank to nas:1' });
  assert.deepEqual(parseHoldTag(makeLastReceivedHoldTag('gone-job')), { type: 'last_received_hold', job: 'gone-job' });
  for (const tag of ['zform_STEP_J_', 'zform_STEP_J_\x1b]0;pwned\x07', 'zform_last_received_J_a\nb', 'zform_STEP_J_..', 'keep', 'zform_STEP_Jx']) {
    assert.equal(parseHoldTag(tag), null, JSON.stringify(tag));
  }
});

test('componentNamecheck: OpenZFS characters, length, "." and ".."', () => {
  assert.equal(componentNamecheck('zform_2024-01-01_12:00:00.000 x'), null);
  assert.equal(componentNamecheck(''), 'empty component');
  assert.equal(componentNamecheck('a'.repeat(255)), null);
  assert.equal(componentNamecheck('a'.repeat(256)), 'name is too long');
  assert.equal(componentNamecheck('.'), "'.' or '..' component in name");
  assert.equal(componentNamecheck('a+b'), "invalid character '+' in name");
});

test('entityNamecheck: datasets, snapshots and bookmarks', () => {
  assert.equal(entityNamecheck('tank/a/b'), null);
  assert.equal(entityNamecheck('tank/a@snap'), null);
  assert.equal(entityNamecheck('tank/a#book'), null);
  assert.equal(entityNamecheck('tank/a@s@t'), 'multiple delimiters in name');
  assert.equal(entityNamecheck('tank/a@s#t'), 'multiple delimiters in name');
  assert.equal(entityNamecheck('tank/a@'), 'empty snapshot or bookmark name');
  assert.equal(entityNamecheck('tank/a@..'), "'.' or '..' component in name");
  assert.equal(entityNamecheck('tank/a@b/c'), "invalid character '/' in name");
  assert.equal(entityNamecheck('tank/%recv'), "invalid character '%' in name");
  assert.equal(entityNamecheck('tank//a'), 'empty component in name');
  assert.equal(entityNamecheck(`tank/${'a'.repeat(250)}`), null);
  assert.equal(entityNamecheck(`tank/${'a'.repeat(251)}`), 'name is too long');
});

test('datasetNamecheck: no snapshot or bookmark part', () => {
  assert.equal(datasetNamecheck('backup/tank'), null);
  assert.equal(datasetNamecheck('backup#x'), "'@' or '#' in a dataset name");
  assert.equal(datasetNamecheck('backup/./x'), "'.' or '..' component in name");
});

test('configDatasetNamecheck: a pool begins with a letter, no component begins with "-"', () => {
  for (const ok of ['tank', 'tank/a-b', 'Tank/x', 'tank/a/b-']) assert.equal(configDatasetNamecheck(ok), null, ok);
  assert.equal(configDatasetNamecheck('-nvx'), 'the pool name must begin with a letter');
  assert.equal(configDatasetNamecheck('-R@x'), "'@' or '#' in a dataset name");
  assert.equal(configDatasetNamecheck('1tank/a'), 'the pool name must begin with a letter');
  assert.equal(configDatasetNamecheck('_tank'), 'the pool name must begin with a letter');
  assert.equal(configDatasetNamecheck('tank/-Rf'), 'component "-Rf" begins with "-" (it would read as an option)');
  assert.equal(datasetNamecheck('tank/-Rf'), null); // OpenZFS itself allows it below the pool
});
