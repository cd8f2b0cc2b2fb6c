// Log lines: logfmt quoting round-trips through a logfmt reader, JSON lines parse, human lines name the step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogRecord, joinArgv, quoteLogfmt, type LogRecord } from '../../../src/obs/log-format.js';
import { createLogger } from '../../../src/obs/logger.js';
import { withStep } from '../../../src/obs/context.js';
import { captureStream } from '../../support/terminal.js';

/** A strict logfmt reader (key=bare or key="quoted with \\ \" \n \r \t \uXXXX"), to check what the writer quotes. */
function parseLogfmt(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < line.length) {
    const eq = line.indexOf('=', i);
    assert.ok(eq > i, `a key at ${i} in ${line}`);
    const key = line.slice(i, eq);
    assert.match(key, /^[a-z_]+$/);
    i = eq + 1;
    let value = '';
    if (line[i] === '"') {
      i++;
      while (line[i] !== '"') {
        assert.ok(i < line.length, `unterminated quote in ${line}`);
        if (line[i] === '\\') {
          const c = line[i + 1]!;
          if (c === 'u') { value += String.fromCharCode(parseInt(line.slice(i + 2, i + 6), 16)); i += 6; continue; }
          value += ({ n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"' } as Record<string, string>)[c] ?? assert.fail(`bad escape \\${c}`);
          i += 2;
        } else value += line[i++];
      }
      i++;
    } else {
      while (i < line.length && line[i] !== ' ') value += line[i++];
    }
    out[key] = value;
    assert.ok(i === line.length || line[i] === ' ', `a space after ${key}`);
    i++;
  }
  return out;
}

const at = new Date('2026-11-22T10:11:12.345Z');
const rec = (fields: LogRecord['fields'], msg = 'zfs'): LogRecord => ({ time: at, level: 'debug', msg, fields });

test('logfmt: plain tokens stay bare; spaces, quotes, backslashes, = and control characters are quoted and escaped', () => {
  assert.equal(quoteLogfmt('tank/a@zform_1'), 'tank/a@zform_1');
  assert.equal(quoteLogfmt(''), '""');
  assert.equal(quoteLogfmt('a b'), '"a b"');
  assert.equal(quoteLogfmt('k=v'), '"k=v"');
  assert.equal(quoteLogfmt('say "hi"'), '"say \\"hi\\""');
  assert.equal(quoteLogfmt('C:\\x'), '"C:\\\\x"');
  assert.equal(quoteLogfmt('two\nlines\ttab'), '"two\\nlines\\ttab"');
  assert.equal(quoteLogfmt('bell\x07'), '"bell\\u0007"');
});

test('logfmt: a line with hostile values reads back to the same fields, time first, then level and msg', () => {
  const stderr = 'cannot open \'tank/x y\': dataset does not exist\nusage: "zfs" = …';
  const line = formatLogRecord(rec({ job: 'j', dataset: 'tank/x y', step: 'j:3', host: 'nas', argv: ['zfs', 'list', '-H', 'tank/x y'], duration_ms: 12.5, exit: 1, stderr }), 'logfmt');
  assert.doesNotMatch(line, /\n/);
  assert.ok(line.startsWith('time=2026-11-22T10:11:12.345Z level=debug msg=zfs '));
  assert.deepEqual(parseLogfmt(line), {
    time: '2026-11-22T10:11:12.345Z', level: 'debug', msg: 'zfs', job: 'j', dataset: 'tank/x y', step: 'j:3', host: 'nas',
    argv: "zfs list -H 'tank/x y'", duration_ms: '12.5', exit: '1', stderr,
  });
});

test('json: one object a line with time, level, msg and the fields (argv an array, null kept, undefined left out)', () => {
  const line = formatLogRecord(rec({ job: 'j', dataset: undefined, argv: ['zfs', 'send', '-w', 'a@b'], exit: null, ok: true }), 'json');
  assert.doesNotMatch(line, /\n/);
  assert.deepEqual(JSON.parse(line), { time: '2026-11-22T10:11:12.345Z', level: 'debug', msg: 'zfs', job: 'j', argv: ['zfs', 'send', '-w', 'a@b'], exit: null, ok: true });
});

test('human: local time, level, [step dataset], message, then the other fields as key=value', () => {
  const line = formatLogRecord(rec({ job: 'j', dataset: 'backup/a', step: 'j:2', bytes: 1024, error: 'no space left' }, 'failed send'), 'human');
  const hh = (n: number, w = 2) => String(n).padStart(w, '0');
  const clock = `${hh(at.getHours())}:${hh(at.getMinutes())}:${hh(at.getSeconds())}.345`;
  assert.equal(line, `${clock} debug [j:2 backup/a] failed send bytes=1024 error="no space left"`);
  assert.equal(formatLogRecord(rec({ job: 'j' }, 'planned'), 'human'), `${clock} debug [j] planned`);
  assert.equal(formatLogRecord(rec({}, 'exit'), 'human'), `${clock} debug exit`);
});

test('argv joins shell-quoted: what a person can paste', () => {
  assert.equal(joinArgv(['zfs', 'hold', 'zform_STEP_J_j', "tank/it's@s 1"]), `zfs hold zform_STEP_J_j 'tank/it'\\''s@s 1'`);
});

test('logger: below the level nothing is written; the step context tags each line, explicit fields win', async () => {
  const { stream: out, text: written } = captureStream();
  const log = createLogger({ format: 'json', level: 'info', stream: out, clock: () => at });
  log.debug('hidden');
  await withStep({ job: 'j', dataset: 'tank/a', step: 'j:1' }, async () => {
    await Promise.resolve();
    log.info('inside');
    await withStep({ step: 'j:2' }, async () => log.warn('nested'));
    log.info('explicit', { dataset: 'other' });
  });
  log.error('outside');
  const lines = written().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => [l.level, l.msg, l.job, l.dataset, l.step]), [
    ['info', 'inside', 'j', 'tank/a', 'j:1'],
    ['warn', 'nested', 'j', 'tank/a', 'j:2'],
    ['info', 'explicit', 'j', 'other', 'j:1'],
    ['error', 'outside', undefined, undefined, undefined],
  ]);
});
