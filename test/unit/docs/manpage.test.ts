// man/zform.1 and --help stay true to the CLI: every command and every option of every command is in the
// man page, and every command's --help has examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { run } from '../../../src/cli.js';
import { captureIo } from '../../support/terminal.js';

const ROOT = new URL('../../../../', import.meta.url);

async function help(...args: string[]): Promise<string> {
  const c = captureIo({}, () => new Date());
  assert.equal(await run([...args, '--help'], c.io), 0);
  return c.out();
}

const commandsOf = (text: string) => [...text.matchAll(/^ {2}zform (\w+)/gm)].map((m) => m[1]!);
const optionsOf = (text: string) => [...text.matchAll(/^ {2}(?:-\w, | {4})--([\w-]+)/gm)].map((m) => m[1]!);
/** groff writes a dash as \- */
const roff = (s: string) => s.replace(/-/g, '\\-');

test('every command and every option is in man/zform.1', async () => {
  const man = await readFile(new URL('man/zform.1', ROOT), 'utf8');
  const top = await help();
  const commands = commandsOf(top);
  assert.deepEqual(commands, ['plan', 'apply', 'status', 'holds', 'test', 'import', 'validate', 'version', 'completion']);
  for (const c of commands) assert.match(man, new RegExp(`^\\.B zform ${c}( |$)`, 'm'), `SYNOPSIS line for ${c}`);
  const applyOptions = optionsOf(await help('apply'));
  for (const o of ['config', 'verbose', 'color', 'log-format', 'log-level', 'trace', 'job', 'auto-approve', 'json', 'allow-rollback']) assert.ok(applyOptions.includes(o), o);
  const withSub = [...commands, 'holds list', 'holds release-stale', 'test filesystems', 'import zrepl'];
  for (const c of withSub) {
    for (const o of optionsOf(await help(...c.split(' ')))) {
      assert.ok(man.includes(roff(`--${o}`)), `man/zform.1 documents --${o} (of ${c})`);
    }
  }
});

test('every command\'s --help has examples', async () => {
  for (const c of commandsOf(await help())) {
    const text = await help(c);
    const examples = text.split(/^Examples:$/m)[1];
    assert.ok(examples && /^ {2}zform /m.test(examples), `zform ${c} --help has examples`);
  }
});
