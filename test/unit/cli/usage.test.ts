// What an admin meets at the command line: flags missing their value, --color, subcommands without a verb,
// per-command exit codes in --help, hints for a missing config or a config given as a plan file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/cli.js';
import type { Io } from '../../../src/io.js';
import { useColor } from '../../../src/io.js';
import { ZFORM_VERSION } from '../../../src/version.js';
import { DEFAULT_CONFIG_PATH } from '../../../src/config/load.js';
import { formatAge } from '../../../src/config/units.js';
import { describeAction } from '../../../src/plan/describe.js';
import type { Action } from '../../../src/plan/types.js';

const ROOT = new URL('../../../../', import.meta.url);
export const fixture = (name: string): string => fileURLToPath(new URL(`test/fixtures/config/${name}`, ROOT));

export async function zform(args: string[], env: NodeJS.ProcessEnv = {}, tty = false): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough() as PassThrough & { isTTY?: boolean };
  stdout.isTTY = tty;
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => { out += d.toString(); });
  stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const io: Io = { stdout, stderr, stdin: new PassThrough(), env, now: () => new Date('2024-01-01T00:00:00Z') };
  const code = await run(args, io);
  return { code, out, err };
}

test('a flag missing its value is a usage error (64) with one line naming the flag, not an internal error', async () => {
  const cases: [string[], string][] = [
    [['plan', '--job'], '--job'],
    [['plan', '-c'], '-c'],
    [['plan', '--out'], '--out'],
    [['plan', '--trace'], '--trace'],
    [['status', '--metrics-file'], '--metrics-file'],
    [['status', '--lag-threshold'], '--lag-threshold'],
    [['apply', '--metrics-file'], '--metrics-file'],
    [['validate', '--log-format'], '--log-format'],
  ];
  for (const [args, flag] of cases) {
    const r = await zform(args, { ZFORM_CONFIG: fixture('valid-two-jobs.yml') });
    assert.equal(r.code, 64, args.join(' '));
    assert.equal(r.out, '');
    const [first, ...rest] = r.err.trimEnd().split('\n');
    assert.equal(first, `zform: ${flag} needs a value`, args.join(' '));
    assert.deepEqual(rest, ["Run 'zform --help' for usage."]);
  }
});

