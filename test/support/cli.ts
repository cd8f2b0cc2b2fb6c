// Runs the CLI in-process over given hosts (fakes), capturing what it prints: what an admin's shell would see.
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli.js';
import { staticHosts } from '../../src/hosts.js';
import type { Io } from '../../src/io.js';
import type { ZfsHost } from '../../src/zfs/types.js';

export interface CliRun { code: number; out: string; err: string }

/** `zform ARGV...` with these hosts by name, this clock and environment (NO_COLOR set). */
export async function runCli(argv: string[], opts: { hosts: Record<string, ZfsHost>; now: () => Date; env?: Record<string, string> }): Promise<CliRun> {
  const out = new PassThrough(); const err = new PassThrough();
  let o = ''; let e = '';
  out.on('data', (c) => (o += c)); err.on('data', (c) => (e += c));
  const io: Io = {
    stdout: out, stderr: err, stdin: new PassThrough(), env: { NO_COLOR: '1', ...opts.env }, now: opts.now,
    openHosts: () => staticHosts(opts.hosts),
  };
  const code = await run(argv, io);
  return { code, out: o, err: e };
}
