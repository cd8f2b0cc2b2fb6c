// parseJsonBuffer is JSON.parse for texts longer than a string can be: the same value or a SyntaxError, whatever the
// size of the pieces it parses whole (small piece sizes here walk every container member by member).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseJsonBuffer } from '../../src/json-buffer.js';

const GOLDEN = new URL('../../../test/unit/plan/golden/', import.meta.url);
const PIECES = [1, 2, 7, 64, 1000];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ['', 'a', 'tank/a b@zform_2026-12-05', 'quote " and \\ backslash', 'tab\tnewline\n', 'ünï→😀', '\\"', '}]{[,:', '\u0000\u001f'];

function value(rnd: () => number, depth: number): unknown {
  const r = rnd();
  if (depth <= 0 || r < 0.3) {
    const k = Math.floor(rnd() * 6);
    return [null, true, false, Math.floor(rnd() * 2e9) - 1e9, rnd() * 1e-3, STRINGS[Math.floor(rnd() * STRINGS.length)]][k];
  }
  const n = Math.floor(rnd() * 5);
  if (r < 0.6) return Array.from({ length: n }, () => value(rnd, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[STRINGS[Math.floor(rnd() * STRINGS.length)]! + String(i)] = value(rnd, depth - 1);
  return o;
}

function same(text: string, what: string): void {
  let expected: unknown;
  let expectedError: unknown;
  try { expected = JSON.parse(text); } catch (err) { expectedError = err; }
  for (const piece of PIECES) {
    const buf = Buffer.from(text);
    if (expectedError) {
      assert.throws(() => parseJsonBuffer(buf, piece), SyntaxError, `${what}, pieces of ${piece}: ${JSON.stringify(text)}`);
    } else {
      assert.deepEqual(parseJsonBuffer(buf, piece), expected, `${what}, pieces of ${piece}`);
    }
  }
}

test('the golden plans parse to what JSON.parse gives, in pieces of every size', () => {
  const files = readdirSync(GOLDEN).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 5);
  for (const f of files) same(readFileSync(new URL(f, GOLDEN), 'utf8'), f);
});

test('random values, compact and indented, parse to what JSON.parse gives', () => {
  const rnd = random(20261205);
  for (let i = 0; i < 300; i++) {
    const v = value(rnd, 5);
    same(JSON.stringify(v), `value ${i}`);
    same(JSON.stringify(v, null, i % 4), `value ${i} indented`);
  }
});

test('every one-byte change of a text fails exactly when JSON.parse fails, else gives its value', () => {
  const rnd = random(7);
  const text = JSON.stringify({ jobs: [{ job: 'a', datasets: [{ source: 'tank/a', n: [1, 2.5, -3e2], ok: true, none: null }, { s: 'x\\"y' }] }], e: {}, l: [] }, null, 1);
  const bytes = '{}[],:"\\ \n0-1eE.tfnulx';
  for (let i = 0; i < text.length; i++) {
    for (let k = 0; k < 3; k++) {
      const c = bytes[Math.floor(rnd() * bytes.length)]!;
      same(text.slice(0, i) + c + text.slice(i + 1), `byte ${i} → ${JSON.stringify(c)}`);
      same(text.slice(0, i) + text.slice(i + 1), `byte ${i} removed`);
    }
  }
});

test('as JSON.parse: a later duplicate member wins, "__proto__" is an own member, empty and blank texts fail', () => {
  const dup = parseJsonBuffer(Buffer.from('{"a": [1, 2], "a": {"x": 1}, "__proto__": {"polluted": true}}'), 1) as Record<string, unknown>;
  assert.deepEqual(dup.a, { x: 1 });
  assert.ok(Object.hasOwn(dup, '__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(dup), Object.prototype);
  for (const text of ['', '   \n', '{"a": 1} x', '[1,]', '{"a" 1}', '"open']) {
    assert.throws(() => parseJsonBuffer(Buffer.from(text), 1), SyntaxError, JSON.stringify(text));
  }
  assert.throws(() => parseJsonBuffer(Buffer.from('{"jobs": [1, 2}'), 1), /^SyntaxError: Unexpected character "}" at position 14 \(",".*expected\)$/);
});
