// SendProgress (send-progress.ts): what of `zfs send -v -P` stderr is dropped and the byte count read from it, on
// stderr captured from real OpenZFS (test/fixtures/zfs/<ver>/send-progress/, see test/real/transfer-direct.test.ts)
// and on made-up texts for the cases a capture cannot pin down (errors among the lines, pieces split anywhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendProgress, parseSendHeaderLine, parseSendProgressLine } from '../../../src/zfs/send-progress.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/zfs/', import.meta.url));

/** Feeds text in pieces of `size` characters; returns what was kept. */
function feed(p: SendProgress, text: string, size: number): string {
  let kept = '';
  for (let i = 0; i < text.length; i += size) kept += p.write(text.slice(i, i + size));
  return kept + p.end();
}

const captured = existsSync(FIXTURES) ? readdirSync(FIXTURES).flatMap((ver) => {
  const dir = path.join(FIXTURES, ver, 'send-progress');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.txt')).map((f) => ({
    name: `${ver}/${f.replace(/\.txt$/, '')}`,
    text: readFileSync(path.join(dir, f), 'utf8'),
    exact: (JSON.parse(readFileSync(path.join(dir, f.replace(/\.txt$/, '.json')), 'utf8')) as { exactBytes: number }).exactBytes,
  }));
}) : [];

test('captures of OpenZFS 2.1: full, incremental, -I, raw and resume -t are all there, with per-second lines', () => {
  const v21 = captured.filter((c) => c.name.startsWith('2.1/'));
  assert.deepEqual(v21.map((c) => c.name).sort(), ['2.1/full', '2.1/incremental', '2.1/intermediates', '2.1/raw', '2.1/resume']);
  for (const c of v21) assert.ok(c.text.split('\n').some((l) => parseSendProgressLine(l) !== null), `${c.name} has a progress line`);
});

for (const c of captured) {
  test(`captured ${c.name}: every line is dropped, in any pieces; printed counts stay below the exact size, the reported one near it`, () => {
    for (const size of [1, 7, 64, 100_000]) {
      const p = new SendProgress();
      const seen: number[] = [];
      p.onBytes = (b) => seen.push(b);
      assert.equal(feed(p, c.text, size), '');
      assert.ok(seen.every((b, i) => b <= c.exact && (i === 0 || b > seen[i - 1]!)), `${seen.join(',')} vs ${c.exact}`);
      assert.equal(p.bytes, seen.at(-1) ?? 0);
      assert.ok(Math.abs(p.finalBytes - c.exact) / c.exact < 0.05, `${p.finalBytes} for ${c.exact}`);
    }
  });
}

test('parseSendProgressLine and parseSendHeaderLine read the -P forms and nothing else', () => {
  assert.deepEqual(parseSendProgressLine('03:12:55\t123456\tp/a@s'), { snapshot: 'p/a@s', bytes: 123456 });
  assert.deepEqual(parseSendProgressLine('03:12:55\t123456\t17\tp/a@s'), { snapshot: 'p/a@s', bytes: 123456 }); // -vv: blocks
  assert.equal(parseSendProgressLine('03:12:55   1.2M   p/a@s'), null); // without -P
  assert.equal(parseSendProgressLine("cannot open 'p/a@s': dataset does not exist"), null);
  assert.deepEqual(parseSendHeaderLine('full\tp/a@s\t1000'), { kind: 'estimate', snapshot: 'p/a@s', bytes: 1000 });
  assert.deepEqual(parseSendHeaderLine('incremental\tp/a@s1\tp/a@s2\t20'), { kind: 'estimate', snapshot: 'p/a@s2', bytes: 20 });
  assert.deepEqual(parseSendHeaderLine('incremental\t#b\tp/a@s2\t20'), { kind: 'estimate', snapshot: 'p/a@s2', bytes: 20 });
  assert.deepEqual(parseSendHeaderLine('size\t1020'), { kind: 'total', bytes: 1020 });
  assert.equal(parseSendHeaderLine('full send of p/a@s estimated size is 1.2M'), null);
});

test('an -I stream: counts restart per snapshot and add up; each snapshot\'s unprinted end is its estimate', () => {
  const p = new SendProgress();
  const seen: number[] = [];
  p.onBytes = (b) => seen.push(b);
  const kept = feed(p, [
    'incremental\tp/a@s1\tp/a@s2\t5000', 'incremental\tp/a@s2\tp/a@s3\t100', 'incremental\tp/a@s3\tp/a@s4\t9000', 'size\t14100',
    '10:00:01\t3000\tp/a@s2', '10:00:02\t4000\tp/a@s2', '10:00:03\t2000\tp/a@s4', '10:00:04\t9500\tp/a@s4', '',
  ].join('\n'), 5);
  assert.equal(kept, '');
  assert.deepEqual(seen, [3000, 4000, 6000, 13500]);
  assert.equal(p.estimatedBytes, 14100);
  // s2: estimate 5000 > printed 4000; s3: never printed, its estimate; s4: printed 9500 > estimate 9000
  assert.equal(p.finalBytes, 5000 + 100 + 9500);
});

test('errors among the lines are kept, whole, in order; the resume token\'s nvlist is dropped', () => {
  const p = new SendProgress();
  const kept = feed(p, [
    'resume token contents:', 'nvlist version: 0', '\tobject = 0x2', '\toffset = 0x1000', '\ttoname = p/a@s', 'full\tp/a@s\t800', 'size\t800',
    '10:00:01\t500\tp/a@s', "warning: cannot send 'p/a@s': Input/output error", 'no trailing newline',
  ].join('\n'), 3);
  assert.equal(kept, "warning: cannot send 'p/a@s': Input/output error\nno trailing newline");
  assert.equal(p.bytes, 500);
});

test('nothing printed at all (an empty stderr): the count is 0', () => {
  const p = new SendProgress();
  assert.equal(feed(p, '', 10), '');
  assert.equal(p.finalBytes, 0);
});
