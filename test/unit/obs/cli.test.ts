// The global logging and trace options through the CLI, and shell completion (the bash script run by bash).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/cli.js';
import { captureIo } from '../../support/terminal.js';
import type { TraceDocument } from '../../../src/obs/trace.js';

const ROOT = new URL('../../../../', import.meta.url);
const fixture = (name: string): string => fileURLToPath(new URL(`test/fixtures/config/${name}`, ROOT));
const BIN = fileURLToPath(new URL('bin/zform', ROOT));
const exec = promisify(execFile);

test('--log-format json: the error that ends the run is a JSON line (kind, exit code, the other issues as details); stdout untouched', async () => {
  const c = captureIo();
  assert.equal(await run(['validate', '-c', fixture('invalid.yml'), '--log-format', 'json'], c.io), 78);
  assert.equal(c.out(), '');
  const lines = c.err().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 1);
  const [e] = lines;
  assert.equal(e!.level, 'error');
  assert.equal(e!.kind, 'config');
  assert.equal(e!.exit_code, 78);
  assert.equal(e!.time, '2024-01-01T00:00:00.000Z');
  assert.match(String(e!.msg), /invalid\.yml:\d+:\d+: /);
  assert.ok(Array.isArray(e!.details) && (e!.details as string[]).every((d) => /invalid\.yml:\d+:\d+: /.test(d)));
});

test('--log-format logfmt: a usage error is one logfmt line; human keeps the "zform: ..." lines', async () => {
  const c = captureIo();
  assert.equal(await run(['plan', '--bogus', '--log-format', 'logfmt'], c.io), 64);
  assert.match(c.err(), /^time=2024-01-01T00:00:00\.000Z level=error msg="Unknown argument: bogus" kind=usage exit_code=64\n$/);
  const v = captureIo();
  assert.equal(await run(['plan', '--bogus', '--log-format', 'json', '-v'], v.io), 64);
  const records = v.err().trimEnd().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; stack?: string });
  assert.deepEqual(records.map((r) => [r.level, r.msg]), [['error', 'Unknown argument: bogus'], ['debug', 'exit']]);
  assert.match(records[0]!.stack!, /^UsageError: Unknown argument: bogus\n {4}at /, 'a stack trace only with -v');
  const h = captureIo();
  assert.equal(await run(['plan', '--bogus'], h.io), 64);
  assert.equal(h.err(), "zform: Unknown argument: bogus\nRun 'zform --help' for usage.\n");
});

test('an unknown log format or level is a usage error (exit 64) naming the choices', async () => {
  const c = captureIo();
  assert.equal(await run(['validate', '-c', fixture('valid-two-jobs.yml'), '--log-format', 'xml'], c.io), 64);
  assert.match(c.err(), /log-format.*"xml".*human.*logfmt.*json/);
  const l = captureIo();
  assert.equal(await run(['validate', '-c', fixture('valid-two-jobs.yml'), '--log-level', 'loud'], l.io), 64);
  assert.match(l.err(), /log-level.*"loud"/);
});

test('a successful run at the default level writes nothing on stderr, whatever the format', async () => {
  for (const f of ['human', 'logfmt', 'json']) {
    const c = captureIo();
    assert.equal(await run(['validate', '-c', fixture('valid-two-jobs.yml'), '--log-format', f], c.io), 0);
    assert.equal(c.out(), 'Configuration is valid: 2 jobs.\n');
    assert.equal(c.err(), '');
  }
});

test('$ZFORM_TRACE writes a trace with the run span and its exit code; --trace to an unwritable place exits 64 first', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zform-cli-trace-'));
  const file = join(dir, 't.json');
  const c = captureIo({ ZFORM_TRACE: file });
  assert.equal(await run(['validate', '-c', fixture('invalid.yml')], c.io), 78);
  const doc = JSON.parse(await readFile(file, 'utf8')) as TraceDocument;
  const runs = doc.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'run');
  assert.deepEqual(runs.map((e) => [e.name, (e.args as { exit_code: number }).exit_code]), [['zform validate', 78]]);
  assert.match(doc.otherData.command!, /^zform validate -c \S+invalid\.yml$/);
  // the shell's completion lookups (every TAB) leave the trace alone
  const lookup = captureIo({ ZFORM_TRACE: join(dir, 'tab.json') });
  assert.equal(await run(['--get-yargs-completions', 'zform', 'pl'], lookup.io), 0);
  await assert.rejects(readFile(join(dir, 'tab.json')), { code: 'ENOENT' });
  const bad = captureIo();
  assert.equal(await run(['validate', '-c', fixture('valid-two-jobs.yml'), '--trace', join(dir, 'no/such/dir/t.json')], bad.io), 64);
  assert.equal(bad.out(), '');
  assert.match(bad.err(), /^zform: --trace \S+no\/such\/dir\/t\.json: the folder \S+no\/such\/dir does not exist\n/);
  // the one error only: no attempt to write the trace after a usage error
  assert.equal(bad.err().split('\n').filter((l) => l.startsWith('zform') || /error/.test(l)).length, 1, bad.err());
  // a usage error writes nothing, the trace it names included
  const usage = captureIo();
  assert.equal(await run(['validate', '-c', fixture('valid-two-jobs.yml'), '--trace', join(dir, 'u.json'), '--bogus'], usage.io), 64);
  await assert.rejects(readFile(join(dir, 'u.json')), { code: 'ENOENT' });
});

test('completion: the bash script, sourced by bash, completes commands, options and option values', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zform-completion-'));
  await symlink(BIN, join(dir, 'zform'));
  const script = (await exec(BIN, ['completion', 'bash'])).stdout;
  assert.match(script, /^complete -o default -F _zform_complete zform$/m);
  const complete = async (...words: string[]) => {
    const sh = `source /dev/stdin <<'EOS'\n${script}\nEOS\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _zform_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = await exec('bash', ['-c', sh], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    return r.stdout.trim().split('\n').sort();
  };
  assert.deepEqual(await complete('zform', 'ap'), ['apply']);
  assert.deepEqual(await complete('zform', ''), ['apply', 'completion', 'holds', 'import', 'plan', 'status', 'test', 'validate', 'version']);
  assert.deepEqual(await complete('zform', 'apply', '--au'), ['--auto-approve']);
  assert.deepEqual(await complete('zform', 'plan', '--log-format', ''), ['human', 'json', 'logfmt']);
  assert.deepEqual(await complete('zform', 'completion', 'z'), ['zsh']);
});

test('completion: the shell defaults from $SHELL; zsh gets a completion function; another shell is a usage error', async () => {
  const c = captureIo({ SHELL: '/usr/bin/zsh' });
  assert.equal(await run(['completion'], c.io), 0);
  assert.match(c.out(), /^#compdef zform\n/);
  assert.match(c.out(), /compdef _zform zform/);
  assert.match(c.out(), /SHELL=zsh zform --get-yargs-completions/);
  const b = captureIo({ SHELL: '/bin/bash' });
  assert.equal(await run(['completion'], b.io), 0);
  assert.match(b.out(), /complete -o default -F _zform_complete zform/);
  const f = captureIo();
  assert.equal(await run(['completion', 'fish'], f.io), 64);
  assert.match(f.err(), /shell.*"fish"/);
});
