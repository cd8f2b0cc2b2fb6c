// send.compression in the plan: which sends are compressed (a remote end only), the plan line, and a host without
// the program as an error naming it (src/plan/wire.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePlan } from '../../../src/plan/compute.js';
import type { Config, HostConfig, JobConfig } from '../../../src/config/types.js';
import type { Plan } from '../../../src/plan/types.js';
import type { HostPrograms } from '../../../src/plan/wire.js';
import { renderPlanHuman } from '../../../src/views/plan-human.js';
import { NOW, actionsOf, dsPlan, job, listing } from '../../support/dsl.js';

const SSH = { host: 'nas.example.org', port: 22, user: 'root', knownHosts: '/k', connectTimeoutMs: 1000, keepaliveIntervalMs: 1000 };
const HOSTS: Record<string, HostConfig> = {
  local: { name: 'local', privilege: [] },
  nas: { name: 'nas', privilege: [], ssh: SSH },
  other: { name: 'other', privilege: [], ssh: { ...SSH, host: 'other.example.org' } },
};

function planWith(j: JobConfig, programs: Record<string, HostPrograms> | undefined): Plan {
  const config: Config = { file: '/etc/zform/zform.yml', digest: 'd'.repeat(64), hosts: HOSTS, jobs: [j] };
  return computePlan({
    config, jobs: [j.name], now: NOW, zformVersion: '0.1.0', allowRollback: false, resumeTokens: {},
    inventories: { [j.name]: { source: listing('tank/a @s1:g1 @s2:g2'), target: listing('backup\nbackup/tank\nbackup/tank/a @s1:g1') } },
    ...(programs ? { programs } : {}),
  });
}

const ZSTD3 = { compression: { program: 'zstd' as const, level: 3 } };
const ALL: HostPrograms = ['gzip', 'lz4', 'zstd'];

test('a push to an SSH host is compressed: the send carries the compression and its plan line says it', () => {
  const p = planWith(job({ filesystems: { 'tank/a': true }, target: { host: 'nas' }, send: ZSTD3 }), { local: ALL, nas: ALL });
  const [send] = actionsOf(p, 'tank/a', 'send');
  assert.equal(send!.compression, 'zstd:3');
  const text = renderPlanHuman(p, { color: false });
  assert.match(text, /send incremental tank\/a@s1 → @s2 to nas:backup\/tank\/a \(-i, zstd:3 on the wire, ~/);
});

test('a pull from an SSH host is compressed too; a level left out is the program\'s default (shown without one)', () => {
  const p = planWith(job({ sourceHost: 'nas', filesystems: { 'tank/a': true }, send: { compression: { program: 'lz4', level: null } } }), { local: ['lz4'], nas: ['lz4'] });
  assert.equal(actionsOf(p, 'tank/a', 'send')[0]!.compression, 'lz4');
});

test('local to local is never compressed (no wire), and nothing is asked of the hosts', () => {
  const p = planWith(job({ filesystems: { 'tank/a': true }, send: ZSTD3 }), undefined);
  const [send] = actionsOf(p, 'tank/a', 'send');
  assert.equal(send!.compression, undefined);
  assert.equal('compression' in send!, false, 'absent from the plan (same plan as without compression)');
  assert.deepEqual(dsPlan(p, 'tank/a').diagnostics, []);
});

test('none (or no send.compression): the send has no compression', () => {
  const p = planWith(job({ filesystems: { 'tank/a': true }, target: { host: 'nas' } }), undefined);
  assert.equal('compression' in actionsOf(p, 'tank/a', 'send')[0]!, false);
});

test('the receiving host lacks the program: the dataset is not sent, and the error names that host', () => {
  const p = planWith(job({ filesystems: { 'tank/a': true }, target: { host: 'nas' }, send: ZSTD3 }), { local: ALL, nas: ['gzip'] });
  assert.deepEqual(actionsOf(p, 'tank/a', 'send'), []);
  assert.deepEqual(dsPlan(p, 'tank/a').diagnostics.map((d) => [d.severity, d.summary, ...d.detail]), [[
    'error', 'send.compression zstd:3: zstd is not installed on nas',
    'the stream is compressed on the sending host and decompressed on the receiving host, so zstd must be on both; it was not found on nas, the receiving (target) host (command -v zstd)',
    'install zstd on nas, or set send.compression of job j to another program or none',
  ]]);
  assert.equal(p.summary.errors, 1);
});

test('the sending host lacks it; a host that could not be asked; between two SSH hosts both are checked', () => {
  const sending = planWith(job({ filesystems: { 'tank/a': true }, target: { host: 'nas' }, send: ZSTD3 }), { local: [], nas: ALL });
  assert.match(dsPlan(sending, 'tank/a').diagnostics[0]!.summary, /^send\.compression zstd:3: zstd is not installed on local$/);
  assert.match(dsPlan(sending, 'tank/a').diagnostics[0]!.detail[0]!, /the sending \(source\) host/);
  const unknown = planWith(job({ filesystems: { 'tank/a': true }, target: { host: 'nas' }, send: ZSTD3 }), { local: ALL, nas: { error: 'connection lost' } });
  assert.equal(dsPlan(unknown, 'tank/a').diagnostics[0]!.summary, 'send.compression zstd:3: cannot tell whether nas has zstd: connection lost');
  const r2r = planWith(job({ sourceHost: 'other', filesystems: { 'tank/a': true }, target: { host: 'nas' }, send: ZSTD3 }), { other: ['zstd'], nas: [] });
  assert.equal(dsPlan(r2r, 'tank/a').diagnostics[0]!.summary, 'send.compression zstd:3: zstd is not installed on nas');
});

test('a dataset with nothing to send is not blocked by a missing program', () => {
  const j = job({ filesystems: { 'tank/a': true }, target: { host: 'nas' }, send: ZSTD3 });
  const config: Config = { file: '/f', digest: 'd'.repeat(64), hosts: HOSTS, jobs: [j] };
  const p = computePlan({
    config, jobs: ['j'], now: NOW, zformVersion: '0.1.0', allowRollback: false, resumeTokens: {}, programs: { local: ALL, nas: [] },
    inventories: { j: { source: listing('tank/a @s1:g1'), target: listing('backup\nbackup/tank\nbackup/tank/a @s1:g1') } },
  });
  assert.equal(dsPlan(p, 'tank/a').diagnostics.filter((d) => d.severity === 'error').length, 0);
});
