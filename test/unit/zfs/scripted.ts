// An Executor that answers each argv from a script (canned stdout/stderr/exit code) and records every call.
import { PassThrough, Readable } from 'node:stream';
import type { ExecOptions, ExecProcess, Executor } from '../../../src/zfs/exec.js';

export interface Reply { stdout?: string; stderr?: string; code?: number }

export class ScriptedExecutor implements Executor {
  readonly calls: { argv: string[]; stdin: 'pipe' | 'ignore' }[] = [];
  closed = false;
  constructor(readonly host: string, private readonly respond: (argv: string[]) => Reply) {}

  spawn(argv: string[], opts: ExecOptions = {}): ExecProcess {
    if (typeof opts.stdin === 'object' || opts.stdout === 'direct') throw new TypeError('ScriptedExecutor: no direct pipes');
    this.calls.push({ argv, stdin: opts.stdin ?? 'ignore' });
    const r = this.respond(argv);
    const stderr = r.stderr ?? '';
    return {
      stdin: opts.stdin === 'pipe' ? new PassThrough() : null,
      stdout: Readable.from([Buffer.from(r.stdout ?? '')], { objectMode: false }),
      exited: Promise.resolve({ code: r.code ?? 0, signal: null, stderr }),
      stderr: () => stderr,
      kill: () => {},
    };
  }

  /** argv of every call, joined by spaces */
  lines(): string[] {
    return this.calls.map((c) => c.argv.join(' '));
  }

  async close(): Promise<void> { this.closed = true; }
}
