// Valid configurations: the normalised Config, with every default filled in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { JobConfig } from '../../../src/config/types.js';
import { parse, y } from '../../support/config.js';

const SNAP_ONLY = y('jobs:', '  - name: snaps', '    source:', '      filesystems: { "tank<": true }', '    snapshotting: { prefix: zform_, interval: 15m }');

test('valid: a snapshot-only job gets every default', () => {
  const config = parse(SNAP_ONLY);
  assert.equal(config.file, 'zform.yml');
  assert.deepEqual(config.hosts, { local: { name: 'local', privilege: [] } });
  const expected: JobConfig = {
    name: 'snaps',
    source: { host: 'local', filesystems: { 'tank<': true } },
    snapshotting: { prefix: 'zform_', intervalMs: 900_000, timestampFormat: 'dense' },
    replication: {
      protection: { initial: 'guarantee_resumability', incremental: 'guarantee_resumability' },
      initial: 'most_recent',
      allowRollback: false,
      followRenames: false,
      clones: true,
      concurrency: 1,
    },
    send: { encrypted: false, raw: false, compressed: false, largeBlocks: false, embeddedData: false, properties: false, backupProperties: false },
    recv: { properties: { override: {}, inherit: [] }, placeholder: { encryption: 'inherit' } },
    pruning: { keepSource: [], keepTarget: [] },
  };
  assert.deepEqual(config.jobs, [expected]);
});

test('valid: digest is the sha256 of the text', () => {
  assert.equal(parse(SNAP_ONLY).digest, createHash('sha256').update(SNAP_ONLY).digest('hex'));
});

test('valid: the issue\'s example, normalised', () => {
  const config = parse(y(
    'hosts:',
    '  nas:',
    '    ssh: { host: nas.example.org, port: 22, user: root,',
    '           identity_file: /root/.ssh/id_ed25519, known_hosts: /root/.ssh/known_hosts }',
    'jobs:',
    '  - name: tank_to_nas',
    '    source:',
    '      host: local',
    '      filesystems: { "tank/data<": true, "tank/data/scratch<": false }',
    '    target:',
    '      host: nas',
    '      root_fs: backup/tank',
    '    snapshotting: { prefix: zform_, interval: 1h, timestamp_format: dense }',
    '    replication:',
    '      protection: { initial: guarantee_resumability, incremental: guarantee_incremental }',
    '      snapshots: "^zform_"',
    '      initial: most_recent',
    '    send: { encrypted: false, raw: false, compressed: true, large_blocks: true,',
    '            embedded_data: true, properties: false, backup_properties: false,',
    '            bandwidth_limit: { max: 50 MiB, bucket_capacity: 128 KiB } }',
    '    recv:',
    '      properties: { override: { readonly: "on" }, inherit: [mountpoint] }',
    '      placeholder: { encryption: inherit }',
    '    pruning:',
    '      keep_source: [ { type: not_replicated }, { type: last_n, count: 24, regex: "^zform_" } ]',
    '      keep_target: [ { type: grid, grid: "1x1h(keep=all) | 24x1h | 30x1d", regex: "^zform_" } ]',
  ));
  assert.deepEqual(config.hosts.nas, {
    name: 'nas',
    privilege: [],
    ssh: {
      host: 'nas.example.org', port: 22, user: 'root', identityFile: '/root/.ssh/id_ed25519',
      knownHosts: '/root/.ssh/known_hosts', connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000,
    },
  });
  const job = config.jobs[0]!;
  assert.deepEqual(job.target, { host: 'nas', rootFs: 'backup/tank' });
  assert.deepEqual(job.snapshotting, { prefix: 'zform_', intervalMs: 3_600_000, timestampFormat: 'dense' });
  assert.deepEqual(job.replication, {
    protection: { initial: 'guarantee_resumability', incremental: 'guarantee_incremental' },
    snapshots: '^zform_',
    initial: 'most_recent',
    allowRollback: false,
    followRenames: false,
    clones: true,
    concurrency: 1,
  });
  assert.deepEqual(job.send, {
    encrypted: false, raw: false, compressed: true, largeBlocks: true, embeddedData: true, properties: false, backupProperties: false,
    bandwidthLimit: { maxBytesPerSecond: 52_428_800, bucketCapacityBytes: 131_072 },
  });
  assert.deepEqual(job.recv, { properties: { override: { readonly: 'on' }, inherit: ['mountpoint'] }, placeholder: { encryption: 'inherit' } });
  assert.deepEqual(job.pruning, {
    keepSource: [{ type: 'not_replicated', keepSnapshotAtCursor: true }, { type: 'last_n', count: 24, regex: '^zform_' }],
    keepTarget: [{
      type: 'grid',
      gridText: '1x1h(keep=all) | 24x1h | 30x1d',
      regex: '^zform_',
      grid: [{ count: 1, lengthMs: 3_600_000, keep: 'all' }, { count: 24, lengthMs: 3_600_000, keep: 1 }, { count: 30, lengthMs: 86_400_000, keep: 1 }],
    }],
  });
});