test('an empty file name is a usage error (64) naming the option: apply "$PLAN" with PLAN unset never plans afresh and applies that', async () => {
  const cases: [string[], string][] = [
    [['apply', '--auto-approve', ''], 'the plan file'],
    [['apply', '--auto-approve', '--metrics-file='], '--metrics-file'],
    [['plan', '--out', ''], '--out'],
    [['plan', '-c', ''], '-c/--config'],
    [['status', '--config='], '-c/--config'],
    [['status', '--metrics-file', ''], '--metrics-file'],
    [['holds', 'list', '-c', ''], '-c/--config'],
    [['import', 'zrepl', 'x.yml', '--out', ''], '--out'],
  ];
  for (const [args, shown] of cases) {
    // no zfs on PATH: a run that got past the check could not change anything
    const r = await zform(args, { ZFORM_CONFIG: fixture('valid-two-jobs.yml'), PATH: '/nonexistent' });
    assert.equal(r.code, 64, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
    assert.equal(r.err, `zform: ${shown} is an empty string: name a file\nRun 'zform --help' for usage.\n`, args.join(' '));
  }
});

test('an option of one value given twice is a usage error (64) naming it; --job repeats, a flag given twice is the flag', async () => {
  const cases: [string[], string][] = [
    [['plan', '-c', 'a.yml', '-c', 'b.yml'], '--config is given more than once (a.yml, b.yml): give it once'],
    [['plan', '--out', 'a', '--out', 'b'], '--out is given more than once (a, b): give it once'],
    [['plan', '--log-format', 'json', '--log-format', 'human'], '--log-format is given more than once (json, human): give it once'],
    [['status', '--lag-threshold', '1h', '--lag-threshold', '2h'], '--lag-threshold is given more than once (1h, 2h): give it once'],
    [['apply', '--auto-approve', '--parallelism', '2', '--parallelism', '3'], '--parallelism is given more than once (2, 3): give it once'],
  ];
  for (const [args, message] of cases) {
    const r = await zform(args, { ZFORM_CONFIG: fixture('valid-two-jobs.yml'), PATH: '/nonexistent' });
    assert.equal(r.code, 64, args.join(' '));
    assert.equal(r.err, `zform: ${message}\nRun 'zform --help' for usage.\n`, args.join(' '));
  }
  const repeated = await zform(['test', 'filesystems', '-v', '-v', '--job', 'snaps', '--job', 'copy', '--input', 'tank/a', '--input', 'tank/b'], { ZFORM_CONFIG: fixture('valid-two-jobs.yml') });
  assert.equal(repeated.code, 0, repeated.err);
  assert.match(repeated.out, /^job snaps .*\n(.*\n)*job copy /);
  assert.match(repeated.out, /\+ tank\/a .*\n\s+\+ tank\/b /);
});

test('a flag given a value other than true/false is a usage error (yargs took every such value for false), and so are words after "--"', async () => {
  const cases: [string[], string][] = [
    [['plan', '--detailed-exitcode=1'], '--detailed-exitcode is a flag: give it alone (or =true / =false), not "1"'],
    [['apply', '--auto-approve=yes'], '--auto-approve is a flag: give it alone (or =true / =false), not "yes"'],
    [['status', '--nagios=on'], '--nagios is a flag: give it alone (or =true / =false), not "on"'],
    [['version', '--color=maybe'], '--color is a flag: give it alone (or =true / =false), not "maybe"'],
    [['plan', '--json='], '--json is a flag: give it alone (or =true / =false), not ""'],
    [['apply', '--auto-approve', '--', 'x.plan'], 'words after "--" are not read (x.plan): name a file that begins with "-" as ./-FILE'],
  ];
  for (const [args, message] of cases) {
    const r = await zform(args, { ZFORM_CONFIG: fixture('valid-two-jobs.yml'), PATH: '/nonexistent' });
    assert.equal(r.code, 64, args.join(' '));
    assert.equal(r.err, `zform: ${message}\nRun 'zform --help' for usage.\n`, args.join(' '));
  }
  // =true and =false are the flag's own values; an option's value may look like anything
  const plain = await zform(['plan', '--detailed-exitcode=false', '--json=true', '--color=false'], { ZFORM_CONFIG: fixture('valid-two-jobs.yml'), PATH: '/nonexistent' });
  assert.equal(plain.code, 1, plain.err);
  assert.match(plain.err, /zfs command was not found/);
  const valid = await zform(['validate', '--config=' + fixture('valid-two-jobs.yml'), '--log-level=info']);
  assert.equal(valid.code, 0, valid.err);
});

test('--color forces colour when stdout is not a terminal, and over NO_COLOR; --no-color wins over FORCE_COLOR', async () => {
  const io = (env: NodeJS.ProcessEnv, isTTY: boolean) => ({ stdout: { isTTY }, env }) as unknown as Io;
  assert.equal(useColor(io({}, false), true), true);
  assert.equal(useColor(io({ NO_COLOR: '1' }, false), true), true);
  assert.equal(useColor(io({ FORCE_COLOR: '1' }, true), false), false);
  assert.equal(useColor(io({}, false), undefined), false);
  assert.equal(useColor(io({}, true), undefined), true);
  assert.equal(useColor(io({ NO_COLOR: '1' }, true), undefined), false);
  // through the CLI: a plan whose only host cannot be reached (port 1) still prints its legend and the error
  const dir = await mkdtemp(join(tmpdir(), 'zform-color-'));
  await writeFile(join(dir, 'zform.yml'), 'jobs:\n  - { name: a, source: { host: x, filesystems: { "tank<": true } }, snapshotting: { prefix: zform_, interval: 1h } }\nhosts:\n  x: { ssh: { host: 127.0.0.1, port: 1, user: root, identity_file: /nonexistent } }\n');
  const colored = await zform(['plan', '--color', '-c', join(dir, 'zform.yml')], { NO_COLOR: '1' });
  const plain = await zform(['plan', '-c', join(dir, 'zform.yml')]);
  assert.match(colored.out, /\x1b\[/, colored.out + colored.err);
  assert.doesNotMatch(plain.out, /\x1b\[/);
});

test('man pages: no control characters (a form feed rendered ".FILE.pid.tmR"), and one date and version in the footers', async () => {
  const pages = await Promise.all(['man/zform.1', 'man/zform.yml.5'].map((p) => readFile(new URL(p, ROOT), 'utf8')));
  for (const text of pages) assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f]/);
  assert.match(pages[0]!, /^\.RI \. FILE \. pid \.tmp,$/m);
  const th = pages.map((t) => /^\.TH \S+ \d "([^"]+)" "([^"]+)"/m.exec(t)!.slice(1));
  assert.deepEqual(th[1], th[0]);
  assert.equal(th[0]![1], `zform ${ZFORM_VERSION}`);
});

/** Each argv is a usage error (64) with exactly this one line and the pointer to --help. */
async function assertUsageErrors(cases: [string[], string][]): Promise<void> {
  for (const [args, message] of cases) {
    const r = await zform(args);
    assert.equal(r.code, 64, args.join(' '));
    assert.equal(r.err, `zform: ${message}\nRun 'zform --help' for usage.\n`, args.join(' '));
  }
}

test('zform holds, test or import without a subcommand, import zrepl without a file: a usage error saying what to name', async () => {
  const cases: [string[], string][] = [
    [['holds'], 'Name a holds command: list or release-stale'],
    [['test'], 'Name a test command: filesystems'],
    [['import'], 'Name the tool to import from: zrepl'],
    [['import', 'zrepl'], 'name the zrepl config files to convert: zform import zrepl FILE...'],
  ];
  await assertUsageErrors(cases);
});

test('an unknown command is named as one, with the nearest command when there is one; options before it are skipped', async () => {
  const cases: [string[], string][] = [
    [['plna'], 'unknown command "plna" (did you mean plan?)'],
    [['-c', 'x.yml', '--log-level', 'info', 'statsu', '--json'], 'unknown command "statsu" (did you mean status?)'],
    [['--config=x.yml', 'foo'], 'unknown command "foo"'],
    [['bogus'], 'unknown command "bogus"'], // yargs' nearest is holds, three edits away: no hint
    [['fo\no\u001b[2J'], 'unknown command "fo\\no\\u001b[2J"'],
    // a known command's stray word stays yargs' own message
    [['validate', 'extra'], 'Unknown argument: extra'],
  ];
  await assertUsageErrors(cases);
});

test("each command's --help lists the exit codes that apply to it (apply: 64, 75, 129, 130, 143), all in man EXIT STATUS", async () => {
  const man = await readFile(new URL('man/zform.1', ROOT), 'utf8');
  const exitStatus = man.split(/^\.SH EXIT STATUS$/m)[1]!.split(/^\.SH /m)[0]!;
  const documented = new Set([...exitStatus.matchAll(/^\.B (\d+)/gm)].map((m) => Number(m[1])));
  const codesOf = async (...cmd: string[]) => {
    const r = await zform([...cmd, '--help']);
    assert.equal(r.code, 0);
    const block = r.out.split(/^Exit codes:$/m)[1];
    assert.ok(block, `${cmd.join(' ')} --help has an "Exit codes:" paragraph`);
    return [...block.matchAll(/^ {2}(\d+) +\S/gm)].map((m) => Number(m[1]));
  };
  assert.deepEqual(await codesOf('apply'), [0, 1, 64, 75, 78, 129, 130, 143]);
  assert.deepEqual(await codesOf('plan'), [0, 1, 2, 64, 78]);
  assert.deepEqual(await codesOf('validate'), [0, 64, 78]);
  for (const cmd of [['status'], ['holds', 'list'], ['holds', 'release-stale'], ['version'], ['completion']]) {
    for (const c of await codesOf(...cmd)) assert.ok(documented.has(c) || [129, 130, 143].includes(c), `${cmd.join(' ')}: ${c}`);
  }
  for (const c of [0, 1, 2, 64, 75, 78]) assert.ok(documented.has(c), `man EXIT STATUS documents ${c}`);
});

test('a typo in a rule type or another choice gets "did you mean"', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zform-typo-'));
  const file = join(dir, 'zform.yml');
  await writeFile(file, 'jobs:\n  - name: a\n    source: { filesystems: { "tank<": true } }\n    snapshotting: { prefix: zform_, interval: 1h }\n    pruning:\n      keep_source: [ { type: last_m, count: 3 }, { type: gird, grid: "1x1h" } ]\n');
  const r = await zform(['validate', '-c', file]);
  assert.equal(r.code, 78);
  const lines = r.err.trimEnd().split('\n');
  assert.equal(lines[0], `zform: ${file}:6:30: jobs[0].pruning.keep_source[0].type: must be one of: grid, last_n, regex, not_replicated (did you mean "last_n"?)`);
  assert.match(lines[1]!, /keep_source\[1\]\.type: must be one of: .* \(did you mean "grid"\?\)$/);
});

