// The README's quick start on real OpenZFS with the packed tarball (test/real/quickstart.sh): a global install,
// man zform, the example config as /etc/zform/zform.yml, validate, plan, an apply on a 0-column terminal that
// finishes (it hung for ever there), the timer's command, status ok, and the metrics file of the drop-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { requireGuest } from './lib.js';
import { REPO } from './apply-helpers.js';

requireGuest(import.meta.url);

test('the README quick start, word for word where the guest allows, ends with status ok and metrics', async () => {
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('bash', ['test/real/quickstart.sh', REPO], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.once('close', (code) => resolve({ code, out }));
  });
  assert.equal(r.code, 0, r.out);
  const steps = [...r.out.matchAll(/^######## (.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(steps, ['pools', 'npm pack', 'npm install -g ./zform-0.1.0.tgz', 'man zform', 'config', 'zform validate', 'zform plan',
    'zform apply (0-column terminal)', "the timer's command", 'zform status', 'metrics', 'done']);
  assert.match(r.out, /^ZFORM\(1\)/m, 'man zform shows the installed page');
  assert.match(r.out, /^Configuration is valid: 1 job\.$/m);
  assert.match(r.out, /Plan: 1 snapshot, 1 send/);
  const apply = /^apply exit (\d+), (\d+) bytes$/m.exec(r.out);
  assert.ok(apply, r.out);
  assert.equal(apply[1], '0');
  assert.ok(Number(apply[2]) < 20_000, `${apply[2]} bytes on the 0-column terminal`);
  assert.match(r.out, /Apply complete!/);
  assert.match(r.out, /^Status: ok/m);
});