test('valid: ssh defaults, ~ expansion, privilege split on whitespace', () => {
  const config = parse(y(
    'hosts:',
    '  local: { privilege: "sudo  -n" }',
    '  nas:',
    '    privilege: " doas "',
    '    ssh: { host: 10.0.0.2, identity_file: ~/.ssh/id_zform }',
    'jobs:',
    '  - name: j',
    '    source: { filesystems: { "tank<": true } }',
    '    target: { host: nas, root_fs: backup }',
  ));
  assert.deepEqual(config.hosts, {
    local: { name: 'local', privilege: ['sudo', '-n'] },
    nas: {
      name: 'nas',
      privilege: ['doas'],
      ssh: {
        host: '10.0.0.2', port: 22, user: 'root', identityFile: join(homedir(), '.ssh/id_zform'),
        knownHosts: join(homedir(), '.ssh/known_hosts'), connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000,
      },
    },
  });
});

test('valid: explicit ssh timeouts and user', () => {
  const config = parse(y(
    'hosts:',
    '  nas: { ssh: { host: nas, port: 2222, user: zform, connect_timeout: 30s, keepalive_interval: 1m, known_hosts: /etc/zform/kh } }',
    'jobs:',
    '  - { name: j, source: { filesystems: { "tank<": true } }, target: { host: nas, root_fs: backup } }',
  ));
  assert.deepEqual(config.hosts.nas!.ssh, {
    host: 'nas', port: 2222, user: 'zform', knownHosts: '/etc/zform/kh', connectTimeoutMs: 30_000, keepaliveIntervalMs: 60_000,
  });
});

test('valid: encrypted implies raw; raw alone stays unencrypted', () => {
  const config = parse(y(
    'jobs:',
    '  - name: a',
    '    source: { filesystems: { "tank/secret<": true } }',
    '    target: { root_fs: backup/a }',
    '    send: { encrypted: true, raw: false }',
    '    recv: { placeholder: { encryption: "off" }, properties: { inherit: [mountpoint] } }',
    '  - name: b',
    '    source: { filesystems: { "tank/plain<": true } }',
    '    target: { root_fs: backup/b }',
    '    send: { raw: true }',
  ));
  assert.deepEqual([config.jobs[0]!.send.encrypted, config.jobs[0]!.send.raw], [true, true]);
  assert.equal(config.jobs[0]!.recv.placeholder.encryption, 'off');
  assert.deepEqual([config.jobs[1]!.send.encrypted, config.jobs[1]!.send.raw], [false, true]);
});

test('valid: target roots may nest on different hosts, and siblings sharing a string prefix do not overlap', () => {
  const config = parse(y(
    'hosts:',
    '  nas: { ssh: { host: nas } }',
    'jobs:',
    '  - { name: a, source: { filesystems: { "tank/a<": true } }, target: { root_fs: backup } }',
    '  - { name: b, source: { filesystems: { "tank/b<": true } }, target: { host: nas, root_fs: backup/b } }',
    '  - { name: c, source: { filesystems: { "tank/c<": true } }, target: { host: nas, root_fs: backup/bc } }',
  ));
  assert.deepEqual(config.jobs.map((j) => j.target), [
    { host: 'local', rootFs: 'backup' },
    { host: 'nas', rootFs: 'backup/b' },
    { host: 'nas', rootFs: 'backup/bc' },
  ]);
});

test('valid: a filter of everything that excludes the target root', () => {
  const config = parse(y(
    'jobs:',
    '  - name: all',
    '    source: { filesystems: { "<": true, "backup<": false } }',
    '    target: { root_fs: backup/zform }',
  ));
  assert.deepEqual(config.jobs[0]!.source.filesystems, { '<': true, 'backup<': false });
});

test('valid: every timestamp format, prefixes with ":" "." "-" and space', () => {
  const config = parse(y(
    'jobs:',
    '  - { name: a, source: { filesystems: { "a<": true } }, snapshotting: { prefix: "a:", interval: 1s, timestamp_format: human } }',
    '  - { name: b, source: { filesystems: { "b<": true } }, snapshotting: { prefix: "b.", interval: 2w, timestamp_format: iso-8601 } }',
    '  - { name: c, source: { filesystems: { "c<": true } }, snapshotting: { prefix: "c-", interval: 3d, timestamp_format: unix-seconds } }',
    '  - { name: "d 1", source: { filesystems: { "d<": true } }, snapshotting: { prefix: "d ", interval: 90m } }',
  ));
  assert.deepEqual(config.jobs.map((j) => j.snapshotting), [
    { prefix: 'a:', intervalMs: 1000, timestampFormat: 'human' },
    { prefix: 'b.', intervalMs: 1_209_600_000, timestampFormat: 'iso-8601' },
    { prefix: 'c-', intervalMs: 259_200_000, timestampFormat: 'unix-seconds' },
    { prefix: 'd ', intervalMs: 5_400_000, timestampFormat: 'dense' },
  ]);
  assert.equal(config.jobs[3]!.name, 'd 1');
});