test('a missing default config says to create it from an example or pass -c; another missing file is said plainly', async () => {
  if (existsSync(DEFAULT_CONFIG_PATH)) return assert.fail(`${DEFAULT_CONFIG_PATH} exists on this machine: the test needs it absent`);
  const r = await zform(['plan']);
  assert.equal(r.code, 78);
  assert.equal(r.err, `zform: cannot read config ${DEFAULT_CONFIG_PATH}: no such file (create it from one of the examples in $(npm root -g)/zform/examples/, or pass -c FILE)\n`);
  const other = await zform(['plan', '-c', '/nonexistent/z.yml']);
  assert.equal(other.err, 'zform: cannot read config /nonexistent/z.yml: no such file\n');
});

test('ages in words: "334 days", not "47w6d12h34m36s"', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [0, '0 seconds'], [1 * s, '1 second'], [119 * s, '119 seconds'], [120 * s, '2 minutes'], [119 * 60 * s, '119 minutes'],
    [2 * 3600 * s, '2 hours'], [(2 * 3600 + 60) * s, '2 hours 1 minute'], [47 * 3600 * s, '47 hours'],
    [(3 * 86400 + 4 * 3600 + 5) * s, '3 days 4 hours'], [(334 * 86400 + 12 * 3600 + 34 * 60 + 36) * s, '334 days'],
  ];
  for (const [ms, text] of cases) assert.equal(formatAge(ms), text, String(ms));
});

