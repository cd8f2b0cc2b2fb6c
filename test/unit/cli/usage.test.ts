// What an admin meets at the command line: flags missing their value, --color, subcommands without a verb,
// per-command exit codes in --help, hints for a missing config or a config given as a plan file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../src/cli.js';
import type { Io } from '../../../src/io.js';
import { useColor } from '../../../src/io.js';

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
