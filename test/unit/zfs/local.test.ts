// The local executor on real processes: what it keeps of execa's behaviour (a SIGTERM ignored becomes SIGKILL,
// children do not outlive zform, a command that cannot start is exit 127 with the reason) and the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { LocalExecutor } from '../../../src/zfs/local.js';

const LOCAL = new URL('../../../src/zfs/local.js', import.meta.url).href;

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

test('kill(): a child that ignores SIGTERM gets SIGKILL after the delay', async () => {
  const exec = new LocalExecutor('here', { forceKillAfterMs: 200 });
  const p = exec.spawn(['sh', '-c', 'trap "" TERM; echo ready; sleep 30 & wait; sleep 30']);
  p.stdout.once('data', () => p.kill());
  const r = await p.exited;
  assert.equal(r.signal, 'SIGKILL');
});

test('kill(): a child that obeys SIGTERM ends by it', async () => {
  const p = new LocalExecutor('here').spawn(['sleep', '30']);
  p.kill();
  assert.deepEqual({ ...(await p.exited), stderr: '' }, { code: null, signal: 'SIGTERM', stderr: '' });
});

test('children still running when zform exits are killed', async () => {
  // a node process starts `sleep` through the executor, prints its pid and exits at once
  const script = `const { LocalExecutor } = await import(${JSON.stringify(LOCAL)});
    const p = new LocalExecutor('here').spawn(['sh', '-c', 'echo $$; exec sleep 30']);
    p.stdout.once('data', (d) => { process.stdout.write(String(d)); process.exit(0); });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const pid = Number(r.stdout.trim());
  assert.ok(pid > 0, r.stdout);
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((res) => setTimeout(res, 50));
  assert.equal(alive(pid), false, `sleep (pid ${pid}) outlived its parent`);
});

test('a command that cannot start: exit 127 and the reason on stderr', async () => {
  const r = await new LocalExecutor('here').spawn(['/nonexistent/zfs', 'list']).exited;
  assert.equal(r.code, 127);
  assert.match(r.stderr, /^\/nonexistent\/zfs: spawn \/nonexistent\/zfs ENOENT\n$/);
});

test('children run with LC_ALL=C on top of our environment', async () => {
  process.env.ZFORM_TEST_MARK = 'kept';
  const p = new LocalExecutor('here').spawn(['sh', '-c', 'echo "$LC_ALL $ZFORM_TEST_MARK"']);
  let out = '';
  const ended = new Promise((r) => p.stdout.on('data', (d: Buffer) => { out += d.toString(); }).once('end', r));
  await p.exited;
  await ended;
  assert.equal(out, 'C kept\n');
});