test('arrows: "→" in apply lines and status as in the plan, never "->"', () => {
  const snap = (name: string) => ({ kind: 'snapshot', dataset: 'tank/a', name, guid: '1', createtxg: '1' });
  const line = describeAction({ kind: 'send', mode: 'incremental', host: 'local', targetHost: 'nas', sourceDataset: 'tank/a', targetDataset: 'backup/a', from: snap('s1'), to: snap('s2'), intermediates: false, includes: [] } as unknown as Action);
  assert.equal(line, 'send tank/a incremental @s1 → @s2 to nas:backup/a');
});

test('zform apply CONFIG (a config where the plan file goes) suggests -c', async () => {
  const r = await zform(['apply', fixture('valid-two-jobs.yml')]);
  assert.equal(r.code, 64);
  assert.equal(r.err.split('\n')[0], `zform: ${fixture('valid-two-jobs.yml')} is a zform config, not a plan file: to plan and apply it, run "zform apply -c ${fixture('valid-two-jobs.yml')}"`);
});

test('apply --parallelism takes a whole number of at least 1 (else usage error 64 naming it); --help shows it', async () => {
  for (const bad of ['0', '-2', '1.5', 'x']) {
    const r = await zform(['apply', '--auto-approve', '--parallelism', bad, '-c', fixture('valid-two-jobs.yml')]);
    assert.equal(r.code, 64, bad);
    assert.match(r.err, /--parallelism must be a whole number of at least 1/, bad);
  }
  assert.match((await zform(['apply', '--help'])).out, /--parallelism\s+At most N transfers at once across all jobs/);
});

test('apply asks for confirmation only on a terminal: without one it needs --auto-approve or a saved plan (64); with either, stdin is never looked at', async () => {
  const r = await zform(['apply', '-c', fixture('valid-two-jobs.yml')]);
  assert.equal(r.code, 64);
  assert.match(r.err, /^zform: standard input is not a terminal, so apply cannot ask for confirmation: use --auto-approve \(cron, systemd\) or apply a saved plan\n/);
  const j = await zform(['apply', '--json', '-c', fixture('valid-two-jobs.yml')]);
  assert.equal(j.code, 64);
  assert.match(j.err, /^zform: apply --json needs --auto-approve or a saved PLANFILE/);
  // a stdin that cannot be made (as node's own getter can fail on a closed descriptor): --auto-approve goes on to the
  // config, which here does not exist
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const io = {
    stdout: new PassThrough(), stderr, env: {}, now: () => new Date('2024-01-01T00:00:00Z'),
    get stdin(): never { throw new Error('stdin was read'); },
  } as unknown as Io;
  const missing = join(tmpdir(), 'zform-no-such-config.yml');
  const code = await run(['apply', '--auto-approve', '-c', missing], io);
  assert.doesNotMatch(err, /stdin was read/);
  assert.match(err, new RegExp(`^zform: cannot read config ${missing.replace(/[.]/g, '\\.')}: no such file\\n`));
  assert.notEqual(code, 0);
});

test('a newline or an escape sequence in what the admin typed stays on the one error line, inert', async () => {
  const r = await zform(['plan', '-c', fixture('valid-two-jobs.yml'), '--job', 'a\nb\u001b[31mred'], {});
  assert.equal(r.code, 64, r.err);
  const [first, ...rest] = r.err.split('\n');
  assert.match(first!, /^zform: unknown job "a\\nb\\u001b\[31mred"/);
  assert.doesNotMatch(r.err, /\u001b/);
  assert.deepEqual(rest, ["Run 'zform --help' for usage.", '']);
});

test('plan --out naming the config file (or a link to it) is a usage error, and the config is left as it was', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zform-out-'));
  const cfg = join(dir, 'zform.yml');
  const text = await readFile(fixture('valid-two-jobs.yml'), 'utf8');
  await writeFile(cfg, text, { mode: 0o600 });
  for (const out of [cfg, join(dir, '.', 'zform.yml')]) {
    const r = await zform(['plan', '-c', cfg, '--out', out]);
    assert.equal(r.code, 64, r.err);
    assert.match(r.err, /^zform: --out ".*zform\.yml" is the configuration file: the plan would replace it; save the plan to another file\n/);
    assert.equal(await readFile(cfg, 'utf8'), text);
  }
});
