// contrib/: the systemd unit and timer pass systemd-analyze verify, and every zform command line in them
// and in the cron example is one the CLI accepts (it gets as far as reading the config).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/cli.js';
import { configPath } from '../../../src/commands/common.js';
import type { Io } from '../../../src/io.js';
import { captureIo } from '../../support/terminal.js';

const ROOT = new URL('../../../../', import.meta.url);
const contrib = (name: string) => readFile(new URL(`contrib/${name}`, ROOT), 'utf8');
const exec = promisify(execFile);

/** An INI-style unit file as [section, key, value] triples (comments and blank lines left out). */
function parseUnit(text: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  let section = '';
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(\w+)\]$/.exec(line);
    if (s) { section = s[1]!; continue; }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(kv && section, `line ${i + 1}: "${line}" is a Key=value inside a section`);
    out.push([section, kv[1]!, kv[2]!]);
  }
  return out;
}
const get = (u: [string, string, string][], section: string, key: string) => u.filter(([s, k]) => s === section && k === key).map(([, , v]) => v);

/** Runs a zform command line from contrib/ in-process with no config present: 78 means every flag and value
 *  was accepted (a bad flag or value would be 64, a usage error). */
async function acceptsArgs(cmdline: string): Promise<{ code: number; err: string }> {
  const words = cmdline.trim().split(/\s+/);
  assert.equal(words[0], 'zform');
  const c = captureIo({ ZFORM_CONFIG: '/nonexistent/zform.yml' }, () => new Date());
  const code = await run(words.slice(1), c.io);
  return { code, err: c.err() };
}

test('zform.service: a oneshot running "zform apply --auto-approve" with flags the CLI accepts, on the default config path', async () => {
  const u = parseUnit(await contrib('zform.service'));
  assert.deepEqual(get(u, 'Service', 'Type'), ['oneshot']);
  const [exec1, ...more] = get(u, 'Service', 'ExecStart');
  assert.equal(more.length, 0);
  assert.match(exec1!, /^zform apply .*--auto-approve/);
  const r = await acceptsArgs(exec1!);
  assert.equal(r.code, 78, r.err);
  assert.match(r.err, /\/nonexistent\/zform\.yml/);
  assert.deepEqual(get(u, 'Unit', 'ConditionPathExists'), [configPath({}, { env: {} } as Io)]);
  assert.deepEqual(get(u, 'Service', 'SuccessExitStatus'), ['75'], 'a locked job (75) is not a failed unit');
  // the job locks of a root run live in /run/lock/zform: writable despite ProtectSystem=strict
  assert.deepEqual(get(u, 'Service', 'ProtectSystem'), ['strict']);
  assert.ok(get(u, 'Service', 'ReadWritePaths').flatMap((v) => v.split(/\s+/)).some((p) => '/run/lock/zform'.startsWith(p)));
  // /dev/zfs must stay reachable, and be the only real device
  assert.deepEqual(get(u, 'Service', 'PrivateDevices'), []);
  assert.deepEqual(get(u, 'Service', 'DevicePolicy'), ['closed']);
  assert.deepEqual(get(u, 'Service', 'DeviceAllow'), ['/dev/zfs rw']);
  assert.deepEqual(get(u, 'Service', 'UMask'), ['0077']);
  assert.deepEqual(get(u, 'Service', 'IOSchedulingClass'), ['idle']);
  assert.ok(Number(get(u, 'Service', 'Nice')[0]) > 0);
});

test('zform.service can write the metrics file the README and the man page suggest (ReadWritePaths=)', async () => {
  const u = parseUnit(await contrib('zform.service'));
  const writable = get(u, 'Service', 'ReadWritePaths').flatMap((v) => v.split(/\s+/)).map((p) => p.replace(/^-/, ''));
  const readme = await readFile(new URL('README.md', ROOT), 'utf8');
  const man = await readFile(new URL('man/zform.1', ROOT), 'utf8');
  const unit = await contrib('zform.service');
  // the drop-in the unit's comment shows is a command line the CLI accepts
  const dropIn = /^#\s+ExecStart=(zform .*--metrics-file.*)$/m.exec(unit);
  assert.ok(dropIn, 'the unit shows how to add --metrics-file');
  // 78: no config; 64 only for the metrics folder, which does not exist on this machine (checked before the run)
  const accepted = await acceptsArgs(dropIn[1]!);
  assert.ok(accepted.code === 78 || (accepted.code === 64 && /\/var\/lib\/node_exporter\/textfile/.test(accepted.err)), accepted.err);
  const files = [...`${readme}\n${man}\n${unit}`.matchAll(/--metrics-file\s+(\/\S+\.prom)/g)].map((m) => m[1]!);
  assert.ok(files.length > 0, 'the README suggests a metrics file');
  for (const f of files) assert.ok(writable.some((p) => f.startsWith(p + '/')), `${f} is under ReadWritePaths= (${writable.join(' ')})`);
});

test('zform.timer starts zform.service on a calendar systemd understands, and installs into timers.target', async () => {
  const u = parseUnit(await contrib('zform.timer'));
  assert.deepEqual(get(u, 'Timer', 'Unit'), ['zform.service']);
  assert.deepEqual(get(u, 'Install', 'WantedBy'), ['timers.target']);
  const [cal] = get(u, 'Timer', 'OnCalendar');
  const { stdout } = await exec('systemd-analyze', ['calendar', cal!]);
  assert.match(stdout, /Normalized form: \*-\*-\* \*:00\/15:00/);
});

test('systemd-analyze verify accepts zform.service and zform.timer without a warning', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zform-units-'));
  const bin = fileURLToPath(new URL('bin/zform', ROOT));
  // verify checks that the command is executable: point it at this checkout's zform
  await writeFile(join(dir, 'zform.service'), (await contrib('zform.service')).replace(/^ExecStart=zform /m, `ExecStart=${bin} `));
  await writeFile(join(dir, 'zform.timer'), await contrib('zform.timer'));
  const r = await exec('systemd-analyze', ['verify', '--man=no', join(dir, 'zform.service'), join(dir, 'zform.timer')]).catch((e: { code: number; stderr: string }) => e);
  assert.equal(r.stderr, '');
  assert.equal((r as { code?: number }).code ?? 0, 0);
});

test('zform.cron: a cron.d line (five time fields, user, command) whose zform flags the CLI accepts', async () => {
  const lines = (await contrib('zform.cron')).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const jobs = lines.filter((l) => !/^[A-Z]+=/.test(l));
  assert.equal(jobs.length, 1);
  const m = /^(\S+) (\S+) (\S+) (\S+) (\S+) (root) (.*)$/.exec(jobs[0]!);
  assert.ok(m, jobs[0]);
  for (const f of m.slice(1, 6)) assert.match(f, /^(\*|\d+)(\/\d+)?$/);
  const cmd = /(zform apply [^>|;&]*)/.exec(m[7]!);
  assert.ok(cmd);
  assert.match(cmd[1]!, /--auto-approve/);
  const r = await acceptsArgs(cmd[1]!);
  assert.equal(r.code, 78, r.err);
});
