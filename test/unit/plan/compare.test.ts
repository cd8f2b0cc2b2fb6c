// computeValueDifference / computePlanDifference: the first difference, named by its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asJsonValue, computeValueDifference } from '../../../src/plan/compare.js';
import { SCENARIOS } from './scenarios.js';

test('computeValueDifference: equal JSON values (key order, undefined members) have no difference', () => {
  assert.equal(computeValueDifference({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }), null);
  assert.equal(computeValueDifference({ a: 1, x: undefined }, { a: 1 }), null);
});

test('computeValueDifference: the first differing path, with both values', () => {
  assert.deepEqual(computeValueDifference({ receive: { force: true } }, { receive: { force: false } }), { path: 'receive.force', saved: true, fresh: false });
  assert.deepEqual(computeValueDifference({ s: ['a', 'b'] }, { s: ['a'] }), { path: 's[1]', saved: 'b', fresh: undefined });
  assert.deepEqual(computeValueDifference({ o: { mountpoint: '/etc' } }, { o: {} }), { path: 'o.mountpoint', saved: '/etc', fresh: undefined });
  assert.deepEqual(computeValueDifference({ a: [1] }, { a: { 0: 1 } }), { path: 'a', saved: [1], fresh: { 0: 1 } });
  assert.deepEqual(computeValueDifference('1', 1), { path: '(value)', saved: '1', fresh: 1 });
});

test('computeValueDifference: display-only estimates of a live source are no difference; what drives apply is', () => {
  const send = (estimatedBytes: number, force: boolean) => ({ kind: 'send', estimatedBytes, receive: { force }, summary: { sends: 1, sendBytes: estimatedBytes } });
  assert.equal(computeValueDifference(send(0, false), send(47104, false)), null);
  assert.deepEqual(computeValueDifference(send(0, false), send(47104, true)), { path: 'receive.force', saved: false, fresh: true });
  assert.deepEqual(computeValueDifference({ summary: { sends: 1 } }, { summary: { sends: 2 } }), { path: 'summary.sends', saved: 1, fresh: 2 });
});

test('asJsonValue: what JSON.parse(JSON.stringify(x)) gives, for plans and for the odd members JSON drops or nulls', () => {
  for (const [name, make] of Object.entries(SCENARIOS)) {
    const plan = make();
    assert.deepEqual(asJsonValue(plan), JSON.parse(JSON.stringify(plan)), name);
  }
  const odd = { a: undefined, f: () => 1, s: Symbol('s'), n: NaN, i: -Infinity, d: new Date(0), arr: [undefined, () => 1, 2, Infinity], nested: { __proto__: null, x: [{}] } };
  assert.deepEqual(asJsonValue(odd), JSON.parse(JSON.stringify(odd)));
  const proto = JSON.parse('{"__proto__": {"x": 1}}') as object;
  assert.ok(Object.hasOwn(asJsonValue(proto) as object, '__proto__'));
  assert.throws(() => asJsonValue({ b: 1n }), TypeError);
});
