// Completion in a real bash with the script "zform completion bash" prints: --job offers the config's job names,
// file-valued options leave the shell to offer file names, --log-format=<TAB> (bash splits at "=") offers the
// formats, and options never include yargs' "--c"/"--v".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { computeConfigPath, computeOptionValues, filterDefaultCompletions, readJobNames } from '../../../src/commands/complete-words.js';

const ROOT = new URL('../../../../', import.meta.url);
const BIN_DIR = fileURLToPath(new URL('bin', ROOT));
const CONFIG = fileURLToPath(new URL('test/fixtures/config/valid-two-jobs.yml', ROOT));
const exec = promisify(execFile);

/** COMPREPLY of bash's completion function for each list of words (the cursor on the last one), in one bash. */
async function bashComplete(cases: string[][], env: NodeJS.ProcessEnv = {}): Promise<string[][]> {
  const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;
  const script = ['source <(zform completion bash)', 'complete -p zform', ...cases.map((words) =>
    `COMP_WORDS=(${words.map(quote).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _zform_complete; echo '##'; printf '%s\\n' "\${COMPREPLY[@]}"`)].join('\n');
  const { stdout } = await exec('bash', ['-c', script], { env: { ...process.env, PATH: `${BIN_DIR}:${process.env.PATH}`, ...env } });
  const [spec, ...replies] = stdout.split('##\n');
  assert.match(spec!, /complete -o default -F _zform_complete zform/);
  return replies.map((r) => r.split('\n').filter((l) => l !== ''));
}

test('bash: --job <TAB> offers the job names of the config; file-valued options give no words (then -o default offers files)', async () => {
  const [a, b, ...files] = await bashComplete([
    ['zform', 'plan', '-c', CONFIG, '--job', ''],
    ['zform', 'apply', '--job', 'c'],
    ['zform', 'plan', '--out', ''], ['zform', 'status', '--metrics-file', ''], ['zform', 'plan', '-c', ''], ['zform', 'apply', '--trace', ''],
  ], { ZFORM_CONFIG: CONFIG });
  assert.deepEqual(a, ['snaps', 'copy']);
  assert.deepEqual(b, ['copy']);
  assert.deepEqual(files, [[], [], [], []]);
});

test('bash: --log-format=<TAB> (split at "=" by bash) offers the formats; --log-level <TAB> the levels; no --c, --v', async () => {
  const [formats, l, levels, options] = await bashComplete([
    ['zform', 'plan', '--log-format', '=', ''],
    ['zform', 'plan', '--log-format', '=', 'l'],
    ['zform', 'plan', '--log-level', ''],
    ['zform', 'plan', '--'],
  ]);
  assert.deepEqual(formats, ['human', 'logfmt', 'json']);
  assert.deepEqual(l, ['logfmt']);
  assert.deepEqual(levels, ['debug', 'info', 'warn', 'error']);
  assert.ok(options!.includes('--config') && options!.includes('--verbose') && options!.includes('--job'), options!.join(' '));
  assert.ok(!options!.includes('--c') && !options!.includes('--v'), options!.join(' '));
});

test('computeOptionValues: one-word --flag=VALUE (zsh), a flag without values, not on a value', async () => {
  const jobs = async () => ['a', 'b'];
  assert.deepEqual(await computeOptionValues(['zform', 'plan', '--log-format=j'], jobs), ['--log-format=json']);
  assert.deepEqual(await computeOptionValues(['zform', 'plan', '--job=' ], jobs), ['--job=a', '--job=b']);
  assert.equal(await computeOptionValues(['zform', 'plan', '--json', ''], jobs), null);
  assert.equal(await computeOptionValues(['zform', 'pl'], jobs), null);
  assert.equal(computeConfigPath(['zform', 'plan', '--config=/x.yml', '--job', ''], {}), '/x.yml');
  assert.equal(computeConfigPath(['zform', 'plan', '--job', ''], { ZFORM_CONFIG: '/e.yml' }), '/e.yml');
  assert.deepEqual(await readJobNames('/nonexistent.yml'), []);
  assert.equal(filterDefaultCompletions('--config\n--c\n-c\n--v\n--verbose\n'), '--config\n-c\n--verbose\n');
});
