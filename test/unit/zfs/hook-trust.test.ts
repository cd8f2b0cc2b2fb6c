// A local hook runs as the user running zform (root, from cron): an executable that another user could change (the
// file, or a folder above it) is not run, and the hook fails saying why; a hook only root or this user can change
// runs. The rule is the configuration's (fsafe.ts computeWriteExposure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalExecutor } from '../../../src/zfs/local.js';
import { runHookCommand } from '../../../src/zfs/hook.js';

const uid = process.getuid!();
const who = uid === 0 ? 'root' : `root or uid ${uid}`;

/** A hook that creates `marker` (so that a run shows), with its file and folder modes. */
async function hook(dir: string, fileMode: number): Promise<{ path: string; marker: string }> {
  const file = path.join(dir, 'hook');
  const marker = path.join(dir, 'ran');
  await writeFile(file, `#!/bin/sh\ntouch '${marker}'\n`);
  await chmod(file, fileMode);
  return { path: file, marker };
}

test('a hook only root or this user can change runs', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-hook-trust-'));
  const h = await hook(dir, 0o755);
  const r = await runHookCommand(new LocalExecutor('here'), { path: h.path, env: {}, timeoutMs: 30_000 });
  assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: '' });
  assert.ok(existsSync(h.marker));
});

test('a hook writable by others, or in a folder others may write, is not run: the hook fails and says why', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zform-hook-trust-'));
  const open = await hook(dir, 0o777);
  const r = await runHookCommand(new LocalExecutor('here'), { path: open.path, env: {}, timeoutMs: 30_000 });
  assert.deepEqual({ code: r.code, signal: r.signal, timedOut: r.timedOut, stderr: r.stderr }, {
    code: null, signal: null, timedOut: false,
    stderr: `not run: ${open.path}: the file is writable by others (mode 0777); whoever can change it would run their code as this user: make it and its folders writable only by ${who}\n`,
  });
  assert.ok(!existsSync(open.marker), 'not run');

  const folder = path.join(dir, 'shared');
  await mkdir(folder);
  await chmod(folder, 0o777);
  const inShared = await hook(folder, 0o755);
  const s = await runHookCommand(new LocalExecutor('here'), { path: inShared.path, env: {}, timeoutMs: 30_000 });
  assert.equal(s.code, null);
  assert.match(s.stderr, new RegExp(`^not run: ${inShared.path}: its folder ${folder} is writable by others \\(mode 0777\\); `));
  assert.ok(!existsSync(inShared.marker), 'not run');
});