test('valid: decimal and binary sizes, send and receive limits', () => {
  const config = parse(y(
    'jobs:',
    '  - name: j',
    '    source: { filesystems: { "tank<": true } }',
    '    target: { root_fs: backup }',
    '    send: { bandwidth_limit: { max: 1.5 GiB, bucket_capacity: 1MB } }',
    '    recv: { bandwidth_limit: { max: 50MB } }',
  ));
  assert.deepEqual(config.jobs[0]!.send.bandwidthLimit, { maxBytesPerSecond: 1_610_612_736, bucketCapacityBytes: 1_000_000 });
  assert.deepEqual(config.jobs[0]!.recv.bandwidthLimit, { maxBytesPerSecond: 50_000_000, bucketCapacityBytes: 131_072 });
});

test('valid: every keep rule with its defaults and explicit values', () => {
  const config = parse(y(
    'jobs:',
    '  - name: j',
    '    source: { filesystems: { "tank<": true } }',
    '    target: { root_fs: backup }',
    '    replication: { initial: all, allow_rollback: true, protection: { incremental: guarantee_nothing } }',
    '    pruning:',
    '      keep_source:',
    '        - { type: not_replicated, keep_snapshot_at_cursor: false }',
    '        - { type: last_n, count: 3 }',
    '      keep_target:',
    '        - { type: regex, regex: "^manual_" }',
    '        - { type: regex, regex: "^zform_", negate: true }',
    '        - { type: grid, grid: "1x1h(keep=all) | 7x1d(keep=2) | 4 x 1w", regex: "." }',
  ));
  const job = config.jobs[0]!;
  assert.deepEqual(job.replication, {
    protection: { initial: 'guarantee_resumability', incremental: 'guarantee_nothing' },
    initial: 'all',
    allowRollback: true,
    followRenames: false,
    clones: true,
    concurrency: 1,
  });
  assert.deepEqual(job.pruning.keepSource, [{ type: 'not_replicated', keepSnapshotAtCursor: false }, { type: 'last_n', count: 3 }]);
  assert.deepEqual(job.pruning.keepTarget, [
    { type: 'regex', regex: '^manual_', negate: false },
    { type: 'regex', regex: '^zform_', negate: true },
    {
      type: 'grid', gridText: '1x1h(keep=all) | 7x1d(keep=2) | 4 x 1w', regex: '.',
      grid: [{ count: 1, lengthMs: 3_600_000, keep: 'all' }, { count: 7, lengthMs: 86_400_000, keep: 2 }, { count: 4, lengthMs: 604_800_000, keep: 1 }],
    },
  ]);
});

test('valid: a prune-only job without target or snapshotting', () => {
  const config = parse(y('jobs:', '  - name: prune', '    source: { filesystems: { "tank/old<": true } }', '    pruning: { keep_source: [ { type: last_n, count: 10 } ] }'));
  assert.equal(config.jobs[0]!.target, undefined);
  assert.equal(config.jobs[0]!.snapshotting, undefined);
  assert.deepEqual(config.jobs[0]!.pruning.keepSource, [{ type: 'last_n', count: 10 }]);
});

test('valid: YAML anchors and aliases, receive overrides with user properties', () => {
  const config = parse(y(
    'jobs:',
    '  - name: a',
    '    source: { filesystems: { "tank/a<": true } }',
    '    target: { root_fs: backup/a }',
    '    recv: &recv { properties: { override: { "com.sun:auto-snapshot": "false", compression: zstd } } }',
    '  - name: b',
    '    source: { filesystems: { "tank/b<": true } }',
    '    target: { root_fs: backup/b }',
    '    recv: *recv',
  ));
  for (const job of config.jobs) assert.deepEqual(job.recv.properties.override, { 'com.sun:auto-snapshot': 'false', compression: 'zstd' });
});

test('valid: a job name of exactly the longest allowed length', () => {
  const name = 'j'.repeat(212);
  const config = parse(y('jobs:', `  - name: ${name}`, '    source: { filesystems: { "tank<": true } }', '    target: { root_fs: backup }'));
  assert.equal(config.jobs[0]!.name, name);
});

test('valid: send.compression with and without a level, none, and send.buffer', () => {
  const config = parse(y(
    'jobs:',
    '  - name: j',
    '    source: { filesystems: { "tank<": true } }',
    '    target: { root_fs: backup/j }',
    '    send: { compression: "zstd:3", buffer: 64 MiB }',
    '  - name: k',
    '    source: { filesystems: { "data<": true } }',
    '    target: { root_fs: backup/k }',
    '    send: { compression: lz4 }',
    '  - name: n',
    '    source: { filesystems: { "more<": true } }',
    '    target: { root_fs: backup/n }',
    '    send: { compression: none }',
  ));
  assert.deepEqual(config.jobs[0]!.send.compression, { program: 'zstd', level: 3 });
  assert.equal(config.jobs[0]!.send.bufferBytes, 64 * 1024 * 1024);
  assert.deepEqual(config.jobs[1]!.send.compression, { program: 'lz4', level: null });
  assert.equal(config.jobs[1]!.send.bufferBytes, undefined);
  assert.equal(config.jobs[2]!.send.compression, undefined);
});
