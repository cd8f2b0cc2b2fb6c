// bench/delay-proxy.ts: every byte arrives, in order, and not before the added delay (benchmark 8's link).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startDelayProxy } from '../../../bench/delay-proxy.js';

test('the delay proxy keeps order across thousands of small writes and adds at least its round trip', { timeout: 20_000 }, async () => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const proxy = await startDelayProxy((echo.address() as net.AddressInfo).port, 20);
  const client = net.connect(proxy.port, '127.0.0.1');
  let got = Buffer.alloc(0);
  let firstAt = 0;
  client.on('data', (d: Buffer) => { if (got.length === 0) firstAt = performance.now(); got = Buffer.concat([got, d]); });
  await new Promise<void>((r) => client.once('connect', () => r()));
  const t0 = performance.now();
  const sent: Buffer[] = [];
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(String(i).padStart(6, '0'));
    sent.push(b);
    client.write(b);
    // writes spread over time, so that chunks arrive with due times a fraction of a millisecond apart
    if (i % 40 === 0) await new Promise((r) => setTimeout(r, i % 3));
  }
  const want = Buffer.concat(sent);
  const ended = new Promise<void>((r) => client.once('end', () => r()));
  client.end();
  await ended;
  assert.equal(got.length, want.length, 'every byte came back');
  assert.ok(got.equals(want), 'in the order sent');
  assert.ok(firstAt - t0 >= 39, `the first echo came after the round trip (${(firstAt - t0).toFixed(1)} ms)`);
  client.destroy();
  await proxy.close();
  await new Promise<void>((r) => echo.close(() => r()));
});
