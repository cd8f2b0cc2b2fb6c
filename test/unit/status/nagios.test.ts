// zform status --nagios: the status as one plugin line and exit code, from real status reports of fake hosts:
// OK with perfdata, lagging WARNING (CRITICAL past --lag-critical), conflict CRITICAL, unlisted host UNKNOWN, the
// precedence between them; the CLI prints UNKNOWN (exit 3) for a config it cannot read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { applyPlan } from '../../../src/apply/execute.js';
import { readStatus } from '../../../src/status/read.js';
import { computeNagiosCheck, renderNagiosLine, NAGIOS_EXIT } from '../../../src/status/nagios.js';
import { ZformError } from '../../../src/errors.js';
import type { Config } from '../../../src/config/types.js';
import { runCli } from '../../support/terminal.js';

const HOUR = 3600_000;
const YAML = `
hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a<": true } }
    target: { host: nas, root_fs: backup }
    snapshotting: { prefix: zf_, interval: 1h }
  - name: snaps
    source: { host: local, filesystems: { "tank/b": true } }
    snapshotting: { prefix: hourly_, interval: 1h }
`;

interface World { config: Config; src: FakeHost; dst: FakeHost; t: number }
function world(): World {
  const w = { config: parseConfig(YAML, 'zform.yml'), t: Date.parse('2026-11-21T12:00:00Z') } as World;
  w.src = new FakeHost('local', { clock: () => new Date(w.t) }).apply('pool tank', 'create tank/a', 'create tank/b', 'write tank/a 100K');
  w.dst = new FakeHost('nas', { clock: () => new Date(w.t) }).apply('pool backup');
  return w;
}
const hosts = (w: World) => staticHosts({ local: w.src, nas: w.dst });
async function apply(w: World) {
  const jobs = ['j', 'snaps'];
  const { inventories, resumeTokens } = await readInventories(w.config, jobs, (n) => hosts(w).get(n));
  const plan = computePlan({ config: w.config, jobs, inventories, resumeTokens, now: new Date(w.t), zformVersion: 'test', allowRollback: false });
  await applyPlan(plan, w.config, { hosts: hosts(w), clock: () => new Date(w.t) });
}
async function check(w: World, opts: { lagCriticalSeconds?: number; lagThresholdMs?: number } = {}) {
  const report = await readStatus(w.config, ['j', 'snaps'], hosts(w), new Date(w.t), opts.lagThresholdMs);
  const c = computeNagiosCheck(report, { lagCriticalSeconds: opts.lagCriticalSeconds });
  return { ...c, line: renderNagiosLine(c), code: NAGIOS_EXIT[c.state] };
}

test('replicated and fresh: OK, exit 0, with lag perfdata (warning = the lag threshold) and dataset counts', async () => {
  const w = world();
  await apply(w);
  w.t += 10 * 60_000;
  const c = await check(w, { lagCriticalSeconds: 86_400 });
  assert.equal(c.code, 0);
  assert.equal(c.line, "OK - 2 jobs ok, 2 datasets, largest lag 10m | 'j lag'=600s;7200;86400;0 'snaps lag'=600s;7200;86400;0 "
    + "'datasets lagging'=0;;;0;2 'datasets conflict'=0;;;0;2 'datasets failing'=0;;;0;2\n");
});

test('lagging: WARNING (exit 1) past the lag threshold; CRITICAL (exit 2) past --lag-critical; --lag-warning moves the threshold', async () => {
  const w = world();
  await apply(w);
  w.t += 3 * HOUR;
  const warn = await check(w, { lagCriticalSeconds: 86_400 });
  assert.equal(warn.state, 'WARNING');
  assert.equal(warn.code, 1);
  assert.match(warn.text, /^2 of 2 jobs not ok: j lagging, lag 3h \(tank\/a: newest replicated snapshot @zf_20261121_120000_000 is 3 hours old \(threshold 2h\)\); snaps lagging, lag 3h \(/);
  const crit = await check(w, { lagCriticalSeconds: 2 * 3600 });
  assert.equal(crit.state, 'CRITICAL');
  assert.match(crit.text, /j lagging, lag 3h > 2h/);
  assert.equal((await check(w, { lagThresholdMs: 4 * HOUR })).state, 'OK');
});

test('a conflict is CRITICAL; an unlisted host is UNKNOWN, but CRITICAL wins over UNKNOWN, and UNKNOWN over WARNING', async () => {
  const w = world();
  await apply(w);
  w.t += 60_000;
  w.dst.apply('snapshot backup/tank/a@rogue');
  const conflict = await check(w);
  assert.equal(conflict.state, 'CRITICAL');
  assert.match(conflict.text, /^1 of 2 jobs not ok: j conflict \(tank\/a: /);
  w.dst.apply('destroy backup/tank/a@rogue');
  const unlisted = world();
  unlisted.dst.list = async () => { throw new ZformError('ssh', 'nas: connection refused'); };
  const u = await check(unlisted);
  assert.equal(u.state, 'UNKNOWN', 'a job whose target cannot be listed; the other job lags (never snapshotted): UNKNOWN wins over WARNING');
  assert.equal(u.code, 3);
  assert.match(u.text, /j: nas could not be listed/);
  assert.match(u.text, /snaps lagging/);
  unlisted.src.apply('snapshot tank/a@zf_x');
  unlisted.dst.apply('pool other');
  const report = await readStatus(unlisted.config, ['j'], hosts(unlisted), new Date(unlisted.t));
  assert.deepEqual(report.jobs[0]!.unlistedHosts, ['nas']);
});

test('one line: no "|" or newline in the text; an empty selection is OK', () => {
  const c = computeNagiosCheck({ formatVersion: 1, zformVersion: 't', createdAt: '2026-11-21T12:00:00.000Z', configFile: 'z', verdict: 'failing', jobs: [{
    job: 'x', sourceHost: 'local', targetHost: null, verdict: 'failing', reasons: ['a | b\nc'], unlistedHosts: [], lagThresholdSeconds: 0, lastSnapshotAt: null, datasets: [],
  }] });
  assert.equal(renderNagiosLine(c), "CRITICAL - 1 of 1 job not ok: x failing (a   b c) | 'datasets lagging'=0;;;0;0 'datasets conflict'=0;;;0;0 'datasets failing'=0;;;0;0\n");
  const none = computeNagiosCheck({ formatVersion: 1, zformVersion: 't', createdAt: '2026-11-21T12:00:00.000Z', configFile: 'z', verdict: 'ok', jobs: [] });
  assert.equal(none.state, 'OK');
});

const cli = (args: string[]) => runCli(args);

test('CLI: with --nagios a missing config or a bad duration is UNKNOWN (exit 3) on one line; --lag-critical alone and --nagios with --json are usage errors', async () => {
  const missing = await cli(['status', '--nagios', '-c', '/nonexistent/zform.yml']);
  assert.equal(missing.code, 3);
  assert.match(missing.out, /^UNKNOWN - zform: .*\/nonexistent\/zform\.yml.*\n$/);
  const bad = await cli(['status', '--nagios', '--lag-critical', '5x', '-c', '/nonexistent/zform.yml']);
  assert.equal(bad.code, 3);
  assert.match(bad.out, /^UNKNOWN - zform: --lag-critical must be a duration/);
  assert.equal((await cli(['status', '--lag-critical', '1d', '-c', '/nonexistent.yml'])).code, 64);
  assert.equal((await cli(['status', '--nagios', '--json', '-c', '/nonexistent.yml'])).code, 64);
});
