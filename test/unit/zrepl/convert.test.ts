// zform import zrepl: zrepl example configs (test/fixtures/zrepl, written in the shape of zrepl's quick starts)
// convert into zform configs that validate and say the same thing; every setting that cannot be carried over is
// one NOT CARRIED OVER line; pruning is carried over per side all or nothing; pairing errors; the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../support/terminal.js';
import { readFileSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { parseConfig } from '../../../src/config/parse.js';
import { computeZreplConversion, convertDuration, type ZreplFile } from '../../../src/zrepl/convert.js';
import { ZformError } from '../../../src/errors.js';
import type { Config } from '../../../src/config/types.js';

const DIR = new URL('../../../../test/fixtures/zrepl/', import.meta.url);
const fixture = (name: string): ZreplFile => ({ file: name, text: readFileSync(new URL(name, DIR), 'utf8') });

function convert(...files: (string | ZreplFile)[]): { config: Config; yaml: string; notes: string[] } {
  const c = computeZreplConversion(files.map((f) => (typeof f === 'string' ? fixture(f) : f)));
  const notes = c.yaml.split('\n').filter((l) => l.includes('# NOT CARRIED OVER: ')).map((l) => l.replace(/^\s*# NOT CARRIED OVER: /, ''));
  assert.equal(notes.length, c.notes.length, 'one comment line per note');
  return { config: parseConfig(c.yaml, 'converted.yml'), yaml: c.yaml, notes };
}

test('push + sink over SSH: one job from local to the sink host, root_fs = sink root_fs/<client identity>', () => {
  const { config, notes } = convert('push.yml', 'sink.yml');
  assert.deepEqual(config.hosts['backups.example.com']!.ssh, {
    host: 'backups.example.com', port: 22, user: 'root', identityFile: '/etc/zrepl/ssh/identity',
    knownHosts: config.hosts['backups.example.com']!.ssh!.knownHosts, connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000,
  });
  const [j] = config.jobs;
  assert.equal(config.jobs.length, 1);
  assert.equal(j!.name, 'prod_to_backups');
  assert.deepEqual(j!.source, { host: 'local', filesystems: { 'zroot/var/db<': true, 'zroot/usr/home<': true, 'zroot/usr/home/paranoid': false } });
  assert.deepEqual(j!.target, { host: 'backups.example.com', rootFs: 'storage/zrepl/sink/prod' });
  assert.deepEqual(j!.snapshotting, { prefix: 'zrepl_', intervalMs: 600_000, timestampFormat: 'dense' });
  assert.deepEqual(j!.replication.protection, { initial: 'guarantee_resumability', incremental: 'guarantee_incremental' });
  assert.equal(j!.replication.snapshots, undefined, 'zrepl replicates every snapshot, so does the converted job');
  assert.equal(j!.send.encrypted, true);
  assert.deepEqual(j!.recv.properties, { override: { readonly: 'on' }, inherit: ['mountpoint'] });
  assert.deepEqual(j!.pruning.keepSource.map((r) => r.type), ['not_replicated', 'last_n']);
  assert.deepEqual(j!.pruning.keepTarget.map((r) => r.type === 'grid' ? r.gridText : r.type), ['1x1h(keep=all) | 24x1h | 30x1d | 6x30d']);
  assert.deepEqual(notes.map((n) => n.split(': ').slice(0, 2).join(': ')), [
    'push.yml: global.logging', 'push.yml: global.monitoring',
    'push.yml: jobs[0].connect.options', 'push.yml: jobs[0].connect', 'push.yml: jobs[0].replication.concurrency',
  ]);
});

test('pull + source over TLS: the source host reached over SSH, its filesystems, snapshotting and send; the pull\'s recv, pruning, root_fs', () => {
  const { config, notes } = convert('pull.yml', 'source.yml');
  const [j] = config.jobs;
  assert.deepEqual(config.hosts['app-srv.example.com']!.ssh!.host, 'app-srv.example.com');
  assert.deepEqual(j!.source, { host: 'app-srv.example.com', filesystems: { 'pool1/app<': true, 'pool1/app/cache': false } });
  assert.deepEqual(j!.target, { host: 'local', rootFs: 'pool2/backup_servers/app-srv' });
  assert.deepEqual(j!.snapshotting, { prefix: 'zrepl_', intervalMs: 900_000, timestampFormat: 'iso-8601' });
  assert.equal(j!.replication.initial, 'all');
  assert.deepEqual([j!.send.compressed, j!.send.largeBlocks, j!.send.bandwidthLimit?.maxBytesPerSecond], [true, true, 20 * 1024 * 1024]);
  assert.equal(j!.recv.placeholder.encryption, 'off');
  assert.deepEqual(j!.pruning.keepSource, [{ type: 'not_replicated', keepSnapshotAtCursor: false }, { type: 'regex', regex: '^zrepl_.*', negate: true }]);
  const where = notes.map((n) => n.split(': ').slice(0, 2).join(': '));
  for (const w of ['pull.yml: jobs[0].connect', 'pull.yml: jobs[0].connect.ca', 'pull.yml: jobs[0].connect.cert', 'pull.yml: jobs[0].connect.key',
    'pull.yml: jobs[0].connect.server_cn', 'source.yml: jobs[0].snapshotting.hooks', 'pull.yml: jobs[0].interval']) assert.ok(where.includes(w), w);
  assert.equal(where.length, 7, where.join('\n'));
});

test('snap job with grid pruning: a job without a target; local push + sink: target local, the local client identity', () => {
  const snap = convert('snap.yml');
  const [s] = snap.config.jobs;
  assert.equal(s!.target, undefined);
  assert.deepEqual(s!.snapshotting, { prefix: 'zrepl_snapjob_', intervalMs: 900_000, timestampFormat: 'human' });
  assert.deepEqual(s!.pruning.keepSource.map((r) => r.type), ['grid', 'regex']);
  assert.deepEqual(s!.pruning.keepTarget, []);
  assert.deepEqual(snap.notes, []);
  const local = convert('local.yml');
  const [l] = local.config.jobs;
  assert.deepEqual(l!.target, { host: 'local', rootFs: 'storage/zrepl/sink/local_backup' });
  assert.equal(l!.snapshotting, undefined, 'a cron schedule is not carried over');
  assert.equal(local.notes.length, 1);
  assert.match(local.notes[0]!, /^local\.yml: jobs\[1\]\.snapshotting\.cron: cron "\*\/15 \* \* \* \*": /);
  assert.deepEqual(Object.keys(local.config.hosts).filter((h) => h !== 'local'), []);
});

test('all four example sets at once: one config with every job', () => {
  const { config } = convert('push.yml', 'sink.yml', 'snap.yml');
  assert.deepEqual(config.jobs.map((j) => j.name), ['prod_to_backups', 'snapjob']);
});

test('pruning is carried over per side all or nothing: one rule zform cannot read leaves that side without rules', () => {
  const text = readFileSync(new URL('push.yml', DIR), 'utf8').replace('grid: 1x1h(keep=all) | 24x1h | 30x1d | 6x30d', 'grid: 1x1h(keep=all) | 24x1h | 30x1d | 6x1h')
    .replace('- type: last_n', '- type: fancy_rule');
  const { config, notes } = convert({ file: 'push.yml', text }, 'sink.yml');
  assert.deepEqual(config.jobs[0]!.pruning, { keepSource: [], keepTarget: [] });
  assert.ok(notes.some((n) => n.startsWith('push.yml: jobs[0].pruning.keep_sender[1]: unknown rule type "fancy_rule": no keep rule of this side is carried over')), notes.join('\n'));
  assert.ok(notes.some((n) => n.startsWith('push.yml: jobs[0].pruning.keep_receiver[0]: grid "1x1h(keep=all) | 24x1h | 30x1d | 6x1h": ')), notes.join('\n'));
});

test('durations: zform\'s form as is, Go\'s form converted, fractions of a second refused', () => {
  assert.equal(convertDuration('10m'), '10m');
  assert.equal(convertDuration('1h30m'), '90m');
  assert.equal(convertDuration('36h'), '36h');
  assert.equal(convertDuration('24h0m0s'), '1d');
  assert.equal(convertDuration('1500ms'), null);
  assert.equal(convertDuration('manual'), null);
});

test('pairing: a push whose sink is not given, two candidate sinks, a sink with several identities, an unknown transport', () => {
  const err = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof ZformError && e.kind === 'config' && re.test(e.shortMessage));
  err(() => computeZreplConversion([fixture('push.yml')]), /^push\.yml: jobs\[0\] \(push "prod_to_backups"\): its sink job is not in the files given/);
  const sink2 = { file: 'sink2.yml', text: fixture('sink.yml').text.replace('name: sink', 'name: other') };
  err(() => computeZreplConversion([fixture('push.yml'), fixture('sink.yml'), sink2]), /2 sink jobs could serve it \(sink, other\)/);
  // a sink in the push's own file serves other clients (this host is also a backup target): not a candidate
  const both = { file: 'push.yml', text: fixture('push.yml').text + '  - name: local_sink\n    type: sink\n    serve: { type: stdinserver, client_identities: [other] }\n    root_fs: tank/incoming\n' };
  const paired = computeZreplConversion([both, fixture('sink.yml')]);
  assert.match(paired.yaml, /root_fs: "storage\/zrepl\/sink\/prod"/);
  assert.ok(paired.notes.some((n) => n.where === 'push.yml: jobs[1]' && /sink job "local_sink" serves a push job that is not in the files given/.test(n.message)));
  const many = { file: 'sink.yml', text: fixture('sink.yml').text.replace('- "prod"', '- "prod"\n        - "laptop"') };
  err(() => computeZreplConversion([fixture('push.yml'), many]), /serves the client identities prod, laptop/);
  const carrier = { file: 'push.yml', text: fixture('push.yml').text.replace('type: ssh+stdinserver', 'type: pigeon') };
  err(() => computeZreplConversion([carrier, fixture('sink.yml')]), /unknown zrepl transport "pigeon"/);
  err(() => computeZreplConversion([{ file: 'x.yml', text: 'jobs: [' }]), /^x\.yml: not valid YAML/);
  err(() => computeZreplConversion([fixture('sink.yml')]), /no zrepl job that zform can carry over/);
});

const cli = (args: string[]) => runCli(args);

test('CLI: writes --out (never over a file), the result validates; a summary on stderr; errors are one line', async () => {
  const dir = mkdtempSync('/tmp/zform-import-test-');
  const p = (n: string) => new URL(n, DIR).pathname;
  const out = `${dir}/zform.yml`;
  const r = await cli(['import', 'zrepl', p('push.yml'), p('sink.yml'), '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '');
  assert.equal(r.err, `Converted 1 job (prod_to_backups) into ${out}; 5 settings not carried over (the # NOT CARRIED OVER lines). Next: zform validate, zform plan.\n`);
  const v = await cli(['validate', '-c', out]);
  assert.equal(v.code, 0, v.err);
  const again = await cli(['import', 'zrepl', p('snap.yml'), '--out', out]);
  assert.equal(again.code, 64);
  assert.match(again.err, /^zform: --out .*: the file exists \(zform import never overwrites one\)\n/);
  assert.equal((await cli(['import', 'zrepl', p('snap.yml'), '--out', `${dir}/missing/z.yml`])).code, 64);
  assert.ok(!existsSync(`${dir}/missing`));
  const stdout = await cli(['import', 'zrepl', p('snap.yml')]);
  assert.equal(stdout.code, 0);
  assert.match(stdout.out, /^# zform config converted from zrepl/);
  assert.equal((await cli(['import', 'zrepl', `${dir}/nope.yml`])).code, 64);
  writeFileSync(`${dir}/bad.yml`, 'jobs:\n  - name: x\n    type: snap\n    filesystems: { "a<<": true }\n    snapshotting: { type: periodic, prefix: z_, interval: 1h }\n');
  const bad = await cli(['import', 'zrepl', `${dir}/bad.yml`]);
  assert.equal(bad.code, 78);
  assert.match(bad.err, /^zform: the converted config is not valid: .*filter pattern/);
  assert.equal((await cli(['import'])).code, 64);
});

test('CLI: a file that is no zrepl config by its size (/dev/zero, a folder) is one usage line; a pipe is read', async () => {
  const zero = await cli(['import', 'zrepl', '/dev/zero']);
  assert.equal(zero.code, 64);
  assert.equal(zero.err.split('\n')[0], 'zform: cannot read /dev/zero: larger than 16 MiB, not a zrepl config');
  const dir = mkdtempSync('/tmp/zform-import-test-');
  const folder = await cli(['import', 'zrepl', dir]);
  assert.equal(folder.code, 64);
  assert.equal(folder.err.split('\n')[0], `zform: cannot read ${dir}: is a folder`);
  // process substitution: `zform import zrepl <(ssh host cat /etc/zrepl/zrepl.yml)`
  const { spawnSync } = await import('node:child_process');
  const snap = new URL('snap.yml', DIR).pathname;
  const bin = new URL('../../../../bin/zform', import.meta.url).pathname;
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" import zrepl <(cat "${snap}")`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^# zform config converted from zrepl/);
});
