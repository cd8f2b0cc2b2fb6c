// quoteArg/quoteCommand: exact quoting, and hostile arguments arrive unchanged through real POSIX shells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteArg, quoteCommand } from '../../../src/zfs/quote.js';
import { ZformError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'zform-quote-'));
const pwned = join(dir, 'pwned');

const HOSTILE = [
  '',
  ' ',
  'pool/with space',
  "it's",
  "''",
  "'\\''",
  '"double"',
  '$HOME',
  '${HOME}',
  `$(touch ${pwned})`,
  `\`touch ${pwned}\``,
  `a; touch ${pwned}`,
  `a && touch ${pwned}`,
  `a | touch ${pwned}`,
  `a\ntouch ${pwned}\n`,
  '*',
  '/*',
  '?',
  '[a-z]',
  '~',
  '~root',
  '\\',
  'back\\slash\\',
  '-n',
  '--',
  '#comment',
  'a=b',
  '!',
  '\t\r\n',
  '{a,b}',
  '< > >> 2>&1',
  'ünïcødé ✓',
];

test('quoteArg wraps every argument in single quotes and turns a quote into \'\\\'\'', () => {
  assert.equal(quoteArg('zfs'), "'zfs'");
  assert.equal(quoteArg(''), "''");
  assert.equal(quoteArg("it's"), "'it'\\''s'");
  assert.equal(quoteArg('a b$c'), "'a b$c'");
  assert.equal(quoteArg('x\ny'), "'x\ny'");
  assert.equal(quoteCommand(['zfs', 'list', '-H', 'p/a b']), "'zfs' 'list' '-H' 'p/a b'");
});

test('a NUL byte or an empty argv is refused with a ZformError', () => {
  assert.throws(() => quoteArg('a\0b'), (e: unknown) => e instanceof ZformError && e.kind === 'internal'
    && e.message === 'cannot pass an argument containing a NUL byte to a remote command: "a\\u0000b"');
  assert.throws(() => quoteCommand([]), (e: unknown) => e instanceof ZformError && e.message === 'cannot run an empty command');
});

for (const shell of ['/bin/sh', '/bin/dash', '/bin/bash']) {
  test(`hostile arguments reach the command unchanged through ${shell} -c`, () => {
    // printf '%s\0' prints each argument followed by NUL: the arguments as the remote command received them
    const out = execFileSync(shell, ['-c', quoteCommand(['printf', '%s\\0', ...HOSTILE])], { encoding: 'utf8', cwd: dir });
    assert.deepEqual(out.split('\0').slice(0, -1), HOSTILE);
    assert.equal(existsSync(pwned), false);
  });
}

test('one argument with every special character at once stays one argument', () => {
  const all = HOSTILE.join('');
  const out = execFileSync('/bin/sh', ['-c', quoteCommand(['printf', '%s\\0', all, 'next'])], { encoding: 'utf8', cwd: dir });
  assert.deepEqual(out.split('\0').slice(0, -1), [all, 'next']);
  assert.equal(existsSync(pwned), false);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
